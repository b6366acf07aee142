"""The outbox serves by priority before age; held rows wait to be folded; the claims of
both tables read the partial indexes on pending rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from storage import digests, outbox
from storage.db import Database
from tests.storage._storage_support import T0, MakeIncident

LEASE = timedelta(minutes=1)


async def _queue(db: Database, *rows: tuple[int | None, int, str]) -> list[int]:
    """(incident id, priority, audience) each, all due at T0, in this order."""
    ids = []
    async with db.session() as session:
        for incident_id, priority, audience in rows:
            message = await outbox.enqueue(
                session=session, incident_id=incident_id, platform="slack", kind="alert", audience=audience,
                payload="{}", due_at=T0, priority=priority)
            ids.append(message.id)
        await session.commit()
    return ids


async def test_an_urgent_row_queued_last_is_claimed_first(db: Database, make_incident: MakeIncident) -> None:
    backlog = [await make_incident() for _ in range(5)]
    critical = await make_incident(severity="critical")
    normal_ids = await _queue(db, *[(i.id, outbox.NORMAL, "supervisors") for i in backlog])
    [receipt] = await _queue(db, (None, outbox.DIRECT, "user"))
    [urgent] = await _queue(db, (critical.id, outbox.URGENT, "supervisors"))
    claimed = await outbox.claim_messages(db=db, now=T0, worker="w", lease=LEASE, limit=3)
    assert [m.id for m in claimed] == [urgent, receipt, normal_ids[0]]


async def test_held_rows_are_never_claimed_one_by_one(db: Database, make_incident: MakeIncident) -> None:
    incident = await make_incident(reporter_id="UFLOOD")
    [held] = await _queue(db, (incident.id, outbox.HELD, "supervisors"))
    assert await outbox.claim_messages(db=db, now=T0 + timedelta(hours=1), worker="w", lease=LEASE) == []
    async with db.session() as session:
        due = await digests.held_due(session=session, now=T0)
        assert [(row.id, reporter) for row, reporter in due] == [(held, "UFLOOD")]
        assert await digests.take_held(session=session, message_ids=[held]) == [held]
        assert await digests.take_held(session=session, message_ids=[held]) == []
        await session.commit()


async def _plan(db: Database, sql: str) -> str:
    explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    async with db.session() as session:
        if db.dialect == "postgresql":
            await session.exec(text("SET enable_seqscan = off"))  # type: ignore[call-overload]
        rows = (await session.exec(text(explain + sql))).all()  # type: ignore[call-overload]
    return " ".join(str(part) for row in rows for part in row)


async def test_the_claims_read_the_partial_indexes_of_pending_rows(db: Database) -> None:
    jobs = await _plan(db, "SELECT id FROM jobs WHERE state = 'pending' AND due_at <= '2026-12-01' "
                           "ORDER BY due_at, id LIMIT 100")
    if db.dialect == "postgresql":
        assert "ix_jobs_pending" in jobs, jobs
    else:  # SQLite may equally walk (state, due_at): the same rows in the same order, never a scan
        assert "SCAN jobs" not in jobs and ("ix_jobs_pending" in jobs or "ix_jobs_due" in jobs), jobs
    messages = await _plan(db, "SELECT id FROM outbox WHERE state = 'pending' AND priority < 3 "
                               "AND due_at <= '2026-12-01' ORDER BY priority, due_at, id LIMIT 50")
    assert "ix_outbox_pending" in messages, messages


async def test_the_watchdog_reads_only_the_leases_of_rows_being_sent(db: Database) -> None:
    plan = await _plan(db, "SELECT id FROM outbox WHERE state = 'sending' AND lease_until < '2026-12-01'")
    assert "ix_outbox_leases" in plan, plan
