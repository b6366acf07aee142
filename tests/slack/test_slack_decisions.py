"""Supervisors' buttons in Slack: who may press, what changes, who is told."""

from __future__ import annotations

from datetime import timedelta

from bot.app.records import detail
from tests.slack.conftest import metadata_of
from tests.slack.support import (
    EMPLOYEE, ESCALATION, MANAGER, STRANGER, SUPERVISORS, Haven, all_text, press_payload,
)

REF = "INC-2026-000001"



async def _alert_ts(haven: Haven) -> str:
    await haven.command("he threatened me")
    await haven.fake.wait_for("chat.postMessage")
    return next(ts for (channel, ts) in haven.fake.messages if channel == SUPERVISORS)


async def test_a_non_supervisor_is_refused_privately_and_nothing_changes(haven: Haven) -> None:
    ts = await _alert_ts(haven)
    status, _ = await haven.interact(press_payload("acknowledge", REF, user=STRANGER, ts=ts))
    assert status == 200
    [refusal] = await haven.fake.wait_for("chat.postEphemeral")
    assert refusal.args["user"] == STRANGER and refusal.args["channel"] == SUPERVISORS
    assert "supervisor" in refusal.args["text"].lower()
    record = await detail(haven.runtime.db, REF)
    assert record["status"] == "open"
    assert [e["kind"] for e in record["events"]] == ["reported"]
    assert haven.fake.calls_to("chat.update") == []


async def test_acknowledging_updates_the_alert_in_place_and_tells_the_reporter(haven: Haven) -> None:
    ts = await _alert_ts(haven)
    status, _ = await haven.interact(press_payload("acknowledge", REF, user="USUP1", ts=ts))
    assert status == 200
    [update] = await haven.fake.wait_for("chat.update")
    assert update.args["channel"] == SUPERVISORS and update.args["ts"] == ts
    assert "<@USUP1>" in all_text(update.args["blocks"])
    assert metadata_of(update)["event_type"] == "haven_alert"
    dms = await haven.fake.wait_for("chat.postMessage", 2)
    dm = next(c for c in dms if c.args["channel"] == EMPLOYEE)
    assert REF in dm.args["text"]
    assert metadata_of(dm)["event_type"] == "haven_reporter_update"
    assert (await detail(haven.runtime.db, REF))["status"] == "acknowledged"


async def test_a_later_acknowledgement_is_told_who_was_first(haven: Haven) -> None:
    ts = await _alert_ts(haven)
    await haven.interact(press_payload("acknowledge", REF, user="USUP1", ts=ts))
    await haven.interact(press_payload("acknowledge", REF, user="USUP2", ts=ts))
    [told] = await haven.fake.wait_for("chat.postEphemeral")
    assert told.args["user"] == "USUP2"
    assert "<@USUP1>" in all_text(told.args["blocks"])


async def test_a_supervisor_on_the_second_page_of_members_may_act(haven: Haven) -> None:
    ts = await _alert_ts(haven)
    await haven.interact(press_payload("acknowledge", REF, user="USUP3", ts=ts))
    await haven.fake.wait_for("chat.update")
    members = haven.fake.calls_to("conversations.members")
    assert [c.args.get("cursor") for c in members] == [None, "2"]
    assert haven.fake.calls_to("chat.postEphemeral") == []


async def test_supervisor_membership_is_cached(haven: Haven) -> None:
    ts = await _alert_ts(haven)
    await haven.interact(press_payload("request_understanding", REF, user="USUP1", ts=ts))
    await haven.interact(press_payload("consult_attorney", REF, user="USUP2", ts=ts))
    assert len(haven.fake.calls_to("conversations.members")) == 2  # two pages, once


async def test_a_failed_membership_lookup_refuses_the_press(haven: Haven) -> None:
    ts = await _alert_ts(haven)
    haven.fake.fail("conversations.members", "internal_error")
    await haven.interact(press_payload("acknowledge", REF, user="USUP1", ts=ts))
    [refusal] = await haven.fake.wait_for("chat.postEphemeral")
    assert "verify" in refusal.args["text"].lower()
    assert (await detail(haven.runtime.db, REF))["status"] == "open"


