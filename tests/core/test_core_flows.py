"""The flows of spec section 3 through the neutral core, with recording ports."""

from __future__ import annotations

import asyncio

from bot.model.inbound import Actor, FormIn, PressIn, ReportIn
from bot.model.messages import Action, Audience, Kind
from bot.app.records import detail
from bot.flows.retention import purge
from tests.support.recording import PLATFORM

EMPLOYEE = Actor(PLATFORM, "emp1", "en")


def sup(name: str, locale: str = "en") -> Actor:
    return Actor(PLATFORM, name, locale)


async def quick(runtime, text: str = "he threatened me on the phone", actor: Actor = EMPLOYEE, key: str | None = None):  # type: ignore[no-untyped-def]
    outcome = await runtime.haven.report(ReportIn(actor=actor, text=text, intake_key=key))
    await runtime.dispatcher.drain()
    return outcome


async def form_report(runtime, category: str, **values: object):  # type: ignore[no-untyped-def]
    answers = {"category": category, "description": "shouted and threatened me", **values}
    outcome = await runtime.haven.submit_form(FormIn(actor=EMPLOYEE, values=answers))
    await runtime.dispatcher.drain()
    return outcome


async def press(runtime, actor: Actor, action: str, value: str, audience: Audience = Audience.SUPERVISORS):  # type: ignore[no-untyped-def]
    result = await runtime.haven.press(PressIn(actor=actor, action=action, value=value, audience=audience))
    await runtime.dispatcher.drain()
    return result


