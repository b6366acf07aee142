"""The queries behind the full export (spec 8.4): incidents in a reporting window with
their trails, read in two statements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utc_naive
from storage.incident_models import Event, Incident


async def incidents_between(*, session: AsyncSession, start: datetime | None, end: datetime | None,
                            statuses: Collection[str] | None = None) -> list[Incident]:
    """Incidents reported in ``[start, end)`` (either may be open), oldest first."""
    query = select(Incident)
    if start is not None:
        query = query.where(col(Incident.reported_at) >= utc_naive(start))
    if end is not None:
        query = query.where(col(Incident.reported_at) < utc_naive(end))
    if statuses is not None:
        query = query.where(col(Incident.status).in_(list(statuses)))
    return list((await session.exec(query.order_by(col(Incident.reported_at), col(Incident.id)))).all())


async def events_by_incident(*, session: AsyncSession, incident_ids: Collection[int]) -> dict[int, list[Event]]:
    """Each incident's trail in order, for many incidents at once."""
    trails: dict[int, list[Event]] = defaultdict(list)
    if not incident_ids:
        return trails
    query = (select(Event).where(col(Event.incident_id).in_(list(incident_ids)))
             .order_by(col(Event.incident_id), col(Event.seq), col(Event.id)))
    for event in (await session.exec(query)).all():
        trails[event.incident_id].append(event)
    return trails
