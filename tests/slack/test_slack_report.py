"""Reporting in Slack over real HTTP: /abuse with and without text, the form, the shortcut."""

from __future__ import annotations

import time

from bot.model.forms import FIELD_IDS
from bot.app.records import detail
from tests.slack.conftest import metadata_of
from tests.slack.support import (
    EMPLOYEE, SUPERVISORS, Haven, all_text, form_state, select_value, text_value, view_payload,
)


async def test_quick_report_answers_wellbeing_first_then_logged_as_with_reporter_buttons(haven: Haven) -> None:
    status, body = await haven.command("he threatened me on the phone")
    assert status == 200
    assert body["response_type"] == "ephemeral"
    blocks = body["blocks"]
    header = {"type": "plain_text", "text": "First, take care of yourself", "emoji": True}
    assert blocks[0] == {"type": "header", "text": header}
    text = all_text(blocks)
    assert text.index("First, take care of yourself") < text.index("Logged as INC-2026-000001")
    actions = [b for b in blocks if b["type"] == "actions"][-1]["elements"]
    assert [(a["action_id"], a["value"]) for a in actions] == [
        ("add_details", "INC-2026-000001"), ("in_danger", "INC-2026-000001"), ("talk_now", "INC-2026-000001"),
        ("change_site", "INC-2026-000001")]
    # committed before the answer: the incident is there the moment we have the answer
    record = await detail(haven.runtime.db, "INC-2026-000001")
    assert record is not None and record["reporter_id"] == EMPLOYEE


async def test_alert_reaches_the_supervisors_channel_with_buttons_and_metadata(haven: Haven) -> None:
    await haven.command("he threatened me on the phone")
    [alert] = await haven.fake.wait_for("chat.postMessage")
    assert alert.args["channel"] == SUPERVISORS
    meta = metadata_of(alert)
    assert meta["event_type"] == "haven_alert"
    assert meta["event_payload"]["incident"] == "INC-2026-000001"
    assert isinstance(meta["event_payload"]["outbox_id"], int)
    buttons = [e for b in alert.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [
        "acknowledge", "request_understanding", "discontinue_service", "consult_attorney",
        "external_specialist", "resolve", "triage", "move_to_hr"]
    assert {b["value"] for b in buttons} == {"INC-2026-000001"}
    assert "<@UEMPLOYEE>" in all_text(alert.args["blocks"])  # the reporter, as a mention
    assert "<!date^" in all_text(alert.args["blocks"])
    assert "INC-2026-000001" in alert.args["text"]


async def test_channel_mentions_in_a_report_never_reach_slack_unescaped(haven: Haven) -> None:
    await haven.command("<!channel> <!here> <@USUP1> & <https://evil.example|click>")
    await haven.fake.wait_for("chat.postMessage")
    for call in haven.fake.calls:
        sent = all_text(call.args.get("blocks") or []) + str(call.args.get("text", ""))
        assert "<!channel>" not in sent and "<!here>" not in sent and "<https://evil" not in sent
    alert = haven.fake.calls_to("chat.postMessage")[0]
    escaped = "&lt;!channel&gt; &lt;!here&gt; &lt;@USUP1&gt; &amp; &lt;https://evil.example|click&gt;"
    assert escaped in all_text(alert.args["blocks"])


async def test_abuse_without_text_answers_wellbeing_and_opens_the_form(haven: Haven) -> None:
    status, body = await haven.command("", trigger="trig-form")
    assert status == 200
    assert body["blocks"][0]["text"]["text"] == "First, take care of yourself"
    assert "INC-" not in all_text(body["blocks"])
    [opened] = await haven.fake.wait_for("views.open")
    assert opened.args["trigger_id"] == "trig-form"
    view = opened.args["view"]
    assert view["callback_id"] == "report_form" and view["notify_on_close"] is True
    assert view["blocks"][0]["text"]["text"] == "First, take care of yourself"
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == list(FIELD_IDS)
    assert all(b["element"]["action_id"] == b["block_id"] for b in inputs)
    assert {b["block_id"] for b in inputs if not b["optional"]} == {"category", "description"}


async def test_the_wellbeing_answer_does_not_wait_for_the_form_to_open(haven: Haven) -> None:
    haven.fake.delay("views.open", 1.0)
    started = time.monotonic()
    status, body = await haven.command("")
    assert status == 200 and time.monotonic() - started < 0.7
    assert body["blocks"][0]["type"] == "header"
    await haven.fake.wait_for("views.open")


async def test_invalid_form_is_answered_in_the_form(haven: Haven) -> None:
    state = form_state(category=select_value("violence"), description=text_value(""),
                       held_minutes=text_value("ten"))
    status, body = await haven.interact(view_payload("view_submission", state))
    assert status == 200
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"description", "held_minutes"}
    assert haven.fake.calls_to("chat.postMessage") == []


