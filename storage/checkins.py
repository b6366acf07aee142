"""A burst of due check-ins in one transaction, in a few Core statements.

The sweep turns a batch of claimed check-in jobs into DMs and ``checkin_sent`` events.
Reading each incident as an ORM object (decrypting its free text) and flushing one
outbox row and one event object per check-in cost more than the rest of the sweep; here
the incidents are read as the few columns a check-in needs, locked (``FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), and the rows are
written with multi-row statements. Every function takes an open ``session`` and never
commits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage._sql import dialect_name
from storage.db import utc_naive
from storage.delivery_models import Job
from storage.incident_models import Incident
from storage.kinds import JobKind

_INCIDENTS = Incident.metadata.tables["incidents"]


@dataclass(frozen=True, slots=True)
class Recipient:
    """What a check-in needs of its incident: who to ask, in which language, and the
    audit chain's head (read locked, so the chain advances in the caller's transaction)."""

    id: int
    ref: str
    platform: str
    reporter_id: str
    reporter_locale: str
    event_count: int
    chain_head: str | None
    route: str  # line | hr | held: whether the check-in may offer HR instead


_COLUMNS = [_INCIDENTS.c[name] for name in Recipient.__dataclass_fields__]


async def lock_recipients(*, session: AsyncSession, incident_ids: Collection[int]) -> dict[int, Recipient]:
    """The incidents of a batch, locked in id order (batches never deadlock)."""
    if not incident_ids:
        return {}
    query = select(*_COLUMNS).where(_INCIDENTS.c.id.in_(sorted(set(incident_ids)))).order_by(_INCIDENTS.c.id)
    if dialect_name(session) == "postgresql":
        query = query.with_for_update()
    return {row[0]: Recipient(*row) for row in (await session.exec(query)).all()}  # type: ignore[call-overload]


async def advance_chains(*, session: AsyncSession, heads: Sequence[tuple[int, int, str]]) -> None:
    """Set each ``(incident id, event count, chain head)`` in one statement (the incidents
    were locked by :func:`lock_recipients` in this transaction)."""
    if not heads:
        return
    statement: Any = (
        update(_INCIDENTS)
        .where(_INCIDENTS.c.id == bindparam("incident_id"))
        .values(event_count=bindparam("count"), chain_head=bindparam("head"))
    )
    await session.exec(statement, params=[{"incident_id": i, "count": n, "head": h} for i, n, h in heads])


_JOBS = Job.metadata.tables["jobs"]


async def newest_due(*, session: AsyncSession, incident_ids: Collection[int], now: datetime) -> dict[int, int]:
    """Each incident's latest check-in due by ``now`` (not cancelled; pending, claimed or
    sent): its job id. After a catch-up only that one is sent; older ones are skipped."""
    if not incident_ids:
        return {}
    query = (select(_JOBS.c.incident_id, _JOBS.c.id)
             .where(_JOBS.c.incident_id.in_(sorted(set(incident_ids))), _JOBS.c.kind == str(JobKind.CHECKIN),
                    _JOBS.c.state != "cancelled", _JOBS.c.due_at <= utc_naive(now))
             .order_by(_JOBS.c.due_at, _JOBS.c.id))
    return {incident: job for incident, job in (await session.exec(query)).all()}  # type: ignore[call-overload]
