"""Acknowledgement deadlines: re-notify, page, stop on acknowledgement, business time."""

from __future__ import annotations

from datetime import timedelta

from bot.model.messages import Audience, Kind
from tests.escalation.conftest import SECOND, World, jst

MINUTE = timedelta(minutes=1)


async def test_unacknowledged_critical_renotifies_then_pages_on_time_and_not_a_second_early(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.form("violence")  # critical: ack_within 5 min, renotify 1, page
    alert = world.alert_ref(ref)

    await world.at(t0 + 5 * MINUTE - SECOND)
    assert world.sent("renotify") == []
    await world.at(t0 + 5 * MINUTE)
    [renotify] = world.sent("renotify")
    assert renotify.target is not None and renotify.target.audience == Audience.SUPERVISORS
    assert renotify.thread == alert, "a reply in the alert's thread"
    assert renotify.message.mention_channel, "broadcast with the channel mention"
    assert ref in renotify.message.text

    await world.at(t0 + 10 * MINUTE - SECOND)
    assert world.sent("page") == []
    await world.at(t0 + 10 * MINUTE)
    [page] = world.sent("page")
    assert page.target is not None and page.target.audience == Audience.ESCALATION
    assert page.thread is None, "a full alert of its own, not a thread reply"
    assert "acknowledge" in [b.action for b in page.message.buttons]
    assert page.message.facts, "the whole alert, facts included"

    await world.at(t0 + timedelta(hours=3))
    assert len(world.sent("renotify")) == 1 and len(world.sent("page")) == 1, "each step once"
    events = await world.events(ref)
    assert events.count("renotified") == 1 and events.count("paged") == 1


async def test_escalation_channel_members_may_acknowledge_the_page(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.form("violence")
    world.directory.escalation.add("manager")
    await world.at(t0 + 10 * MINUTE)
    result = await world.press("manager", "acknowledge", ref, Audience.ESCALATION)
    assert result.changed
    assert (await world.show(ref))["owner_id"] == "manager"


async def test_acknowledging_stops_the_escalation(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.form("violence")
    await world.at(t0 + 4 * MINUTE)
    assert (await world.press("sato", "acknowledge", ref)).changed
    await world.at(t0 + 5 * MINUTE)
    await world.at(t0 + 10 * MINUTE)
    await world.at(t0 + timedelta(hours=1))
    assert world.sent("renotify") == [] and world.sent("page") == []
    timers = {(t["kind"], t["state"]) for t in (await world.show(ref))["timers"]}
    assert ("renotify", "cancelled") in timers and ("page", "cancelled") in timers


async def test_acknowledging_after_the_renotification_stops_the_page(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.form("repeated_demands")  # high: ack_within 15 min
    await world.at(t0 + 15 * MINUTE)
    assert len(world.sent("renotify")) == 1
    await world.press("suzuki", "acknowledge", ref)
    await world.at(t0 + 30 * MINUTE)
    assert world.sent("page") == []


async def test_page_without_an_escalation_channel_is_recorded_honestly(world: World) -> None:
    world.messenger.reachable_audiences.discard(Audience.ESCALATION)
    t0 = world.clock.now()
    ref = await world.form("violence")
    await world.at(t0 + 10 * MINUTE)
    assert world.sent("page") == []
    data = await world.show(ref)
    assert "page_failed" in [e["kind"] for e in data["events"]]
    assert "paged" not in [e["kind"] for e in data["events"]]
    assert all(o["state"] != "dead" for o in data["outbox"]), "not a silent dead letter"
    told = world.sent(Kind.PAGE_FAILED)
    assert [s.meta.kind for s in told] == ["renotify"], "posted as a re-notification (the contract's kinds)"
    assert told and told[0].thread == world.alert_ref(ref) and told[0].message.mention_channel


async def test_normal_deadline_reported_wednesday_1830_runs_out_thursday_1030(fresh_database_url: str) -> None:
    from tests.escalation.conftest import make_world

    world = await make_world(fresh_database_url, jst(2026, 12, 2, 18, 30))  # a Wednesday
    try:
        ref = await world.quick()  # normal: 1 h of business time (10:00-19:00)
        timers = {t["kind"]: t["due_at"] for t in (await world.show(ref))["timers"]}
        assert timers["renotify"] == "2026-12-03T01:30:00Z"  # Thursday 10:30 JST
        await world.at(jst(2026, 12, 2, 23, 0))
        await world.at(jst(2026, 12, 3, 10, 29, 59))
        assert world.sent("renotify") == []
        await world.at(jst(2026, 12, 3, 10, 30))
        assert len(world.sent("renotify")) == 1
        await world.at(jst(2026, 12, 3, 11, 29, 59))
        assert world.sent("page") == []
        await world.at(jst(2026, 12, 3, 11, 30))
        assert len(world.sent("page")) == 1
    finally:
        await world.runtime.db.dispose()


async def test_overdue_steps_run_at_once_after_a_restart(fresh_database_url: str) -> None:
    from tests.escalation.conftest import make_world

    first = await make_world(fresh_database_url, jst(2026, 12, 1, 11, 0))
    ref = await first.form("violence")
    await first.runtime.db.dispose()  # the process is gone; its rows stay

    second = await make_world(fresh_database_url, jst(2026, 12, 1, 12, 0))
    try:
        await second.step()
        assert [s.meta.incident for s in second.sent("renotify")] == [ref]
        assert [s.meta.incident for s in second.sent("page")] == [ref]
    finally:
        await second.runtime.db.dispose()


async def test_in_danger_makes_a_normal_incident_escalate_on_critical_time(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.quick()  # normal: 1 h
    await world.at(t0 + 2 * MINUTE)
    await world.press("emp1", "in_danger", ref, Audience.USER)
    await world.at(t0 + 5 * MINUTE)
    assert [s.meta.incident for s in world.sent(Kind.RENOTIFY)] == [ref]
    await world.at(t0 + 10 * MINUTE)
    assert len(world.sent("page")) == 1


async def test_a_step_planned_twice_by_a_racing_replan_runs_once(world: World) -> None:
    """A re-plan (re-triage, a site change) that raced a job the sweeper had just claimed
    may plan the same step again: the trail says it ran, so the copy does nothing."""
    from storage import incidents, schedule
    from storage.schedule import NewJob

    t0 = world.clock.now()
    ref = await world.form("violence")  # critical: re-notified at 5 min, paged at 10
    async with world.runtime.db.session() as session:
        incident = await incidents.get_incident(session=session, ref=ref)
        assert incident is not None
        incident_id = incident.id
        await schedule.schedule_many(session=session, rows=[
            NewJob(incident_id=incident_id, kind=kind, key=f"{ref}:{kind}:1:again", due_at=t0 + 10 * MINUTE + SECOND,
                   payload={"step": 1}) for kind in ("renotify", "page")])
        await session.commit()
    await world.at(t0 + 10 * MINUTE)
    await world.at(t0 + 11 * MINUTE)
    assert len(world.sent("renotify")) == 1 and len(world.sent("page")) == 1
    events = await world.events(ref)
    assert events.count("renotified") == 1 and events.count("paged") == 1
