from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from tests.storage._storage_support import T0, MakeIncident

from storage import choices, incidents
from storage import retention as purging
from storage.db import Database
from storage.incident_models import Incident


async def test_next_ref_counts_per_year_and_rolls_over(db: Database) -> None:
    async with db.session() as session:
        first = await incidents.next_ref(session=session, year=2026)
        second = await incidents.next_ref(session=session, year=2026)
        new_year = await incidents.next_ref(session=session, year=2027)
        third = await incidents.next_ref(session=session, year=2026)
        await session.commit()
    assert (first, second, third) == ("INC-2026-000001", "INC-2026-000002", "INC-2026-000003")
    assert new_year == "INC-2027-000001"


async def test_next_ref_is_unique_under_concurrent_sessions(db: Database) -> None:
    async def allocate() -> str:
        async with db.session() as session:
            ref = await incidents.next_ref(session=session, year=2026)
            await session.commit()
            return ref

    refs = await asyncio.gather(*(allocate() for _ in range(12)))
    assert sorted(refs) == [f"INC-2026-{n:06d}" for n in range(1, 13)]


async def test_rolled_back_ref_is_not_committed(db: Database) -> None:
    async with db.session() as session:
        await incidents.next_ref(session=session, year=2026)
        await session.rollback()
    async with db.session() as session:
        assert await incidents.next_ref(session=session, year=2026) == "INC-2026-000001"


async def test_incident_round_trip_and_lookups(db: Database, make_incident: MakeIncident) -> None:
    made = await make_incident(description="he shouted", flags=["repeated"],
                               policy_snapshot={"ack_within": "PT5M"})
    async with db.session() as session:
        by_ref = await incidents.get_incident(session=session, ref=made.ref)
        by_id = await incidents.get_incident_by_id(session=session, incident_id=made.id)
        missing = await incidents.get_incident(session=session, ref="INC-2026-999999")
    assert by_ref is not None and by_id is not None and missing is None
    assert by_ref.id == by_id.id == made.id
    assert by_ref.description == "he shouted"
    assert by_ref.flags == ["repeated"] and by_ref.policy_snapshot == {"ack_within": "PT5M"}
    assert by_ref.reported_at == T0 and by_ref.reported_at.tzinfo is None


async def test_aware_datetimes_are_stored_as_naive_utc(
    db: Database, make_incident: MakeIncident
) -> None:
    jst = timezone(timedelta(hours=9))
    made = await make_incident(reported_at=datetime(2026, 11, 30, 10, 0, tzinfo=jst))
    async with db.session() as session:
        loaded = await incidents.get_incident_by_id(session=session, incident_id=made.id)
    assert loaded is not None and loaded.reported_at == datetime(2026, 11, 30, 1, 0)


async def test_list_incidents_filters_and_orders_newest_first(
    db: Database, make_incident: MakeIncident
) -> None:
    a = await make_incident(reporter_id="U1", reported_at=T0)
    b = await make_incident(reporter_id="U2", reported_at=T0 + timedelta(hours=1), platform="teams")
    c = await make_incident(reporter_id="U1", reported_at=T0 + timedelta(hours=2), status="resolved")
    async with db.session() as session:
        everything = await incidents.list_incidents(session=session)
        mine = await incidents.list_incidents(session=session, reporter_id="U1")
        open_ = await incidents.list_incidents(session=session, statuses=["open", "acknowledged"])
        teams = await incidents.list_incidents(session=session, platform="teams")
    assert [i.ref for i in everything] == [c.ref, b.ref, a.ref]
    assert [i.ref for i in mine] == [c.ref, a.ref]
    assert [i.ref for i in open_] == [b.ref, a.ref]
    assert [i.ref for i in teams] == [b.ref]


async def test_earlier_by_customer_within_window_oldest_first(
    db: Database, make_incident: MakeIncident
) -> None:
    old = await make_incident(customer_hash="h1", reported_at=T0 - timedelta(days=40))
    first = await make_incident(customer_hash="h1", reported_at=T0 - timedelta(days=10))
    second = await make_incident(customer_hash="h1", reported_at=T0 - timedelta(days=2))
    await make_incident(customer_hash="h2", reported_at=T0)
    async with db.session() as session:
        refs = await incidents.earlier_by_customer(
            session=session, customer_hash="h1", since=T0 - timedelta(days=30)
        )
    assert refs == [first.ref, second.ref]
    assert old.ref not in refs


