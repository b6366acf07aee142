"""Incidents and their audit trail: human ids, rows and reads, and the compare-and-set
state changes (owner, second responder, resolution, legal hold, re-triage).

Every function takes an open ``session`` and never commits: the caller commits, so an
incident, its events and its outbox rows land in one transaction. State changes are
compare-and-set ``UPDATE``s that report whether this caller won; they are correct with
concurrent sessions on SQLite and on PostgreSQL.

Choices and proposals are in :mod:`storage.choices`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit
from storage._sql import compare_and_set, insert_ignoring_conflicts
from storage.db import utc_naive
from storage.kinds import Status
from storage.incident_models import Counter, Event, Incident


async def next_ref(*, session: AsyncSession, year: int) -> str:
    """Allocate the next human id for ``year``: ``INC-2026-000001``, ``INC-2026-000002``…"""
    return (await next_refs(session=session, year=year, count=1))[0]


async def next_refs(*, session: AsyncSession, year: int, count: int) -> list[str]:
    """Allocate ``count`` consecutive human ids for ``year`` at once (two statements)."""
    if count < 1:
        return []
    name = f"incident:{year}"
    await session.exec(insert_ignoring_conflicts(session, Counter, name=name, value=0))
    result = await session.exec(
        update(Counter)
        .where(col(Counter.name) == name)
        .values(value=Counter.value + count)
        .returning(col(Counter.value))
        .execution_options(synchronize_session=False)
    )
    last = int(result.scalar_one())
    return [f"INC-{year}-{value:06d}" for value in range(last - count + 1, last + 1)]


async def add_incident(*, session: AsyncSession, incident: Incident) -> Incident:
    """Add a new incident and flush it (its ``id`` is set on return)."""
    session.add(incident)
    await session.flush()
    return incident


async def save_incident(*, session: AsyncSession, incident: Incident) -> Incident:
    """Write the changes made to a loaded incident (its ``version`` bumped) and flush."""
    incident.version += 1
    session.add(incident)
    await session.flush()
    return incident


async def get_incident(*, session: AsyncSession, ref: str) -> Incident | None:
    """The incident with the human id ``ref`` (``INC-…``), or None."""
    result = await session.exec(select(Incident).where(Incident.ref == ref))
    return result.first()


async def get_incident_by_id(*, session: AsyncSession, incident_id: int) -> Incident | None:
    """The incident with the primary key ``incident_id``, or None."""
    return await session.get(Incident, incident_id)


async def incidents_by_ids(*, session: AsyncSession, incident_ids: Collection[int]) -> list[Incident]:
    """The incidents with these primary keys (any order; missing ones are left out)."""
    if not incident_ids:
        return []
    query = select(Incident).where(col(Incident.id).in_(list(incident_ids)))
    return list((await session.exec(query)).all())


async def list_incidents(
    *,
    session: AsyncSession,
    reporter_id: str | None = None,
    statuses: Collection[str] | None = None,
    platform: str | None = None,
) -> list[Incident]:
    """Incidents matching every given filter, newest first."""
    query = select(Incident)
    if reporter_id is not None:
        query = query.where(Incident.reporter_id == reporter_id)
    if statuses is not None:
        query = query.where(col(Incident.status).in_(list(statuses)))
    if platform is not None:
        query = query.where(Incident.platform == platform)
    query = query.order_by(col(Incident.reported_at).desc(), col(Incident.id).desc())
    return list((await session.exec(query)).all())


async def earlier_by_customer(
    *, session: AsyncSession, customer_hash: str, since: datetime
) -> list[str]:
    """Refs of incidents about the same customer reported at or after ``since``, oldest first."""
    query = (
        select(Incident.ref)
        .where(Incident.customer_hash == customer_hash)
        .where(col(Incident.reported_at) >= utc_naive(since))
        .order_by(col(Incident.reported_at), col(Incident.id))
    )
    return list((await session.exec(query)).all())


async def claim_owner(*, session: AsyncSession, incident_id: int, owner: str, at: datetime) -> bool:
    """Acknowledge: ``owner`` becomes the owner if nobody is yet. True iff this call won."""
    return await compare_and_set(
        session,
        Incident,
        and_(
            col(Incident.id) == incident_id,
            col(Incident.owner_id).is_(None),
            col(Incident.status) == Status.OPEN,
            or_(col(Incident.second_responder_id).is_(None), col(Incident.second_responder_id) != owner),
        ),
        {
            "owner_id": owner,
            "status": Status.ACKNOWLEDGED,
            "acknowledged_at": utc_naive(at),
            "version": Incident.version + 1,
        },
    )


async def claim_second_responder(*, session: AsyncSession, incident_id: int, user: str) -> bool:
    """``user`` joins as second responder (not the owner, only one, not once resolved)."""
    return await compare_and_set(
        session,
        Incident,
        and_(
            col(Incident.id) == incident_id,
            col(Incident.second_responder_id).is_(None),
            col(Incident.status) != Status.RESOLVED,
            or_(col(Incident.owner_id).is_(None), col(Incident.owner_id) != user),
        ),
        {"second_responder_id": user, "version": Incident.version + 1},
    )


async def resolve(*, session: AsyncSession, incident_id: int, at: datetime) -> bool:
    """Mark the incident resolved. True iff it was not resolved already."""
    return await compare_and_set(
        session,
        Incident,
        and_(col(Incident.id) == incident_id, col(Incident.status) != Status.RESOLVED),
        {"status": Status.RESOLVED, "resolved_at": utc_naive(at), "version": Incident.version + 1},
    )


async def set_legal_hold(*, session: AsyncSession, incident_id: int, hold: bool,
                         at: datetime | None = None) -> bool:
    """Place (or release) a legal hold: a held incident is never purged. A release
    records its time (retention then runs from the later of resolution and release).
    True iff the hold changed."""
    values: dict[str, Any] = {"legal_hold": hold, "version": Incident.version + 1}
    if not hold and at is not None:
        values["hold_released_at"] = utc_naive(at)
    return await compare_and_set(session, Incident,
                      and_(col(Incident.id) == incident_id, col(Incident.legal_hold).is_(not hold)), values)


async def add_event(
    *,
    session: AsyncSession,
    incident_id: int,
    kind: str,
    actor: str,
    at: datetime,
    option: str | None = None,
    detail: dict[str, Any] | None = None,
    flush: bool = True,
    note: str | None = None,
) -> Event:
    """Append an audit event to the incident's hash chain (ids and kinds only; never
    free text in ``detail``: a ``note`` is stored encrypted beside it, outside the hash).
    See :mod:`storage.audit`. ``flush`` is accepted for callers
    that batch; a chained event is always written at once (it advances the incident's
    head under its row lock). A caller holding the incident locked in its session may use
    :func:`storage.audit.append_loaded` to batch instead."""
    del flush
    return await audit.append_event(session=session, incident_id=incident_id, kind=kind, actor=actor,
                                    at=at, option=option, detail=detail, note=note)


async def events_for(*, session: AsyncSession, incident_id: int) -> list[Event]:
    """The incident's audit trail in chronological order."""
    query = (
        select(Event).where(Event.incident_id == incident_id).order_by(col(Event.at), col(Event.id))
    )
    return list((await session.exec(query)).all())


async def count_open(*, session: AsyncSession) -> int:
    """How many incidents are not resolved (for the ``haven_open_incidents`` gauge)."""
    query = select(func.count()).select_from(Incident).where(col(Incident.status) != Status.RESOLVED)
    return int((await session.exec(query)).one())


async def retriage(*, session: AsyncSession, incident_id: int, category: str, severity: str,
                   snapshot: dict[str, Any], version: int) -> bool:
    """A supervisor's re-triage: new category, severity and frozen deadlines, if nobody
    changed the incident since it was read at ``version`` (and it is not resolved)."""
    return await compare_and_set(
        session,
        Incident,
        and_(col(Incident.id) == incident_id, col(Incident.version) == version,
             col(Incident.status) != "resolved"),
        {"category": category, "severity": severity, "policy_snapshot": snapshot,
         "version": Incident.version + 1},
    )
