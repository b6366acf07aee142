"""Talk requests and re-triage in process (SQLite and PostgreSQL): who may press what,
what is audited, and which deadlines run."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.model.inbound import Actor, FormIn
from bot.model.messages import TRIAGE_FORM, Audience
from tests.escalation.conftest import REPORTER, SECOND, World
from tests.support.recording import PLATFORM


def _value(result, action: str) -> str:  # type: ignore[no-untyped-def]
    [reply] = result.replies
    return next(b.value for b in reply.message.buttons if b.action == action)


async def test_talk_now_opens_one_request_at_a_time_and_the_reporter_may_withdraw_it(world: World) -> None:
    ref = await world.quick()
    first = await world.press(REPORTER, "talk_now", ref, Audience.USER)
    assert "30 minutes" in first.replies[0].message.text
    again = await world.press(REPORTER, "talk_now", ref, Audience.USER)
    assert "already asked" in again.replies[0].message.text
    value = _value(first, "talk_cancel")
    assert _value(again, "talk_cancel") == value

    refused = await world.press("sato", "talk_cancel", value, Audience.USER)
    assert "Only the person who made the report" in refused.replies[0].message.text
    withdrawn = await world.press(REPORTER, "talk_cancel", value, Audience.USER)
    assert "withdrawn" in withdrawn.replies[0].message.text
    assert [e for e in await world.events(ref) if e.startswith("talk")] == ["talk_requested", "talk_cancelled"]
    timers = {t["kind"]: t["state"] for t in (await world.show(ref))["timers"] if t["kind"].startswith("talk")}
    assert timers == {"talk_renotify": "cancelled", "talk_page": "cancelled"}
    [update] = [s for s in world.messenger.sent if s.op == "update" and s.meta.kind == "talk_request"]
    assert "withdrew" in update.message.text and update.message.buttons == ()
    await world.at(world.clock.now() + timedelta(hours=2))
    assert len(world.sent("talk_request")) == 1, "nothing more once withdrawn"


async def test_only_a_supervisor_may_accept_and_only_once(world: World) -> None:
    ref = await world.quick()
    await world.press(REPORTER, "talk_now", ref, Audience.USER)
    [asked] = world.sent("talk_request", Audience.SUPERVISORS)
    value = asked.message.buttons[0].value
    refused = await world.press("stranger", "talk_accept", value)
    assert "Only supervisors" in refused.replies[0].message.text
    assert "talk_accepted" not in await world.events(ref)
    accepted = await world.press("sato", "talk_accept", value)
    assert f"<@{REPORTER}>" in accepted.replies[0].message.text
    late = await world.press("suzuki", "talk_accept", value)
    assert "already accepted or withdrawn" in late.replies[0].message.text
    [told] = [s for s in world.messenger.to(Audience.USER, REPORTER) if "will reach out" in s.message.text]
    assert "<@sato>" in told.message.text and "JST" in told.message.text
    shown = await world.show(ref)
    assert [(t["state"], t["accepted_by"]) for t in shown["talk_requests"]] == [("accepted", "sato")]


async def test_talk_to_the_owner_first_then_the_channel(world: World) -> None:
    ref = await world.quick()
    await world.press("sato", "acknowledge", ref)
    start = world.clock.now()
    await world.press(REPORTER, "talk_now", ref, Audience.USER)
    [direct] = world.sent("talk_request", Audience.USER)
    assert direct.target is not None and direct.target.user_id == "sato"
    await world.at(start + timedelta(minutes=30) - SECOND)
    assert world.sent("talk_request", Audience.SUPERVISORS) == []
    await world.at(start + timedelta(minutes=30))
    [reminder] = world.sent("talk_request", Audience.SUPERVISORS)
    assert reminder.message.mention_channel and reminder.message.buttons[0].action == "talk_accept"


async def test_a_followup_talk_answer_opens_a_talk_request(world: World) -> None:
    ref = await world.quick()
    checkin = (await world.show(ref))["checkins"][0]
    await world.at(datetime.fromisoformat(checkin["due_at"].removesuffix("Z")))
    assert world.sent("checkin"), "the check-in went out"
    result = await world.press(REPORTER, "followup_talk", f"{ref}:{checkin['id']}", Audience.USER)
    assert "30 minutes" in result.replies[0].message.text
    assert "talk_requested" in await world.events(ref)


async def test_a_retriage_is_refused_once_resolved_and_to_non_supervisors(world: World) -> None:
    ref = await world.quick()
    form = FormIn(Actor(PLATFORM, "stranger"), {"category": "violence", "severity": "critical"},
                  metadata=ref, form=TRIAGE_FORM)
    outcome = await world.runtime.haven.submit_form(form)
    assert "supervisor" in outcome.errors["category"].lower()
    await world.press("sato", "resolve", ref)
    outcome = await world.runtime.haven.submit_form(FormIn(Actor(PLATFORM, "sato"), form.values,
                                                           metadata=ref, form=TRIAGE_FORM))
    assert "already resolved" in outcome.errors["category"]
    assert "triaged" not in await world.events(ref)


async def test_a_retriage_down_replans_without_repeating_sent_steps(world: World) -> None:
    ref = await world.quick("he grabbed my arm")  # critical: renotify at 5 min, page at 10
    start = world.clock.now()
    await world.at(start + timedelta(minutes=5))
    assert len(world.sent("renotify")) == 1
    moment = start + timedelta(minutes=6)
    world.clock.set(moment)
    outcome = await world.runtime.haven.submit_form(FormIn(
        Actor(PLATFORM, "sato"), {"category": "violence", "severity": "high", "note": "a push, no injury"},
        metadata=ref, form=TRIAGE_FORM))
    assert outcome.errors == {}
    await world.runtime.dispatcher.drain()
    assert (await world.show(ref))["severity"] == "high"
    await world.at(moment + timedelta(minutes=15) - SECOND)  # high: renotify 1 (already sent), page at 30 min
    assert len(world.sent("renotify")) == 1
    await world.at(moment + timedelta(minutes=30) - SECOND)
    assert world.sent("page") == []
    await world.at(moment + timedelta(minutes=30))
    assert len(world.sent("page", Audience.ESCALATION)) == 1
    assert len(world.sent("renotify")) == 1, "the re-notification already sent is not repeated"
    told = [s for s in world.messenger.to(Audience.USER, REPORTER) if "reviewed it" in s.message.text]
    assert told and "High" in told[0].message.text


async def test_a_hidden_name_is_told_only_to_whoever_accepts_the_talk_request(world: World) -> None:
    ref = await world.form("denigration", share_name="false")
    [alert] = world.sent("alert", Audience.SUPERVISORS)
    assert REPORTER not in str(alert.message.to_json()) and "Name not shared" in str(alert.message.to_json())
    asked = await world.press(REPORTER, "talk_now", ref, Audience.USER)
    assert "only the person who accepts your request sees it" in asked.replies[0].message.text
    [request] = world.sent("talk_request", Audience.SUPERVISORS)
    assert REPORTER not in str(request.message.to_json()), "the channel still does not learn the name"
    accepted = await world.press("sato", "talk_accept", request.message.buttons[0].value)
    assert accepted.replies[0].private and f"<@{REPORTER}>" in accepted.replies[0].message.text


async def test_a_shared_name_needs_no_such_note(world: World) -> None:
    ref = await world.quick()
    asked = await world.press(REPORTER, "talk_now", ref, Audience.USER)
    assert "only the person who accepts" not in asked.replies[0].message.text