async def test_concurrent_acknowledge_has_exactly_one_owner(
    db: Database, make_incident: MakeIncident
) -> None:
    made = await make_incident()
    gate = asyncio.Event()

    async def press(user: str) -> bool:
        await gate.wait()
        async with db.session() as session:
            won = await incidents.claim_owner(
                session=session, incident_id=made.id, owner=user, at=T0
            )
            await session.commit()
            return won

    tasks = [asyncio.create_task(press(f"U{n}")) for n in range(6)]
    gate.set()
    results = await asyncio.gather(*tasks)
    assert results.count(True) == 1
    winner = f"U{results.index(True)}"
    async with db.session() as session:
        loaded = await incidents.get_incident_by_id(session=session, incident_id=made.id)
    assert loaded is not None
    assert (loaded.owner_id, loaded.status, loaded.version) == (winner, "acknowledged", 1)
    assert loaded.acknowledged_at == T0


async def test_second_responder_must_differ_from_owner_and_is_single(
    db: Database, make_incident: MakeIncident
) -> None:
    made = await make_incident()
    async with db.session() as session:
        assert await incidents.claim_owner(session=session, incident_id=made.id, owner="S1", at=T0)
        assert not await incidents.claim_second_responder(
            session=session, incident_id=made.id, user="S1"
        )
        assert await incidents.claim_second_responder(session=session, incident_id=made.id, user="S2")
        assert not await incidents.claim_second_responder(
            session=session, incident_id=made.id, user="S3"
        )
        await session.commit()


async def test_resolve_only_once(db: Database, make_incident: MakeIncident) -> None:
    made = await make_incident()
    async with db.session() as session:
        assert await incidents.resolve(session=session, incident_id=made.id, at=T0)
        assert not await incidents.resolve(session=session, incident_id=made.id, at=T0)
        await session.commit()
        assert not await incidents.claim_owner(
            session=session, incident_id=made.id, owner="S1", at=T0
        )


async def test_record_choice_once_keeps_transaction_usable(
    db: Database, make_incident: MakeIncident
) -> None:
    made = await make_incident()
    async with db.session() as session:
        first = await choices.record_choice(
            session=session, incident_id=made.id, option="consult_attorney", actor="S1", at=T0
        )
        again = await choices.record_choice(
            session=session, incident_id=made.id, option="consult_attorney", actor="S2", at=T0
        )
        # the transaction still works after the refused duplicate
        await incidents.add_event(session=session, incident_id=made.id, kind="option_chosen",
                                  actor="S1", at=T0, option="consult_attorney")
        await session.commit()
    assert (first, again) == (True, False)
    async with db.session() as session:
        assert await choices.chosen_options(session=session, incident_id=made.id) == {
            "consult_attorney": "done"
        }
        assert len(await incidents.events_for(session=session, incident_id=made.id)) == 1


async def test_concurrent_record_choice_has_one_winner(
    db: Database, make_incident: MakeIncident
) -> None:
    made = await make_incident()

    async def press(user: str) -> bool:
        async with db.session() as session:
            won = await choices.record_choice(
                session=session, incident_id=made.id, option="contact_police", actor=user, at=T0
            )
            await session.commit()
            return won

    results = await asyncio.gather(*(press(f"S{n}") for n in range(5)))
    assert results.count(True) == 1


async def test_choice_state_update_and_delete(db: Database, make_incident: MakeIncident) -> None:
    made = await make_incident()
    async with db.session() as session:
        await choices.record_choice(session=session, incident_id=made.id,
                                    option="discontinue_service", actor="S1", at=T0,
                                    state="proposed")
        await choices.update_choice_state(session=session, incident_id=made.id,
                                          option="discontinue_service", state="rejected")
        assert await choices.chosen_options(session=session, incident_id=made.id) == {
            "discontinue_service": "rejected"
        }
        await choices.delete_choice(session=session, incident_id=made.id,
                                    option="discontinue_service")
        assert await choices.chosen_options(session=session, incident_id=made.id) == {}
        assert await choices.record_choice(session=session, incident_id=made.id,
                                           option="discontinue_service", actor="S2", at=T0)
        await session.commit()


async def test_events_are_chronological(db: Database, make_incident: MakeIncident) -> None:
    made = await make_incident()
    async with db.session() as session:
        await incidents.add_event(session=session, incident_id=made.id, kind="acknowledged",
                                  actor="S1", at=T0 + timedelta(minutes=2))
        await incidents.add_event(session=session, incident_id=made.id, kind="reported",
                                  actor="U1", at=T0, detail={"severity": "normal"})
        await session.commit()
    async with db.session() as session:
        events = await incidents.events_for(session=session, incident_id=made.id)
    assert [e.kind for e in events] == ["reported", "acknowledged"]
    assert events[0].detail == {"severity": "normal"}


