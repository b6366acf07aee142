"""Scheduled work as rows: re-notifications, pages, reminders, check-ins.

States: ``pending`` → ``claimed`` (leased to a worker) → ``done`` (or ``skipped``); or ``cancelled``.
A job is identified by an idempotency ``key`` (e.g. ``INC-2026-000001:renotify:1``), so
scheduling twice is harmless. Claims are exactly once (see :func:`claim_jobs`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage._claim import relax_commit
from storage._sql import dialect_name, insert_ignoring_conflicts
from storage.db import Database, utc_naive, utc_now
from storage.kinds import JobKind
from storage.delivery_models import Job
from storage.incident_models import Incident


_JOBS = Job.metadata.tables["jobs"]
# A literal, not a parameter, so both planners can prove the partial index
# ``ix_jobs_pending`` (``WHERE state = 'pending'``) covers the claim.
_PENDING: Any = literal_column("'pending'")


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A claimed ``jobs`` row as plain values (a claim builds no ORM objects)."""

    id: int
    incident_id: int | None
    kind: str
    key: str
    due_at: datetime
    state: str
    lease_until: datetime | None
    claimed_by: str | None
    attempts: int
    answer: str | None
    answered_at: datetime | None
    done_at: datetime | None
    payload: dict[str, Any]

    def model(self) -> Job:
        """The same row as a detached :class:`Job` (for the flows that take one)."""
        return Job(**asdict(self))


_CLAIMED_COLUMNS = [_JOBS.c[name] for name in ClaimedJob.__dataclass_fields__]


@dataclass(frozen=True)
class NewJob:
    """A job to schedule (what the planners return; see :func:`schedule_many`)."""

    incident_id: int | None
    kind: JobKind
    key: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """The column values of the new ``jobs`` row."""
        return {"incident_id": self.incident_id, "kind": str(self.kind), "key": self.key,
                "due_at": utc_naive(self.due_at), "state": "pending", "attempts": 0,
                "payload": dict(self.payload)}


