"""The HR route over real HTTP (spec 8.2): restricted categories, ``to_hr`` and
``move_to_hr`` reach the HR channel only; no line channel ever sees any part of it;
only HR acts; with no HR channel the report is held; nobody decides their own case."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.records import detail
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import start_in_process
from tests.slack.support import (
    EMPLOYEE, ESCALATION, SUPERVISORS, Haven, all_text, form_state, press_payload, select_value, text_value,
    view_payload,
)

HR = "CHR"
HR_MEMBER = "UHR1"
REF = "INC-2026-000001"
SECRET_TEXT = "the customer touched me in the stockroom"
LINE = (SUPERVISORS, ESCALATION)


@pytest.fixture
async def with_hr(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Haven]:
    fake_slack.add_channel(HR, [HR_MEMBER])
    server, running = await start_in_process(fake_slack, tmp_path, HAVEN_SLACK_HR_CHANNEL=HR)
    try:
        yield running
    finally:
        await running.close()
        await server.close()


async def submit(haven: Haven, category: str, text: str = SECRET_TEXT, *, user: str = EMPLOYEE,
                 view: str = "V1", **extra: dict[str, Any]) -> None:
    values = form_state(category=select_value(category), description=text_value(text), **extra)
    status, _ = await haven.interact(view_payload("view_submission", values, user=user, view_id=view))
    assert status == 200


def line_traffic(haven: Haven) -> str:
    """Everything Haven ever sent to or edited in a line channel (posts, updates, metadata)."""
    calls = [c.args for c in haven.fake.calls if c.method in ("chat.postMessage", "chat.update")
             and c.args.get("channel") in LINE]
    return json.dumps(calls, ensure_ascii=False)


def assert_nothing_reached_the_line_channels(haven: Haven, *, also: tuple[str, ...] = ()) -> None:
    traffic = line_traffic(haven)
    for secret in (REF, SECRET_TEXT, EMPLOYEE, *also):
        assert secret not in traffic, f"{secret!r} reached a line channel"


async def tick_after(haven: Haven, delta: timedelta) -> None:
    haven.runtime.ctx.clock.advance(delta)  # type: ignore[attr-defined]
    await haven.runtime.sweeper.tick()
    await haven.runtime.dispatcher.drain()


async def test_sexual_harassment_reaches_only_hr_and_only_hr_can_act(with_hr: Haven) -> None:
    await submit(with_hr, "sexual_harassment")
    await with_hr.fake.wait_for("chat.postMessage", 2)
    hr_posts = [m for (c, _), m in with_hr.fake.messages.items() if c == HR]
    assert len(hr_posts) == 1 and SECRET_TEXT in all_text(hr_posts[0]["blocks"])  # type: ignore[arg-type]
    receipt = next(c for c in with_hr.fake.calls_to("chat.postMessage") if c.args["channel"] == EMPLOYEE)
    assert "HR only" in receipt.args["text"]

    # a line supervisor (a member of the supervisors' channel) is refused, even pressing in the HR card
    await with_hr.interact(press_payload("acknowledge", REF, user="USUP1", channel=HR))
    [refusal] = await with_hr.fake.wait_for("chat.postEphemeral")
    assert "Only HR" in refusal.args["text"]
    # its re-notification, the talk request and the page go to HR, never to a line channel
    await with_hr.interact(press_payload("talk_now", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))
    await tick_after(with_hr, timedelta(minutes=16))  # high: ack within 15 min -> re-notify
    await tick_after(with_hr, timedelta(minutes=15))  # then the page
    record = await detail(with_hr.runtime.db, REF)
    assert record is not None
    kinds = [e["kind"] for e in record["events"]]
    assert {"talk_requested", "renotified", "paged"} <= set(kinds)
    assert all(row["audience"] in ("hr", "user") for row in record["outbox"])
    assert_nothing_reached_the_line_channels(with_hr)

    await with_hr.interact(press_payload("acknowledge", REF, user=HR_MEMBER, channel=HR))
    assert (await detail(with_hr.runtime.db, REF))["status"] == "acknowledged"  # type: ignore[index]
    assert_nothing_reached_the_line_channels(with_hr)


async def test_to_hr_sends_any_category_to_hr_only(with_hr: Haven) -> None:
    await submit(with_hr, "denigration", to_hr={"type": "checkboxes", "selected_options": [{"value": "true"}]})
    await with_hr.fake.wait_for("chat.postMessage", 2)
    assert any(c == HR for (c, _) in with_hr.fake.messages)
    assert (await detail(with_hr.runtime.db, REF))["route"] == "hr"  # type: ignore[index]
    assert_nothing_reached_the_line_channels(with_hr)


async def test_move_to_hr_edits_the_line_card_to_a_content_free_notice(with_hr: Haven) -> None:
    await submit(with_hr, "denigration", "my supervisor's friend insulted me")
    await with_hr.fake.wait_for("chat.postMessage", 2)
    [(channel, ts)] = [k for k in with_hr.fake.messages if k[0] == SUPERVISORS]
    await with_hr.interact(press_payload("move_to_hr", REF, user="USUP1", channel=SUPERVISORS, ts=ts))
    await with_hr.fake.wait_for("chat.update")
    await with_hr.fake.wait_for("chat.postMessage", 4)  # + the reporter told, + the HR alert
    edited = with_hr.fake.messages[(channel, ts)]
    assert "moved to HR" in str(edited["text"])
    assert REF not in json.dumps(edited.get("blocks")) and REF not in json.dumps(edited.get("metadata"))
    assert any(c == HR for (c, _) in with_hr.fake.messages)
    # later decisions and deadlines never touch the line channel again
    updates_before = len(with_hr.fake.calls_to("chat.update"))
    await with_hr.interact(press_payload("acknowledge", REF, user=HR_MEMBER, channel=HR))
    await tick_after(with_hr, timedelta(days=2))
    line_updates = [c for c in with_hr.fake.calls_to("chat.update")[updates_before:] if c.args["channel"] in LINE]
    assert line_updates == []
    events = [e["kind"] for e in (await detail(with_hr.runtime.db, REF))["events"]]  # type: ignore[index]
    assert "moved_to_hr" in events


async def test_without_an_hr_channel_the_report_is_held_and_may_go_to_supervisors(haven: Haven) -> None:
    async with haven.session.get(haven.url + "/healthz") as response:
        assert (await response.json())["hr_channel"] == "missing"
    await submit(haven, "sexual_harassment")
    [receipt] = await haven.fake.wait_for("chat.postMessage")
    assert receipt.args["channel"] == EMPLOYEE and "no HR channel" in receipt.args["text"]
    actions = [e["action_id"] for b in receipt.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "route_supervisors" in actions
    assert line_traffic(haven) == "[]", "held: nothing is sent to a line channel"
    assert (await detail(haven.runtime.db, REF))["route"] == "held"  # type: ignore[index]

    # someone else cannot route it; the reporter can
    await haven.interact(press_payload("route_supervisors", REF, user="USUP1", channel="D0USUP1"))
    assert line_traffic(haven) == "[]"
    await haven.interact(press_payload("route_supervisors", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))
    await haven.fake.wait_for("chat.postMessage", 2)
    await haven.runtime.dispatcher.drain()
    assert REF in line_traffic(haven)
    assert (await detail(haven.runtime.db, REF))["route"] == "line"  # type: ignore[index]


async def test_a_witness_report_keeps_reported_for_and_shows_it_to_handlers(haven: Haven) -> None:
    await submit(haven, "denigration", "the customer screamed at our agency worker",
                 reported_for=text_value("Tanaka (agency worker, cash desk 2)"))
    [alert] = [c for c in await haven.fake.wait_for("chat.postMessage", 2) if c.args["channel"] == SUPERVISORS]
    assert "Tanaka (agency worker, cash desk 2)" in all_text(alert.args["blocks"])
    record = await detail(haven.runtime.db, REF)
    assert record is not None
    assert record["reporter_id"] == EMPLOYEE and record["reported_for"] == "Tanaka (agency worker, cash desk 2)"


async def test_nobody_decides_their_own_case(haven: Haven) -> None:
    await submit(haven, "denigration", "a customer insulted two of us", user="USUP1",
                 reported_for=text_value("me and <@USUP2>"))
    await haven.fake.wait_for("chat.postMessage", 2)
    for supervisor in ("USUP1", "USUP2"):  # the reporter, and a person named in reported_for
        await haven.interact(press_payload("acknowledge", REF, user=supervisor))
    refusals = await haven.fake.wait_for("chat.postEphemeral", 2)
    assert [r.args["user"] for r in refusals] == ["USUP1", "USUP2"]
    assert all("your own report" in r.args["text"] for r in refusals)
    assert (await detail(haven.runtime.db, REF))["status"] == "open"  # type: ignore[index]
    await haven.interact(press_payload("acknowledge", REF, user="USUP3"))
    assert (await detail(haven.runtime.db, REF))["status"] == "acknowledged"  # type: ignore[index]



async def test_a_line_supervisors_app_home_never_lists_an_hr_incident(with_hr: Haven) -> None:
    await submit(with_hr, "sexual_harassment")
    await submit(with_hr, "denigration", "an ordinary line report", view="V2")
    await with_hr.fake.wait_for("chat.postMessage", 3)
    status, _ = await with_hr.event({"type": "app_home_opened", "user": "USUP1", "tab": "home"})
    assert status == 200
    [published] = await with_hr.fake.wait_for("views.publish")
    shown = json.dumps(published.args, ensure_ascii=False)
    assert "INC-2026-000002" in shown, "the line incident is listed"
    assert REF not in shown and "Sexual harassment" not in shown


async def test_retriage_into_a_restricted_category_moves_the_incident_to_hr(with_hr: Haven) -> None:
    from tests.slack.test_slack_triage import triage_submission
    from tests.support.serve import eventually

    await submit(with_hr, "denigration", "he kept insulting me")
    await with_hr.fake.wait_for("chat.postMessage", 2)
    [(channel, ts)] = [k for k in with_hr.fake.messages if k[0] == SUPERVISORS]
    status, _ = await with_hr.interact(triage_submission(form_state(
        category=select_value("sexual_harassment"), severity=select_value("high"), note=text_value("")),
        user="USUP1", ref=REF))
    assert status == 200
    await with_hr.fake.wait_for("chat.update")
    edited = with_hr.fake.messages[(channel, ts)]
    assert "moved to HR" in str(edited["text"]) and REF not in json.dumps(edited.get("blocks"))
    await eventually(lambda: any(c == HR for (c, _) in with_hr.fake.messages))
    events = [e["kind"] for e in (await detail(with_hr.runtime.db, REF))["events"]]  # type: ignore[index]
    assert "triaged" in events and "moved_to_hr" in events


def receipt_actions(haven: Haven) -> list[str]:
    receipt = next(c for c in haven.fake.calls_to("chat.postMessage") if c.args["channel"] == EMPLOYEE)
    return [e["action_id"] for b in receipt.args["blocks"] if b["type"] == "actions" for e in b["elements"]]


def talk_posts(haven: Haven, channel: str) -> list[dict[str, Any]]:
    return [c.args for c in haven.fake.calls_to("chat.postMessage")
            if c.args["channel"] == channel and "talk_accept" in json.dumps(c.args.get("blocks"))]


async def test_talk_hr_asks_hr_only_and_only_hr_may_accept(with_hr: Haven) -> None:
    from tests.support.serve import eventually

    await submit(with_hr, "denigration", "he kept insulting me at the till")
    await with_hr.fake.wait_for("chat.postMessage", 2)  # the receipt, the line alert
    assert "talk_hr" in receipt_actions(with_hr), "an HR channel exists: the receipt offers HR"

    await with_hr.interact(press_payload("talk_hr", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))
    [told] = await with_hr.fake.wait_for("chat.postEphemeral")
    assert told.args["user"] == EMPLOYEE and "asked HR" in told.args["text"]
    assert "line supervisors are not told" in told.args["text"]
    [asked] = await eventually(lambda: talk_posts(with_hr, HR))
    assert "from HR, not their line supervisors" in asked["text"]
    value = next(e["value"] for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"])

    # a line supervisor cannot take it, even pressing the HR card
    await with_hr.interact(press_payload("talk_accept", value, user="USUP1", channel=HR))
    refusals = await with_hr.fake.wait_for("chat.postEphemeral", 2)
    assert refusals[-1].args["user"] == "USUP1" and "Only HR" in refusals[-1].args["text"]

    # unanswered: reminded in the HR channel at 30 min, paged there (whole channel) at 60
    await tick_after(with_hr, timedelta(minutes=30))
    await eventually(lambda: talk_posts(with_hr, HR)[1:])
    await tick_after(with_hr, timedelta(minutes=30))
    [_, reminded, paged] = await eventually(lambda: talk_posts(with_hr, HR)[2:] and talk_posts(with_hr, HR))
    assert "Still waiting" in reminded["text"] and "Nobody in HR accepted" in paged["text"]
    assert "<!here>" in paged["text"] or "<!channel>" in paged["text"]

    await with_hr.interact(press_payload("talk_accept", value, user=HR_MEMBER, channel=HR))
    reached = await eventually(lambda: [c for c in with_hr.fake.calls_to("chat.postMessage")
                                        if c.args["channel"] == EMPLOYEE and "will reach out" in c.args["text"]])
    assert f"<@{HR_MEMBER}>" in reached[0].args["text"]
    record = await detail(with_hr.runtime.db, REF)
    assert record is not None
    talks = [e for e in record["events"] if e["kind"].startswith("talk")]
    assert [e["kind"] for e in talks] == ["talk_requested", "talk_renotified", "talk_paged", "talk_accepted"]
    assert talks[0]["detail"]["route"] == "hr" and talks[-1]["actor"] == HR_MEMBER
    # the line channels saw the alert, and nothing of the request to talk to HR
    assert REF in line_traffic(with_hr)
    assert "talk" not in line_traffic(with_hr).lower()


async def test_without_an_hr_channel_talk_hr_is_not_offered_and_sends_nothing(haven: Haven) -> None:
    await submit(haven, "denigration", "he kept insulting me at the till")
    await haven.fake.wait_for("chat.postMessage", 2)
    actions = receipt_actions(haven)
    assert "talk_now" in actions and "talk_hr" not in actions

    await haven.interact(press_payload("talk_hr", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))  # an old button
    [told] = await haven.fake.wait_for("chat.postEphemeral")
    assert "HR cannot be reached" in told.args["text"] and "nothing was sent" in told.args["text"]
    await haven.runtime.dispatcher.drain()
    assert all(talk_posts(haven, channel) == [] for channel in LINE)
    events = [e["kind"] for e in (await detail(haven.runtime.db, REF))["events"]]  # type: ignore[index]
    assert "talk_requested" not in events


async def test_only_the_reporter_may_ask_for_hr(with_hr: Haven) -> None:
    await submit(with_hr, "denigration", "he kept insulting me at the till")
    await with_hr.fake.wait_for("chat.postMessage", 2)
    await with_hr.interact(press_payload("talk_hr", REF, user="USUP1", channel="D0USUP1"))
    [refused] = await with_hr.fake.wait_for("chat.postEphemeral")
    assert refused.args["user"] == "USUP1" and "Only the person who made the report" in refused.args["text"]
    assert talk_posts(with_hr, HR) == []


async def test_an_hr_members_app_home_lists_the_hr_incidents_they_handle(with_hr: Haven) -> None:
    await submit(with_hr, "sexual_harassment")
    await submit(with_hr, "denigration", "an ordinary line report", view="V2")
    await with_hr.fake.wait_for("chat.postMessage", 3)
    status, _ = await with_hr.event({"type": "app_home_opened", "user": HR_MEMBER, "tab": "home"})
    assert status == 200
    [published] = await with_hr.fake.wait_for("views.publish")
    shown = json.dumps(published.args, ensure_ascii=False)
    assert REF in shown and "Sexual harassment" in shown
    assert "INC-2026-000002" not in shown, "HR is not a member of the line channel"
    assert SECRET_TEXT not in shown, "no free text on a home surface"


async def test_an_hr_member_listed_in_haven_hr_users_acts_on_the_hr_route_too(fake_slack: FakeSlack,
                                                                                tmp_path: Path) -> None:
    fake_slack.add_channel(HR, [HR_MEMBER])
    server, haven = await start_in_process(fake_slack, tmp_path, HAVEN_SLACK_HR_CHANNEL=HR, HAVEN_HR_USERS="UHRLIST")
    try:
        await submit(haven, "sexual_harassment")
        await haven.fake.wait_for("chat.postMessage", 2)
        await haven.interact(press_payload("acknowledge", REF, user="USUP1", channel=HR))
        [refusal] = await haven.fake.wait_for("chat.postEphemeral")
        assert "Only HR" in refusal.args["text"], "a line supervisor still may not"
        await haven.interact(press_payload("acknowledge", REF, user="UHRLIST", channel=HR))
        assert (await detail(haven.runtime.db, REF))["status"] == "acknowledged"  # type: ignore[index]
        assert_nothing_reached_the_line_channels(haven)
    finally:
        await haven.close()
        await server.close()


def checkins_to_employee(haven: Haven) -> list[list[str]]:
    found = []
    for call in haven.fake.calls_to("chat.postMessage"):
        actions = [e["action_id"] for b in call.args.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]
        if call.args["channel"] == EMPLOYEE and "followup_ok" in actions:
            found.append(actions)
    return found


async def test_a_check_in_offers_hr_once_an_hr_channel_exists(with_hr: Haven) -> None:
    from tests.support.serve import eventually

    await submit(with_hr, "denigration", "he kept insulting me at the till")
    await with_hr.fake.wait_for("chat.postMessage", 2)
    await with_hr.interact(press_payload("acknowledge", REF, user="USUP1"))
    for _ in range(3):  # the first check-in falls due within three days, business time
        await tick_after(with_hr, timedelta(days=1))
    [actions, *_] = await eventually(lambda: checkins_to_employee(with_hr))
    assert actions == ["followup_ok", "followup_talk", "talk_hr", "followup_stop"]

    await with_hr.interact(press_payload("talk_hr", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))
    await eventually(lambda: talk_posts(with_hr, HR))
    assert "talk" not in line_traffic(with_hr).lower()


async def test_without_an_hr_channel_a_check_in_offers_no_hr(haven: Haven) -> None:
    from tests.support.serve import eventually

    await submit(haven, "denigration", "he kept insulting me at the till")
    await haven.fake.wait_for("chat.postMessage", 2)
    for _ in range(3):
        await tick_after(haven, timedelta(days=1))
    [actions, *_] = await eventually(lambda: checkins_to_employee(haven))
    assert actions == ["followup_ok", "followup_talk", "followup_stop"]


async def test_an_open_talk_request_follows_its_report_to_hr(with_hr: Haven) -> None:
    from tests.support.serve import eventually

    await submit(with_hr, "denigration", "he kept insulting me at the till")
    await with_hr.fake.wait_for("chat.postMessage", 2)
    [(_, ts)] = [k for k in with_hr.fake.messages if k[0] == SUPERVISORS]
    await with_hr.interact(press_payload("acknowledge", REF, user="USUP1", channel=SUPERVISORS, ts=ts))
    await with_hr.interact(press_payload("talk_now", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))
    await eventually(lambda: talk_posts(with_hr, "USUP1"))  # the owner is asked by DM first

    await with_hr.interact(press_payload("move_to_hr", REF, user="USUP1", channel=SUPERVISORS, ts=ts))
    [request] = await eventually(lambda: talk_posts(with_hr, HR))
    assert REF in request["text"]
    edited = await eventually(lambda: [c.args for c in with_hr.fake.calls_to("chat.update")
                                       if c.args["channel"].startswith("D") and "handed to HR" in c.args["text"]])
    assert REF not in json.dumps(edited[-1]), "the line owner's copy is content-free now"

    value = next(e["value"] for b in request["blocks"] if b["type"] == "actions" for e in b["elements"])
    await with_hr.interact(press_payload("talk_accept", value, user=HR_MEMBER, channel=HR))
    await eventually(lambda: [c for c in with_hr.fake.calls_to("chat.postMessage")
                              if c.args["channel"] == EMPLOYEE and f"<@{HR_MEMBER}> will reach out" in c.args["text"]])
    events = [e["kind"] for e in (await detail(with_hr.runtime.db, REF))["events"]]  # type: ignore[index]
    assert events.index("talk_moved") > events.index("talk_requested") and "talk_accepted" in events


async def test_a_line_owners_reminder_goes_to_hr_after_a_move(with_hr: Haven) -> None:
    from tests.support.serve import eventually

    await submit(with_hr, "denigration", "he kept insulting me at the till")  # high: resolve within a day
    await with_hr.fake.wait_for("chat.postMessage", 2)
    [(_, ts)] = [k for k in with_hr.fake.messages if k[0] == SUPERVISORS]
    await with_hr.interact(press_payload("acknowledge", REF, user="USUP1", channel=SUPERVISORS, ts=ts))
    await with_hr.interact(press_payload("move_to_hr", REF, user="USUP1", channel=SUPERVISORS, ts=ts))
    await eventually(lambda: [c for c in with_hr.fake.calls_to("chat.postMessage") if c.args["channel"] == HR])
    await tick_after(with_hr, timedelta(days=1, minutes=1))
    [reminder] = await eventually(lambda: [c.args for c in with_hr.fake.calls_to("chat.postMessage")
                                           if c.args["channel"] == HR and "can no longer act" in c.args["text"]])
    assert "<@USUP1>" in reminder["text"] and reminder.get("thread_ts"), "in the HR alert's thread"
    dms = [c.args["text"] for c in with_hr.fake.calls_to("chat.postMessage") if c.args["channel"] in ("USUP1", "DSUP1")]
    assert not any("Reminder" in text for text in dms), "never a DM to a line owner who cannot act"
    traffic = line_traffic(with_hr)
    assert "Reminder" not in traffic and "can no longer act" not in traffic