async def test_submitted_form_is_logged_and_the_receipt_sent_by_dm(haven: Haven) -> None:
    state = form_state(category=select_value("violence"), description=text_value("he threw a chair"),
                       in_danger={"type": "checkboxes", "selected_options": []},
                       share_name={"type": "checkboxes", "selected_options": []})
    status, body = await haven.interact(view_payload("view_submission", state))
    assert status == 200 and not body
    calls = await haven.fake.wait_for("chat.postMessage", 2)
    dm = next(c for c in calls if c.args["channel"] == EMPLOYEE)
    assert "INC-2026-000001" in dm.args["text"]
    assert metadata_of(dm)["event_type"] == "haven_receipt"
    assert metadata_of(dm)["event_payload"]["outbox_id"] > 0  # sent through the outbox
    alert = next(c for c in calls if c.args["channel"] == SUPERVISORS)
    assert "<!here>" in all_text(alert.args["blocks"])  # violence is critical
    assert "<@UEMPLOYEE>" not in all_text(alert.args["blocks"])  # the name was not shared


async def test_a_form_receipt_that_slack_fails_once_is_sent_again(haven: Haven) -> None:
    haven.fake.fail("chat.postMessage", "internal_error", channel=EMPLOYEE)
    state = form_state(category=select_value("other"), description=text_value("he shouted"))
    status, _ = await haven.interact(view_payload("view_submission", state))
    assert status == 200
    await haven.fake.wait_for("chat.postMessage", 3)
    failed, sent = [c for c in haven.fake.calls_to("chat.postMessage") if c.args["channel"] == EMPLOYEE]
    assert metadata_of(failed) == metadata_of(sent)  # the same outbox row, retried
    assert metadata_of(sent)["event_type"] == "haven_receipt"
    assert metadata_of(sent)["event_payload"]["incident"] == "INC-2026-000001"
    assert metadata_of(sent)["event_payload"]["outbox_id"] > 0
    assert "INC-2026-000001" in sent.args["text"]


async def test_the_same_form_submitted_twice_is_one_incident(haven: Haven) -> None:
    state = form_state(category=select_value("other"), description=text_value("twice"))
    await haven.interact(view_payload("view_submission", state, view_id="VSAME"))
    await haven.interact(view_payload("view_submission", state, view_id="VSAME"))
    assert await detail(haven.runtime.db, "INC-2026-000002") is None


async def test_closing_the_form_unsent_sends_a_gentle_dm(haven: Haven) -> None:
    status, _ = await haven.interact(view_payload("view_closed", {}))
    assert status == 200
    [dm] = await haven.fake.wait_for("chat.postMessage")
    assert dm.args["channel"] == EMPLOYEE
    assert "/abuse" in dm.args["text"]
    assert metadata_of(dm)["event_type"] == "haven_reporter_update"


async def test_message_shortcut_opens_the_form_with_the_words_and_the_permalink(haven: Haven) -> None:
    payload = {"type": "message_action", "callback_id": "report_message", "trigger_id": "trig-sc",
               "user": {"id": EMPLOYEE}, "team": {"id": "T0TEST"}, "channel": {"id": "CSHOP"},
               "message": {"type": "message", "ts": "1699999999.000100", "text": "you are useless & <b>"},
               "message_ts": "1699999999.000100", "response_url": "https://hooks.invalid/x"}
    status, _ = await haven.interact(payload)
    assert status == 200
    [opened] = await haven.fake.wait_for("views.open")
    [link] = haven.fake.calls_to("chat.getPermalink")
    assert link.args == {"channel": "CSHOP", "message_ts": "1699999999.000100"}
    view = opened.args["view"]
    assert view["callback_id"] == "report_form"
    assert view["blocks"][0]["text"]["text"] == "First, take care of yourself"
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["exact_words"]["initial_value"] == "you are useless & <b>"
    assert fields["evidence"]["initial_value"] == "https://test.slack.com/archives/CSHOP/p1699999999000100"