async def schedule(
    *,
    session: AsyncSession,
    incident_id: int | None,
    kind: str,
    key: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Schedule a job once per ``key``. False if a job with that key already exists."""
    values = {"incident_id": incident_id, "kind": kind, "key": key, "due_at": utc_naive(due_at),
              "state": "pending", "attempts": 0, "payload": dict(payload or {})}
    return int((await session.exec(_insert_job(session), params=values)).rowcount) == 1


async def schedule_many(*, session: AsyncSession, rows: Sequence[NewJob]) -> int:
    """Schedule many jobs with one multi-row ``INSERT … ON CONFLICT DO NOTHING``; returns
    how many were new (a key that already exists is skipped, as with :func:`schedule`)."""
    if not rows:
        return 0
    statement = _insert_job(session).returning(Job.metadata.tables["jobs"].c.id)
    result = await session.exec(statement, params=[row.values() for row in rows])
    return len(result.all())


_INSERT_JOB: dict[str, Any] = {}


def _insert_job(session: AsyncSession) -> Any:
    """``INSERT INTO jobs … ON CONFLICT DO NOTHING`` with the values as parameters, built
    once per dialect (building it per call cost more than running it)."""
    name = dialect_name(session)
    if name not in _INSERT_JOB:
        _INSERT_JOB[name] = insert_ignoring_conflicts(session, Job.metadata.tables["jobs"])
    return _INSERT_JOB[name]


async def claim_jobs(
    *, db: Database, now: datetime, worker: str, lease: timedelta, limit: int = 100
) -> list[ClaimedJob]:
    """Claim due jobs for ``worker`` (own transaction), each exactly once, oldest due first.

    One statement: ``UPDATE jobs … WHERE id IN (SELECT id … WHERE state = 'pending' AND
    due_at <= now ORDER BY due_at, id LIMIT n [FOR UPDATE SKIP LOCKED]) RETURNING …``.
    On PostgreSQL the sub-select skips rows another worker holds and re-checks the state
    of each row it locks; on SQLite the transaction holds the write lock (``BEGIN
    IMMEDIATE``). The outer ``UPDATE`` goes by primary key, so the planner is never
    tempted to walk every pending row through ``ix_jobs_due`` (``state = 'pending'``
    matches nearly the whole table when many check-ins wait). The statement runs on a
    Core connection and returns plain rows: no session, no ORM objects per claim; on
    PostgreSQL its commit does not wait for the WAL flush (:func:`storage._claim.relax_commit`).
    """
    now = utc_naive(now)
    due = (
        select(_JOBS.c.id)
        .where(_JOBS.c.state == _PENDING, _JOBS.c.due_at <= now)
        .order_by(_JOBS.c.due_at, _JOBS.c.id)
        .limit(limit)
    )
    if db.dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(_JOBS)
        .where(_JOBS.c.id.in_(due.scalar_subquery()))
        .values(state="claimed", lease_until=now + lease, claimed_by=worker, attempts=_JOBS.c.attempts + 1)
        .returning(*_CLAIMED_COLUMNS)
    )
    async with db.engine.begin() as connection:
        await relax_commit(connection)
        rows = [ClaimedJob(*row) for row in (await connection.execute(statement)).all()]
    rows.sort(key=lambda job: (job.due_at, job.id))
    return rows


async def next_due(*, db: Database) -> datetime | None:
    """The earliest ``due_at`` of a pending job, or None (one step of ``ix_jobs_pending``)."""
    async with db.engine.connect() as connection:
        query = select(func.min(_JOBS.c.due_at)).where(_JOBS.c.state == _PENDING)
        due: datetime | None = (await connection.execute(query)).scalar()
    return due


async def finish_job(
    *, session: AsyncSession, job_id: int, worker: str, at: datetime | None = None, state: str = "done"
) -> bool:
    """Mark a job done (or ``skipped``: a check-in overtaken by a later one). True iff
    ``worker`` still held the claim (its lease was not rescued)."""
    result = await session.exec(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.claimed_by) == worker, col(Job.state) == "claimed")
        .values(state=state, done_at=utc_naive(at or utc_now()), lease_until=None)
    )
    return result.rowcount == 1


async def retry_job(*, db: Database, job_id: int, due_at: datetime) -> None:
    """Put a claimed job back to ``pending`` until ``due_at``."""
    async with db.session() as session:
        await session.exec(
            update(Job)
            .where(col(Job.id) == job_id, col(Job.state) == "claimed")
            .values(state="pending", due_at=utc_naive(due_at), lease_until=None, claimed_by=None)
        )
        await session.commit()


async def cancel_jobs(*, session: AsyncSession, incident_id: int, kinds: Collection[str]) -> int:
    """Cancel the incident's pending jobs of these kinds; returns how many."""
    result = await session.exec(
        update(Job)
        .where(col(Job.incident_id) == incident_id, col(Job.kind).in_(list(kinds)),
               col(Job.state) == "pending")
        .values(state="cancelled")
    )
    return int(result.rowcount)


async def rescue_expired_jobs(*, db: Database, now: datetime) -> int:
    """Return jobs whose lease ran out (a worker died) to ``pending``; returns how many."""
    async with db.session() as session:
        result = await session.exec(
            update(Job)
            .where(col(Job.state) == "claimed", col(Job.lease_until) < utc_naive(now))
            .values(state="pending", lease_until=None, claimed_by=None)
        )
        await session.commit()
    return int(result.rowcount)


async def jobs_for(*, session: AsyncSession, incident_id: int) -> list[Job]:
    """The incident's jobs, by due time."""
    query = select(Job).where(Job.incident_id == incident_id).order_by(col(Job.due_at), col(Job.id))
    return list((await session.exec(query)).all())


async def get_job(*, session: AsyncSession, job_id: int) -> Job | None:
    """The job with this id, or None."""
    return await session.get(Job, job_id)


async def answer_checkin(*, session: AsyncSession, job_id: int, answer: str, at: datetime) -> bool:
    """Record the reporter's answer to a check-in. True iff it was not answered before."""
    result = await session.exec(
        update(Job)
        .where(col(Job.id) == job_id, col(Job.answer).is_(None))
        .values(answer=answer, answered_at=utc_naive(at))
    )
    return result.rowcount == 1


async def lock_incident(*, session: AsyncSession, incident_id: int) -> Incident | None:
    """Read the incident a due job belongs to, locked until the caller's transaction ends
    (``FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises
    writers). A concurrent acknowledgement then either committed before the job read the
    incident, or waits until the job's transaction is over."""
    query = select(Incident).where(col(Incident.id) == incident_id)
    if dialect_name(session) == "postgresql":
        query = query.with_for_update()
    return (await session.exec(query.execution_options(populate_existing=True))).first()


async def lock_incidents(*, session: AsyncSession, incident_ids: Collection[int]) -> dict[int, Incident]:
    """:func:`lock_incident` for a batch (locked in id order, so batches never deadlock)."""
    if not incident_ids:
        return {}
    query = select(Incident).where(col(Incident.id).in_(sorted(set(incident_ids)))).order_by(col(Incident.id))
    if dialect_name(session) == "postgresql":
        query = query.with_for_update()
    rows = (await session.exec(query.execution_options(populate_existing=True))).all()
    return {row.id: row for row in rows if row.id is not None}


async def checkins_stopped(*, session: AsyncSession, incident_ids: Collection[int]) -> set[int]:
    """Which of these incidents' reporters answered a check-in with ``stop``."""
    if not incident_ids:
        return set()
    query = select(Job.incident_id).where(
        col(Job.incident_id).in_(sorted(set(incident_ids))), col(Job.kind) == JobKind.CHECKIN,
        col(Job.answer) == "stop",
    )
    return {i for i in (await session.exec(query)).all() if i is not None}


async def finish_jobs(
    *, session: AsyncSession, job_ids: Collection[int], worker: str, at: datetime | None = None, state: str = "done"
) -> int:
    """:func:`finish_job` for a batch; returns how many ``worker`` still held (all of
    them, or the caller must roll back)."""
    result = await session.exec(
        update(Job)
        .where(col(Job.id).in_(list(job_ids)), col(Job.claimed_by) == worker, col(Job.state) == "claimed")
        .values(state=state, done_at=utc_naive(at or utc_now()), lease_until=None)
    )
    return int(result.rowcount)


async def cancel_pending_steps(*, session: AsyncSession, incident_id: int, kinds: Collection[str]) -> list[Any]:
    """:func:`cancel_jobs`, returning the ``step`` of each row it cancelled (what was
    still to run), so a re-plan never repeats a row the sweeper claimed meanwhile."""
    result = await session.exec(
        update(Job)
        .where(col(Job.incident_id) == incident_id, col(Job.kind).in_(list(kinds)), col(Job.state) == "pending")
        .values(state="cancelled")
        .returning(col(Job.payload))
        .execution_options(synchronize_session=False)
    )
    return [(payload or {}).get("step") for payload in result.scalars().all()]