async def test_an_option_needing_approval_takes_a_different_supervisor(haven: Haven) -> None:
    ts = await _alert_ts(haven)
    await haven.interact(press_payload("discontinue_service", REF, user="USUP1", ts=ts))
    posts = await haven.fake.wait_for("chat.postMessage", 2)
    request = next(c for c in posts if metadata_of(c)["event_type"] == "haven_approval_request")
    assert request.args["thread_ts"] == ts
    buttons = [e for b in request.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["approve", "reject"]
    value = buttons[0]["value"]
    assert value.startswith(REF + ":")
    await haven.interact(press_payload("approve", value, user="USUP1", ts=ts))
    [own] = await haven.fake.wait_for("chat.postEphemeral")
    assert own.args["user"] == "USUP1"
    assert "approved" not in [e["kind"] for e in (await detail(haven.runtime.db, REF))["events"]]
    await haven.interact(press_payload("approve", value, user="USUP2", ts=ts))
    record = await detail(haven.runtime.db, REF)
    assert [e["kind"] for e in record["events"]][-1] == "approved"
    dms = await haven.fake.wait_for("chat.postMessage", 3)
    assert any(c.args["channel"] == EMPLOYEE and REF in c.args["text"] for c in dms)


async def test_a_manager_in_the_escalation_channel_may_act_on_a_page(haven: Haven) -> None:
    await _alert_ts(haven)
    await haven.interact(press_payload("acknowledge", REF, user=MANAGER, channel=ESCALATION))
    record = await detail(haven.runtime.db, REF)
    assert record["status"] == "acknowledged"
    # ...but not in the supervisors' channel
    await haven.interact(press_payload("request_understanding", REF, user=MANAGER, channel=SUPERVISORS))
    [refusal] = await haven.fake.wait_for("chat.postEphemeral")
    assert refusal.args["user"] == MANAGER


async def test_in_danger_from_the_receipt_alerts_the_channel_with_here_in_the_thread(haven: Haven) -> None:
    ts = await _alert_ts(haven)
    await haven.interact(press_payload("in_danger", REF, user=EMPLOYEE, channel="CGENERAL"))
    [reply] = await haven.fake.wait_for("chat.postEphemeral")
    assert reply.args["user"] == EMPLOYEE and reply.args["channel"] == "CGENERAL"
    posts = await haven.fake.wait_for("chat.postMessage", 2)
    urgent = posts[1]
    assert urgent.args["thread_ts"] == ts and urgent.args["reply_broadcast"] is True
    assert urgent.args["text"].startswith("<!here>")


async def test_add_details_opens_the_prefilled_form(haven: Haven) -> None:
    await _alert_ts(haven)
    await haven.interact(press_payload("add_details", REF, user=EMPLOYEE, channel="CGENERAL", trigger="trig-more"))
    [opened] = await haven.fake.wait_for("views.open")
    assert opened.args["trigger_id"] == "trig-more"
    view = opened.args["view"]
    assert view["private_metadata"] == REF
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["description"]["initial_value"] == "he threatened me"


async def test_a_page_in_the_escalation_channel_can_be_acknowledged_by_its_members(haven: Haven) -> None:
    await _alert_ts(haven)
    assert haven.runtime is not None
    haven.runtime.ctx.clock.advance(timedelta(hours=2, minutes=1))  # type: ignore[attr-defined]
    await haven.runtime.sweeper.tick()
    await haven.fake.wait_for("chat.postMessage", 3)  # the alert, the re-notification, the page
    [page] = [c for c in haven.fake.calls_to("chat.postMessage") if c.args["channel"] == ESCALATION]
    assert metadata_of(page)["event_type"] == "haven_page"
    ts = next(ts for (channel, ts) in haven.fake.messages if channel == ESCALATION)
    button = next(e for b in page.args["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == "acknowledge")
    status, _ = await haven.interact(press_payload("acknowledge", button["value"], user=MANAGER,
                                                   channel=ESCALATION, ts=ts))
    assert status == 200
    record = await detail(haven.runtime.db, REF)
    assert record["status"] == "acknowledged" and record["events"][-1]["actor"] == MANAGER
    updates = await haven.fake.wait_for("chat.update", 2)
    assert (ESCALATION, ts) in {(u.args["channel"], u.args["ts"]) for u in updates}  # the page, in place
    assert haven.fake.calls_to("chat.postEphemeral") == []  # not refused
