"""Triage and re-triage in Slack over real HTTP: the words make a threat Critical, a
supervisor re-triages with ``triage_form``, the ladder's ``requires`` explains itself."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app.records import detail
from policy.loader import DEFAULT_POLICY_PATH
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import metadata_of, start_in_process
from tests.slack.support import (
    EMPLOYEE, STRANGER, SUPERVISORS, Haven, all_text, form_state, press_payload, select_value, text_value,
)

REF = "INC-2026-000001"


def _alert(haven: Haven) -> dict[str, Any]:
    return next(c.args for c in haven.fake.calls_to("chat.postMessage")
                if metadata_of(c)["event_type"] == "haven_alert")


def _buttons(args: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in args["blocks"] if b["type"] == "actions" for e in b["elements"]]


def triage_submission(values: dict[str, Any], *, user: str, ref: str = REF, view_id: str = "VTRIAGE") -> dict[str, Any]:
    return {"type": "view_submission", "team": {"id": "T0TEST"}, "user": {"id": user}, "api_app_id": "A0HAVEN",
            "view": {"id": view_id, "type": "modal", "callback_id": "triage_form", "private_metadata": ref,
                     "state": {"values": values}}}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("he said he would find where I live", "threat_to_life"),
        ("he grabbed my arm", "physical"),
        ("殺すぞと言われた", "threat_to_life"),
        ("家を突き止めてやると言われた", "threat_to_life"),
        ("腕をつかまれた", "physical"),
    ],
)
async def test_threat_in_words_alerts_as_critical(haven: Haven, text: str, rule: str) -> None:
    status, _ = await haven.command(text)
    assert status == 200
    await haven.fake.wait_for("chat.postMessage")
    alert = _alert(haven)
    assert alert["channel"] == SUPERVISORS
    assert alert["text"].startswith("<!here>") or "<!here>" in all_text(alert["blocks"])
    assert "Critical report" in all_text(alert["blocks"])
    assert "contact_police" in _buttons(alert) and "triage" in _buttons(alert)
    assert f"Triage*\\n{rule}" in all_text(alert["blocks"]), "the alert says which rule matched"
    record = await detail(haven.runtime.db, REF)  # type: ignore[union-attr]
    assert record["severity"] == "critical" and record["category"] == "violence" and record["triage"] == [rule]


async def test_kill_time_stays_normal(haven: Haven) -> None:
    await haven.command("he said he was only here to kill time")
    await haven.fake.wait_for("chat.postMessage")
    alert = _alert(haven)
    assert "Normal report" in all_text(alert["blocks"]) and "<!here>" not in all_text(alert["blocks"])
    assert "contact_police" not in _buttons(alert)
    record = await detail(haven.runtime.db, REF)  # type: ignore[union-attr]
    assert record["severity"] == "normal" and record["category"] == "other" and record["triage"] == []


async def test_a_supervisor_retriages_and_the_channel_and_reporter_are_told(haven: Haven) -> None:
    await haven.command("the customer kept me on the phone")
    await haven.fake.wait_for("chat.postMessage")
    ts = next(ts for (channel, ts) in haven.fake.messages if channel == SUPERVISORS)
    await haven.interact(press_payload("triage", REF, user="USUP1", ts=ts))
    [opened] = await haven.fake.wait_for("views.open")
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "triage_form" and view["private_metadata"] == REF
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert set(inputs) == {"category", "severity", "note"}
    assert inputs["severity"]["initial_option"]["value"] == "normal"

    status, body = await haven.interact(triage_submission(form_state(
        category=select_value("violence"), severity=select_value("critical"),
        note=text_value("he came back with a knife")), user="USUP1"))
    assert status == 200 and not body
    posts = await haven.fake.wait_for("chat.postMessage", 3)
    note = next(c.args for c in posts if c.args.get("thread_ts") == ts)
    assert "<!here>" in note["text"] and note.get("reply_broadcast") in (True, "true", "1")
    assert "Critical" in note["text"]
    dm = next(c.args for c in posts if c.args["channel"] == EMPLOYEE
              and metadata_of_args(c.args)["event_type"] == "haven_reporter_update")
    assert "urgent" in dm["text"] and REF in dm["text"]
    [update] = await haven.fake.wait_for("chat.update")
    assert "Critical report" in all_text(update.args["blocks"]) and "contact_police" in _buttons(update.args)
    assert "<@USUP1> re-triaged: Normal → Critical" in all_text(update.args["blocks"])

    record = await detail(haven.runtime.db, REF)  # type: ignore[union-attr]
    assert (record["severity"], record["category"]) == ("critical", "violence")
    [triaged] = [e for e in record["events"] if e["kind"] == "triaged"]
    assert triaged["actor"] == "USUP1"
    assert triaged["detail"]["from"] == {"category": "other", "severity": "normal"}
    assert triaged["detail"]["to"] == {"category": "violence", "severity": "critical"}
    assert triaged["detail"]["note"] == "he came back with a knife"


def metadata_of_args(args: dict[str, Any]) -> dict[str, Any]:
    return dict(args.get("metadata") or {})


async def test_only_supervisors_may_retriage(haven: Haven) -> None:
    await haven.command("rude words")
    await haven.fake.wait_for("chat.postMessage")
    await haven.interact(press_payload("triage", REF, user=STRANGER))
    [refusal] = await haven.fake.wait_for("chat.postEphemeral")
    assert refusal.args["user"] == STRANGER and "supervisor" in refusal.args["text"].lower()
    assert haven.fake.calls_to("views.open") == []
    status, body = await haven.interact(triage_submission(form_state(
        category=select_value("violence"), severity=select_value("critical")), user=STRANGER))
    assert status == 200 and body["response_action"] == "errors" and "supervisor" in body["errors"]["category"].lower()
    record = await detail(haven.runtime.db, REF)  # type: ignore[union-attr]
    assert record["severity"] == "normal" and [e["kind"] for e in record["events"]] == ["reported"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"category": select_value("violence"), "severity": select_value("urgent")}, "severity"),
        ({"category": select_value("nonsense"), "severity": select_value("high")}, "category"),
        ({"category": select_value("other"), "severity": select_value("normal")}, "severity"),  # unchanged
        ({"category": select_value("other"), "severity": select_value("high"), "note": text_value("x" * 1001)}, "note"),
    ],
)
async def test_bad_retriage_answers_are_answered_in_the_form(haven: Haven, values: dict[str, Any], field: str) -> None:
    await haven.command("rude words")
    await haven.fake.wait_for("chat.postMessage")
    status, body = await haven.interact(triage_submission(form_state(**values), user="USUP1"))
    assert status == 200 and body["response_action"] == "errors" and field in body["errors"]
    assert (await detail(haven.runtime.db, REF))["severity"] == "normal"  # type: ignore[index, union-attr]


@pytest.fixture
async def laddered(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Haven]:
    """Haven with a policy whose discontinue_service requires request_understanding."""
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    for option in data["options"]:
        if option["id"] == "discontinue_service":
            option["requires"] = ["request_understanding"]
    path = tmp_path / "ladder.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    server, running = await start_in_process(fake_slack, tmp_path, HAVEN_POLICY=str(path))
    try:
        yield running
    finally:
        await running.close()
        await server.close()


async def test_a_step_pressed_too_early_gets_a_private_explanation(laddered: Haven) -> None:
    haven = laddered
    await haven.command("rude words")
    await haven.fake.wait_for("chat.postMessage")
    assert "Recommended next step*\\nAcknowledge" in all_text(_alert(haven)["blocks"])
    await haven.interact(press_payload("discontinue_service", REF, user="USUP1"))
    [told] = await haven.fake.wait_for("chat.postEphemeral")
    assert told.args["user"] == "USUP1"
    assert "Firmly request understanding" in told.args["text"] and "first" in told.args["text"]
    record = await detail(haven.runtime.db, REF)  # type: ignore[union-attr]
    assert [e["kind"] for e in record["events"]] == ["reported"]
    await haven.interact(press_payload("request_understanding", REF, user="USUP1"))
    await haven.interact(press_payload("discontinue_service", REF, user="USUP1"))
    await haven.fake.wait_for("chat.update", 2)
    kinds = [e["kind"] for e in (await detail(haven.runtime.db, REF))["events"]]  # type: ignore[index]
    assert kinds == ["reported", "option_chosen", "proposed"]