async def test_decide_proposal_is_compare_and_set(
    db: Database, make_incident: MakeIncident
) -> None:
    made = await make_incident()
    async with db.session() as session:
        proposal = await choices.create_proposal(session=session, incident_id=made.id,
                                                 option="discontinue_service", proposer="S1",
                                                 at=T0)
        await session.commit()
    assert proposal.id is not None and proposal.state == "pending"

    async def decide(state: str, actor: str) -> bool:
        async with db.session() as session:
            won = await choices.decide_proposal(session=session, proposal_id=proposal.id,
                                                state=state, actor=actor, at=T0)
            await session.commit()
            return won

    results = await asyncio.gather(decide("approved", "S2"), decide("rejected", "S3"))
    assert results.count(True) == 1
    async with db.session() as session:
        loaded = await choices.get_proposal(session=session, proposal_id=proposal.id)
    assert loaded is not None
    expected = ("approved", "S2") if results[0] else ("rejected", "S3")
    assert (loaded.state, loaded.decided_by) == expected
    assert not await decide("approved", "S4")


async def test_purgeable_respects_retention_and_legal_hold(
    db: Database, make_incident: MakeIncident
) -> None:
    retention = timedelta(days=3 * 365)
    now = T0 + retention + timedelta(days=1)
    old = await make_incident(status="resolved", resolved_at=T0)
    held = await make_incident(status="resolved", resolved_at=T0)
    recent = await make_incident(status="resolved", resolved_at=now - timedelta(days=1))
    still_open = await make_incident()
    async with db.session() as session:
        await incidents.set_legal_hold(session=session, incident_id=held.id, hold=True)
        await session.commit()
    async with db.session() as session:
        refs = [i.ref for i in await purging.purgeable(session=session, now=now,
                                                       retention=retention)]
    assert refs == [old.ref]
    assert held.ref not in refs and recent.ref not in refs and still_open.ref not in refs
    async with db.session() as session:
        await incidents.set_legal_hold(session=session, incident_id=held.id, hold=False)
        await session.commit()
    async with db.session() as session:
        refs = [i.ref for i in await purging.purgeable(session=session, now=now,
                                                       retention=retention)]
    assert sorted(refs) == sorted([old.ref, held.ref])


async def test_delete_incident_removes_everything_about_it(
    db: Database, make_incident: MakeIncident
) -> None:
    from storage import outbox, outbox_upkeep
    from storage import schedule

    gone = await make_incident()
    kept = await make_incident()
    for made in (gone, kept):
        async with db.session() as session:
            await incidents.add_event(session=session, incident_id=made.id, kind="reported",
                                      actor="U1", at=T0)
            await choices.record_choice(session=session, incident_id=made.id,
                                        option="acknowledge", actor="S1", at=T0)
            await choices.create_proposal(session=session, incident_id=made.id,
                                          option="discontinue_service", proposer="S1", at=T0)
            await schedule.schedule(session=session, incident_id=made.id, kind="renotify",
                                    key=f"{made.ref}:renotify:1", due_at=T0)
            await outbox.enqueue(session=session, incident_id=made.id, platform="slack",
                                 kind="alert", audience="supervisors", payload="{}", due_at=T0)
            await session.commit()
    async with db.session() as session:
        assert not await purging.delete_incident(session=session, incident_id=gone.id), "open: kept"
        await incidents.resolve(session=session, incident_id=gone.id, at=T0)
        await incidents.set_legal_hold(session=session, incident_id=kept.id, hold=True)
        await incidents.resolve(session=session, incident_id=kept.id, at=T0)
        assert not await purging.delete_incident(session=session, incident_id=kept.id), "held: kept"
        assert await purging.delete_incident(session=session, incident_id=gone.id)
        await session.commit()
    async with db.session() as session:
        assert await incidents.get_incident(session=session, ref=gone.ref) is None
        assert await incidents.events_for(session=session, incident_id=gone.id) == []
        assert await choices.chosen_options(session=session, incident_id=gone.id) == {}
        assert await schedule.jobs_for(session=session, incident_id=gone.id) == []
        assert await outbox_upkeep.messages_for(session=session, incident_id=gone.id) == []
        assert await incidents.get_incident(session=session, ref=kept.ref) is not None
        assert len(await incidents.events_for(session=session, incident_id=kept.id)) == 1
        assert len(await outbox_upkeep.messages_for(session=session, incident_id=kept.id)) == 1


async def test_count_open(db: Database, make_incident: MakeIncident) -> None:
    await make_incident()
    await make_incident(status="acknowledged")
    await make_incident(status="resolved", resolved_at=T0)
    async with db.session() as session:
        assert await incidents.count_open(session=session) == 2


def test_incident_model_has_no_aware_default() -> None:
    assert Incident(ref="x", platform="slack", reporter_id="U", category="other",
                    severity="normal", reported_at=datetime.now(UTC).replace(tzinfo=None),
                    policy_version="v").status == "open"
