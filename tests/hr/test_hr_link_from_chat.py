"""``/haven hr`` in chat: an HR member gets a one-time link by DM; nobody else does."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.core import DeskAccess
from bot.hr.access import HrAccess
from bot.model.inbound import Actor
from bot.model.messages import Audience, Kind
from tests.support.recording import PLATFORM, make_runtime

NOW = datetime(2026, 12, 1, 2, 0)


async def test_hr_member_gets_a_sign_in_link_by_dm(fresh_database_url: str) -> None:
    runtime, messenger, _directory, _clock = await make_runtime(fresh_database_url, now=NOW)
    try:
        assert runtime.haven.desk is not None
        runtime.haven.desk = DeskAccess(access=HrAccess(hr_users=frozenset({"UHR1"})),
                                        signin=runtime.haven.desk.signin)
        answer = await runtime.haven.hr_link(Actor(PLATFORM, "UHR1"))
        assert "direct message" in (answer.text or "")
        assert "token=" not in (answer.text or "")  # the link never shows in the channel
        await runtime.dispatcher.drain()
        [dm] = messenger.to(Audience.USER, "UHR1")
        assert dm.message.kind == Kind.REPORTER_UPDATE
        assert "/hr/login?token=" in (dm.message.text or "")
    finally:
        await runtime.close()


async def test_someone_not_in_hr_is_refused_and_gets_no_link(fresh_database_url: str) -> None:
    runtime, messenger, _directory, _clock = await make_runtime(fresh_database_url, now=NOW)
    try:
        answer = await runtime.haven.hr_link(Actor(PLATFORM, "UEMP1"))
        assert answer.kind == Kind.REFUSAL
        assert "Only HR members" in (answer.text or "")
        await runtime.dispatcher.drain()
        assert messenger.to(Audience.USER, "UEMP1") == []
    finally:
        await runtime.close()


def test_link_answer_reads_naturally_in_japanese(tmp_path: Path) -> None:
    from bot.model.i18n import t

    assert "ダイレクトメッセージ" in t("ja", "hr.link.sent")
    assert "{url}" not in t("ja", "hr.link.dm", url="https://h/hr/login?token=x")
