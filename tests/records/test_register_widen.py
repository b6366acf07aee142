"""Spec 8.5: HR may widen a site's register entry to all sites (action ``register_widen``),
with a second HR member's approval, like a lift; and who counts as HR for the register is
the desk's definition (the HR channel's members and ``HAVEN_HR_USERS``), failing closed."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet


from bot.app.config import Settings
from bot.app.runtime import build_runtime
from bot.model.inbound import Actor, FormIn
from bot.model.messages import Action, Audience
from storage import register as store
from storage.hr_desk import Identity
from tests.core.test_core_flows import EMPLOYEE, press, sup
from tests.records.conftest import NOW
from tests.records.test_holds import _approval_value
from tests.records.test_register import ban, check, entries
from tests.support.recording import PLATFORM, make_runtime
from tests.support.serve import haven_env

HR1, HR2 = Actor(PLATFORM, "hr1", "en"), Actor(PLATFORM, "hr2", "en")
LISTED = Actor(PLATFORM, "hr-listed", "en")  # in HAVEN_HR_USERS only, not in the HR channel
ENTRY = "REG-000001"
NAME = "山田"


def with_hr_channel(world) -> None:  # type: ignore[no-untyped-def]
    """An HR channel exists: hr1 and hr2 are its members."""
    _, messenger, directory, _ = world
    messenger.reachable_audiences.add(Audience.HR)
    directory.hr |= {HR1.user_id, HR2.user_id}


def texts(messenger) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.message.text for s in messenger.sent]


async def log_of(runtime) -> list:  # type: ignore[no-untyped-def,type-arg]
    async with runtime.db.session() as session:
        return await store.events_for(session=session, entry_id=1)


async def test_widening_needs_a_second_hr_member_then_the_check_answers_for_all_sites(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    with_hr_channel(world)
    await ban(runtime, messenger)
    assert (await check(runtime, "山田太郎")).endswith("for Head office: do not serve alone, call a supervisor.")

    for outsider in (EMPLOYEE, sup("sato")):  # a supervisor is not HR once an HR channel exists
        refused = await press(runtime, outsider, Action.REGISTER_WIDEN, ENTRY, Audience.HR)
        assert not refused.changed and "Only HR members" in refused.replies[0].message.text
    proposed = await press(runtime, HR1, Action.REGISTER_WIDEN, ENTRY, Audience.HR)
    assert proposed.changed
    (request,) = [s for s in messenger.sent if s.meta.kind == "approval_request" and ENTRY in s.message.text]
    assert request.target is not None and request.target.audience == Audience.HR
    assert "now for Head office, apply to all sites" in request.message.text
    assert "for Head office" in await check(runtime, "山田太郎"), "a proposal widens nothing"

    own = await press(runtime, HR1, Action.APPROVE, ENTRY, Audience.HR)
    assert not own.changed and "Another HR member" in own.replies[0].message.text
    not_hr = await press(runtime, sup("suzuki"), Action.APPROVE, ENTRY, Audience.HR)
    assert not not_hr.changed
    assert (await press(runtime, HR2, Action.APPROVE, ENTRY, Audience.HR)).changed

    (entry,) = await entries(runtime)
    assert entry.scope == store.ALL_SITES and entry.state == store.ACTIVE and entry.pending is None
    assert await check(runtime, "山田 太郎") == (
        "On the register since 2026-12-01 for all sites: do not serve alone, call a supervisor.")
    assert "全拠点" in await check(runtime, "山田太郎", Actor(PLATFORM, "clerk", "ja"))
    decided = [s for s in messenger.sent if "now applies to all sites" in s.message.text]
    assert decided and decided[0].target is not None and decided[0].target.audience == Audience.HR
    widened = [e for e in await log_of(runtime) if e.kind == "register_widened"]
    assert [(e.actor, e.detail) for e in widened] == [
        ("hr2", {"action": "widen", "proposer": "hr1", "from": "head_office", "to": "all"})]
    assert NAME not in repr([e.detail for e in await log_of(runtime)]), "the audit log holds ids only"
    assert not [text for text in texts(messenger) if NAME in text], "no chat post names the customer"


async def test_the_review_request_offers_widening_only_for_one_sites_entry(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, clock = world
    with_hr_channel(world)
    await ban(runtime, messenger)
    await press(runtime, HR1, Action.REGISTER_WIDEN, ENTRY, Audience.HR)
    await press(runtime, HR2, Action.APPROVE, ENTRY, Audience.HR)
    again = await press(runtime, HR1, Action.REGISTER_WIDEN, ENTRY, Audience.HR)
    assert not again.changed and "already applies to all sites" in again.replies[0].message.text
    clock.set(datetime(2027, 5, 30, 1, 1))  # 10:01 on the review date in Tokyo
    await runtime.sweeper.tick()
    await runtime.dispatcher.drain()
    (review,) = [s for s in messenger.sent if s.meta.kind == "reminder" and s.message.incident is None]
    assert review.target is not None and review.target.audience == Audience.HR
    assert "for all sites" in review.message.text
    assert [b.action for b in review.message.buttons] == ["register_extend", "register_lift"]


async def test_a_rejected_widening_keeps_the_site_and_bad_entries_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    with_hr_channel(world)
    await ban(runtime, messenger)
    await press(runtime, HR1, Action.REGISTER_WIDEN, ENTRY, Audience.HR)
    await press(runtime, HR2, Action.REJECT, ENTRY, Audience.HR)
    (entry,) = await entries(runtime)
    assert entry.scope == "head_office" and entry.pending is None
    assert any("rejected the proposal to widen register entry REG-000001" in text for text in texts(messenger))
    for value in ("REG-000009", "REG-x", "INC-2026-000001:REG-1"):
        result = await press(runtime, HR1, Action.REGISTER_WIDEN, value, Audience.HR)
        assert not result.changed and result.replies, value
    (entry,) = await entries(runtime)
    assert entry.scope == "head_office"


async def test_a_wider_entry_answers_before_one_sites_entry(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    with_hr_channel(world)
    await ban(runtime, messenger)  # REG-000001, head office
    ref = (await runtime.haven.submit_form(_shibuya_form())).ref
    assert ref is not None
    await runtime.dispatcher.drain()
    await press(runtime, sup("sato"), "discontinue_service", ref)
    await press(runtime, sup("suzuki"), Action.APPROVE, _approval_value(messenger))
    assert [e.scope for e in await entries(runtime)] == ["head_office", "store_shibuya"]
    await press(runtime, HR1, Action.REGISTER_WIDEN, "REG-000002", Audience.HR)
    await press(runtime, HR2, Action.APPROVE, "REG-000002", Audience.HR)
    assert "for all sites" in await check(runtime, "山田太郎")


def _shibuya_form() -> FormIn:
    return FormIn(actor=EMPLOYEE, values={"category": "violence", "description": "shouted at me again",
                                          "customer_ref": "山田 太郎", "site": "store_shibuya"})


# -- one definition of an HR member -------------------------------------------------------


async def test_an_hr_user_outside_the_hr_channel_decides_like_a_member(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    with_hr_channel(world)
    runtime.ctx.hr_users = frozenset({LISTED.user_id})
    await ban(runtime, messenger)
    assert (await press(runtime, LISTED, Action.REGISTER_WIDEN, ENTRY, Audience.HR)).changed
    assert (await press(runtime, HR1, Action.APPROVE, ENTRY, Audience.HR)).changed  # a channel member approves
    await press(runtime, HR1, Action.REGISTER_LIFT, ENTRY, Audience.HR)
    assert (await press(runtime, LISTED, Action.APPROVE, ENTRY, Audience.HR)).changed  # and the other way round
    (entry,) = await entries(runtime)
    assert entry.scope == store.ALL_SITES and entry.state == store.LIFTED and entry.lifted_by == LISTED.user_id


async def test_without_the_list_the_same_person_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    with_hr_channel(world)
    await ban(runtime, messenger)
    refused = await press(runtime, LISTED, Action.REGISTER_WIDEN, ENTRY, Audience.HR)
    assert not refused.changed and "Only HR members" in refused.replies[0].message.text


async def test_a_failed_look_up_refuses_everyone_but_the_listed(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, directory, _ = world
    with_hr_channel(world)
    runtime.ctx.hr_users = frozenset({LISTED.user_id})
    await ban(runtime, messenger)
    directory.broken = True
    refused = await press(runtime, HR1, Action.REGISTER_WIDEN, ENTRY, Audience.HR)
    assert not refused.changed and "couldn't" in refused.replies[0].message.text.lower()
    assert (await entries(runtime))[0].pending is None, "fail closed: nothing proposed"
    assert (await press(runtime, LISTED, Action.REGISTER_WIDEN, ENTRY, Audience.HR)).changed, (
        "HAVEN_HR_USERS needs no look-up")


async def test_until_an_hr_channel_exists_supervisors_and_listed_hr_decide(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    runtime.ctx.hr_users = frozenset({LISTED.user_id})
    await ban(runtime, messenger)
    assert not (await press(runtime, EMPLOYEE, Action.REGISTER_WIDEN, ENTRY)).changed
    assert (await press(runtime, LISTED, Action.REGISTER_WIDEN, ENTRY)).changed
    assert (await press(runtime, sup("sato"), Action.APPROVE, ENTRY)).changed
    (request,) = [s for s in messenger.sent if s.meta.kind == "approval_request" and ENTRY in s.message.text]
    assert request.target is not None and request.target.audience == Audience.SUPERVISORS
    assert (await entries(runtime))[0].scope == store.ALL_SITES


def test_haven_hr_users_reach_the_core_from_the_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.model_validate({"HAVEN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
                                        "HAVEN_HR_USERS": "UHR1, UHR2"})
    runtime = build_runtime(settings)
    assert runtime.ctx.hr_users == frozenset({"UHR1", "UHR2"})


async def test_the_desk_and_the_core_agree_on_who_is_hr(world) -> None:  # type: ignore[no-untyped-def]
    """The desk's access check is the core's: a listed user and a channel member are HR
    for both; someone in neither is HR for neither; a failed look-up is "not HR"."""
    runtime, _, directory, _ = world
    with_hr_channel(world)
    runtime.ctx.hr_users = frozenset({LISTED.user_id})
    assert runtime.haven.desk is not None
    access = runtime.haven.desk.access
    for who, expected in ((LISTED, True), (HR1, True), (EMPLOYEE, False), (sup("sato"), False)):
        assert await access.is_hr(Identity(PLATFORM, who.user_id)) is expected, who.user_id
    directory.broken = True
    assert await access.is_hr(Identity(PLATFORM, HR2.user_id)) is False



async def test_the_console_check_answers_for_all_sites_after_widening(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    key = Fernet.generate_key().decode()
    runtime, messenger, directory, _ = await make_runtime(url, now=NOW, encryption_key=key)
    directory.supervisors |= {"sato", "suzuki"}
    messenger.reachable_audiences.add(Audience.HR)
    directory.hr |= {HR1.user_id, HR2.user_id}
    try:
        await ban(runtime, messenger)
        await press(runtime, HR1, Action.REGISTER_WIDEN, ENTRY, Audience.HR)
        assert (await press(runtime, HR2, Action.APPROVE, ENTRY, Audience.HR)).changed
    finally:
        await runtime.haven.close()
        await runtime.db.dispose()
    clock = tmp_path / "clock"
    clock.write_text("2026-12-01T02:00:00Z")
    for locale, expected in (("en", "On the register since 2026-12-01 for all sites"), ("ja", "対象：全拠点")):
        env = haven_env(tmp_path, url, HAVEN_ENCRYPTION_KEY=key, HAVEN_CLOCK_FILE=str(clock), HAVEN_LOCALE=locale)
        console = subprocess.run([sys.executable, "-m", "bot.app.cli", "console"], env=env, cwd=tmp_path,
                                 input=":as employee clerk\n:check 山田　太郎\n", capture_output=True, text=True,
                                 timeout=120)
        assert console.returncode == 0 and expected in console.stdout, console.stdout + console.stderr
