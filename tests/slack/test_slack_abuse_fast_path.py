"""``/abuse`` is answered by Haven's endpoint without bolt's middleware chain (the hot path
of a burst); everything else still goes through bolt, and the checks in front stay."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp

from bot.app.records import detail
from tests.slack.support import EMPLOYEE, Haven, all_text, command_body, press_payload


@pytest.fixture
def bolt_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every request bolt dispatches, by kind (it still dispatches them)."""
    calls: list[str] = []
    dispatch = AsyncApp.async_dispatch

    async def counted(self: AsyncApp, req: Any) -> Any:
        body = req.body
        calls.append(str(body.get("command") or body.get("type")))
        return await dispatch(self, req)

    monkeypatch.setattr(AsyncApp, "async_dispatch", counted)
    return calls


async def test_a_quick_report_is_logged_and_answered_without_bolt(haven: Haven, bolt_calls: list[str]) -> None:
    status, body = await haven.command("he threatened me on the phone")
    assert status == 200 and body["response_type"] == "ephemeral"
    assert "Logged as INC-2026-000001" in all_text(body["blocks"])
    record = await detail(haven.runtime.db, "INC-2026-000001")  # type: ignore[union-attr]
    assert record is not None and record["reporter_id"] == EMPLOYEE
    assert bolt_calls == []


async def test_abuse_without_text_still_opens_the_form_after_the_answer(haven: Haven, bolt_calls: list[str]) -> None:
    status, body = await haven.command("", trigger="trig-fast-form")
    assert status == 200 and body["blocks"][0]["type"] == "header"
    [opened] = await haven.fake.wait_for("views.open")
    assert opened.args["trigger_id"] == "trig-fast-form"
    assert bolt_calls == []


async def test_buttons_still_go_through_bolt(haven: Haven, bolt_calls: list[str]) -> None:
    await haven.command("he threatened me on the phone")
    status, _ = await haven.interact(press_payload("acknowledge", "INC-2026-000001", user="USUP1"))
    assert status == 200
    assert bolt_calls == ["block_actions"]


async def test_an_unsigned_abuse_command_is_refused_and_logs_nothing(haven: Haven) -> None:
    status, body = await haven.post(command_body("he threatened me"), signed=False)
    assert status == 401 and body["error"] == "invalid_signature"
    assert await detail(haven.runtime.db, "INC-2026-000001") is None  # type: ignore[union-attr]