async def test_report_shows_wellbeing_first(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await quick(runtime)
    assert outcome.wellbeing.kind == Kind.WELLBEING
    assert outcome.wellbeing.resources, "the wellbeing message lists people to talk to"
    assert "not an emergency service" in (outcome.wellbeing.note or "")
    assert outcome.ref and outcome.ref.startswith("INC-2026-")
    assert outcome.ref in outcome.receipt.text
    assert [b.action for b in outcome.receipt.buttons] == ["add_details", "in_danger", "talk_now", "change_site"]
    alerts = messenger.to(Audience.SUPERVISORS)
    assert [a.meta.kind for a in alerts] == ["alert"]
    assert alerts[0].meta.incident == outcome.ref and alerts[0].meta.outbox_id > 0
    data = await detail(runtime.db, outcome.ref)
    assert data is not None and data["description"] == "he threatened me on the phone"
    assert [e["kind"] for e in data["events"]] == ["reported"]


async def test_quick_report_defaults(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await quick(runtime)
    data = await detail(runtime.db, outcome.ref)
    assert (data["category"], data["severity"], data["status"], data["share_name"]) == ("other", "normal", "open", True)
    alert = messenger.to(Audience.SUPERVISORS)[0].message
    facts = {f.label: f.value for f in alert.facts}
    assert facts["Reporter"] == "<@emp1>"
    offered = [b.action for b in alert.buttons]
    assert "acknowledge" in offered and "contact_police" not in offered, "normal severity: no police option"
    assert not alert.mention_channel


async def test_in_danger_makes_it_critical(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await quick(runtime)
    result = await press(runtime, EMPLOYEE, Action.IN_DANGER, outcome.ref, Audience.USER)
    assert result.replies and result.replies[0].private
    data = await detail(runtime.db, outcome.ref)
    assert data["severity"] == "critical" and "in_danger" in data["flags"]
    urgent = [s for s in messenger.to(Audience.SUPERVISORS) if s.message.kind == Kind.NOW_CRITICAL]
    assert urgent and urgent[0].message.mention_channel
    assert urgent[0].thread is not None, "posted in the alert's thread"


async def test_in_danger_in_the_form_is_critical_from_the_start(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await form_report(runtime, "excessive_demands", in_danger="true")
    data = await detail(runtime.db, outcome.ref)
    assert data["severity"] == "critical"
    assert messenger.to(Audience.SUPERVISORS)[0].message.mention_channel


async def test_non_supervisor_cannot_acknowledge(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await quick(runtime)
    before = len(messenger.sent)
    result = await press(runtime, sup("intruder"), "acknowledge", outcome.ref)
    assert not result.changed and result.replies[0].private
    assert result.replies[0].message.kind == Kind.REFUSAL
    data = await detail(runtime.db, outcome.ref)
    assert data["status"] == "open" and data["owner_id"] is None
    assert [e["kind"] for e in data["events"]] == ["reported"], "refusals are not written to the trail"
    assert len(messenger.sent) == before
    assert b'haven_refusals_total{reason="not_supervisor"} 1.0' in runtime.metrics.render()


async def test_failed_lookup_refuses(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, directory, _ = world
    outcome = await quick(runtime)
    directory.broken = True
    result = await press(runtime, sup("sato"), "acknowledge", outcome.ref)
    assert not result.changed and "couldn't verify" in result.replies[0].message.text
    assert (await detail(runtime.db, outcome.ref))["status"] == "open"


async def test_two_supervisors_acknowledging_at_once_one_owner(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await quick(runtime)
    results = await asyncio.gather(
        runtime.haven.press(PressIn(sup("sato"), "acknowledge", outcome.ref)),
        runtime.haven.press(PressIn(sup("suzuki"), "acknowledge", outcome.ref)),
    )
    await runtime.dispatcher.drain()
    assert sorted(r.changed for r in results) == [False, True]
    loser = next(r for r in results if not r.changed)
    data = await detail(runtime.db, outcome.ref)
    assert data["status"] == "acknowledged" and data["owner_id"] in ("sato", "suzuki")
    assert f"<@{data['owner_id']}>" in loser.replies[0].message.text, "told who was first"
    assert [e["kind"] for e in data["events"]].count("acknowledged") == 1
    updates = [s for s in messenger.sent if s.op == "update"]
    assert updates and "acknowledge" not in [b.action for b in updates[-1].message.buttons]
    told = messenger.to(Audience.USER, "emp1")
    assert told and outcome.ref in told[-1].message.text


async def test_every_other_option_is_recorded_once(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    outcome = await quick(runtime)
    first = await press(runtime, sup("sato"), "request_understanding", outcome.ref)
    second = await press(runtime, sup("suzuki"), "request_understanding", outcome.ref)
    assert first.changed and not second.changed
    data = await detail(runtime.db, outcome.ref)
    assert [e.get("option") for e in data["events"] if e["kind"] == "option_chosen"] == ["request_understanding"]


async def test_approval_by_proposer_refused_by_second_supervisor_accepted(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await quick(runtime)
    await press(runtime, sup("sato"), "discontinue_service", outcome.ref)
    request = [s for s in messenger.sent if s.meta.kind == "approval_request" and s.op == "post"][-1]
    value = request.message.buttons[0].value
    assert value.startswith(outcome.ref + ":")
    own = await press(runtime, sup("sato"), Action.APPROVE, value)
    assert not own.changed
    ok = await press(runtime, sup("suzuki"), Action.APPROVE, value)
    assert ok.changed
    kinds = [(e["kind"], e["actor"]) for e in (await detail(runtime.db, outcome.ref))["events"]]
    assert ("proposed", "sato") in kinds and ("approved", "suzuki") in kinds
    assert any(s.op == "update" and s.meta.kind == "decision" for s in messenger.sent), "request updated in place"
    assert "discontinu" in messenger.to(Audience.USER, "emp1")[-1].message.text.lower()


async def test_reject_is_recorded_and_the_proposer_told(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await quick(runtime)
    await press(runtime, sup("sato"), "discontinue_service", outcome.ref)
    value = [s for s in messenger.sent if s.meta.kind == "approval_request"][-1].message.buttons[1].value
    result = await press(runtime, sup("suzuki"), Action.REJECT, value)
    assert result.changed
    data = await detail(runtime.db, outcome.ref)
    assert any(e["kind"] == "rejected" and e["actor"] == "suzuki" for e in data["events"])
    assert any(outcome.ref in s.message.text for s in messenger.to(Audience.USER, "sato"))
    again = await press(runtime, sup("tanaka"), Action.APPROVE, value)
    assert not again.changed, "a decided proposal cannot be decided again"


async def test_join_by_owner_refused_by_another_accepted(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await form_report(runtime, "denigration")  # high: two responders
    assert "join" in [b.action for b in messenger.to(Audience.SUPERVISORS)[0].message.buttons]
    await press(runtime, sup("sato"), "acknowledge", outcome.ref)
    refused = await press(runtime, sup("sato"), Action.JOIN, outcome.ref)
    assert not refused.changed
    joined = await press(runtime, sup("suzuki"), Action.JOIN, outcome.ref)
    assert joined.changed
    data = await detail(runtime.db, outcome.ref)
    assert data["second_responder_id"] == "suzuki"


async def test_legal_hold_blocks_purge(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, clock = world
    from datetime import timedelta

    held = await form_report(runtime, "violence")
    plain = await form_report(runtime, "denigration")
    await press(runtime, sup("sato"), "contact_police", held.ref)
    for ref in (held.ref, plain.ref):
        await press(runtime, sup("sato"), "resolve", ref)
    clock.advance(timedelta(days=3 * 366))
    report = await purge(runtime.ctx)
    assert report.purged == (plain.ref,) and report.held == (held.ref,)
    assert await detail(runtime.db, plain.ref) is None
    assert (await detail(runtime.db, held.ref))["legal_hold"] is True


async def test_japanese_user_gets_japanese_text(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    ja = Actor(PLATFORM, "emp2", "ja")
    outcome = await quick(runtime, "電話で脅されました", actor=ja)
    assert "ご自身" in (outcome.wellbeing.title or "")
    assert "として記録しました" in outcome.receipt.text
    await press(runtime, sup("sato"), "acknowledge", outcome.ref)
    assert "引き受けました" in messenger.to(Audience.USER, "emp2")[-1].message.text


async def test_form_errors_are_returned_to_the_form(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    values = {"category": "nonsense", "held_minutes": "abc"}
    outcome = await runtime.haven.submit_form(FormIn(actor=EMPLOYEE, values=values))
    assert set(outcome.errors) == {"category", "description", "held_minutes"}
    assert outcome.ref is None


async def test_same_intake_key_is_one_incident(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    first, second = await asyncio.gather(quick(runtime, key="trigger-1"), quick(runtime, key="trigger-1"))
    assert first.ref == second.ref
    assert len(messenger.to(Audience.SUPERVISORS)) == 1


async def test_reporter_buttons_belong_to_the_reporter(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    outcome = await quick(runtime)
    result = await press(runtime, sup("sato"), Action.IN_DANGER, outcome.ref, Audience.USER)
    assert not result.changed
    assert (await detail(runtime.db, outcome.ref))["severity"] == "normal"


async def test_talk_now_alerts_the_owner_privately(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await quick(runtime)
    await press(runtime, EMPLOYEE, Action.TALK_NOW, outcome.ref, Audience.USER)
    to_channel = [s for s in messenger.to(Audience.SUPERVISORS) if s.meta.kind == "talk_request"]
    assert to_channel and "threatened" not in to_channel[0].message.text, "no details in the channel"
    await press(runtime, sup("sato"), "acknowledge", outcome.ref)
    # one request at a time: accept the first, then a new one goes to the owner by DM
    await press(runtime, sup("suzuki"), Action.TALK_ACCEPT, to_channel[0].message.buttons[0].value)
    await press(runtime, EMPLOYEE, Action.TALK_NOW, outcome.ref, Audience.USER)
    assert [s.meta.kind for s in messenger.to(Audience.USER, "sato")] == ["talk_request"]


async def test_wellbeing_follows_the_clock_across_opening_hours(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, clock = world
    from datetime import datetime

    def kokoro(message):  # type: ignore[no-untyped-def]
        return next(r for r in message.resources if "0120-565-455" in (r.contact or ""))

    clock.set(datetime(2026, 12, 1, 7, 59))  # Tuesday 16:59 JST: closed
    assert not kokoro(runtime.haven.wellbeing("en")).open_now
    clock.set(datetime(2026, 12, 1, 8, 0))  # 17:00 JST: open
    assert kokoro(runtime.haven.wellbeing("en")).open_now


async def test_a_second_responder_cannot_also_own_the_incident(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    outcome = await form_report(runtime, "denigration")
    assert (await press(runtime, sup("suzuki"), Action.JOIN, outcome.ref)).changed
    refused = await press(runtime, sup("suzuki"), "acknowledge", outcome.ref)
    assert not refused.changed and "second responder" in refused.replies[0].message.text
    assert (await press(runtime, sup("sato"), "acknowledge", outcome.ref)).changed
    data = await detail(runtime.db, outcome.ref)
    assert (data["owner_id"], data["second_responder_id"]) == ("sato", "suzuki")


async def test_in_danger_after_acknowledgement_asks_for_a_second_responder(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    outcome = await quick(runtime)  # normal: one responder
    await press(runtime, sup("sato"), "acknowledge", outcome.ref)
    assert not [t for t in (await detail(runtime.db, outcome.ref))["timers"] if t["kind"] == "ask_join"]
    await press(runtime, EMPLOYEE, Action.IN_DANGER, outcome.ref, Audience.USER)
    data = await detail(runtime.db, outcome.ref)
    assert data["severity"] == "critical"
    assert [t for t in data["timers"] if t["kind"] == "ask_join" and t["state"] == "pending"]


async def test_pressing_in_danger_twice_pings_the_channel_once(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    outcome = await quick(runtime)
    for _ in range(3):
        result = await press(runtime, EMPLOYEE, Action.IN_DANGER, outcome.ref, Audience.USER)
        assert result.replies, "the reporter always gets the private reply"
    urgent = [s for s in messenger.to(Audience.SUPERVISORS) if s.message.kind == Kind.NOW_CRITICAL]
    assert len(urgent) == 1
    kinds = [e["kind"] for e in (await detail(runtime.db, outcome.ref))["events"]]
    assert kinds.count("in_danger") == 1


async def test_details_that_raise_the_severity_replan_and_announce(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _messenger, _, _ = world
    outcome = await quick(runtime)  # normal
    before = {t["kind"] for t in (await detail(runtime.db, outcome.ref))["timers"]}
    assert "ask_join" not in before
    form = await runtime.haven.details_form(EMPLOYEE, outcome.ref)
    assert form is not None and form.private_metadata == outcome.ref
    answers = {f.id: f.initial for f in form.fields if f.initial is not None}
    answers.update({"category": "violence", "exact_words": "I will hurt you"})
    result = await runtime.haven.submit_form(FormIn(actor=EMPLOYEE, values=answers, metadata=form.private_metadata))
    await runtime.dispatcher.drain()
    assert result.ref == outcome.ref and not result.errors
    data = await detail(runtime.db, outcome.ref)
    assert data["severity"] == "critical" and data["exact_words"] == "I will hurt you"
    pending = {t["kind"] for t in data["timers"] if t["state"] == "pending"}
    assert "ask_join" in pending, "critical needs two responders: re-planned"


async def test_open_incidents_gauge_is_read_from_the_database(world) -> None:  # type: ignore[no-untyped-def]
    from bot.app.runtime import count_open

    runtime, _, _, _ = world
    first = await quick(runtime)
    await quick(runtime, "another one")
    await press(runtime, sup("sato"), "resolve", first.ref)
    await count_open(runtime)
    assert b"haven_open_incidents 1.0" in runtime.metrics.render()


async def test_odd_button_values_are_refused_not_crashed(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    outcome = await quick(runtime)
    for value in (f"{outcome.ref}:፩", f"{outcome.ref}:99999999999999999999", "INC-9999-999999", ""):
        result = await press(runtime, sup("sato"), Action.APPROVE, value)
        assert not result.changed and result.replies[0].message.kind == Kind.REFUSAL


async def test_a_date_out_of_range_is_a_field_error(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    outcome = await runtime.haven.submit_form(FormIn(actor=EMPLOYEE, values={
        "category": "other", "description": "x", "occurred_at": "0001-01-01T00:00"}))
    assert set(outcome.errors) == {"occurred_at"}
