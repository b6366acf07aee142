"""Versions of a report's content: a change never overwrites (spec 8.4).

Version 1 is the report as first logged. It is written when the content first changes,
from the incident row, which until then is exactly the original (intake writes nothing
extra, so the hot path stays as fast). Every change then adds the next version; the
incident's own columns always equal the latest version.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utc_naive
from storage.incident_models import Incident, ReportVersion

CONTENT = ("category", "contact_channel", "occurred_at", "held_minutes", "description", "exact_words",
           "demands", "location", "evidence", "customer_ref")


def _version(incident: Incident, *, number: int, author: str, at: datetime) -> ReportVersion:
    assert incident.id is not None
    values = {name: getattr(incident, name) for name in CONTENT}
    return ReportVersion(incident_id=incident.id, number=number, author=author, at=utc_naive(at), **values)


async def record_change(*, session: AsyncSession, before: Incident, after: Incident, author: str,
                        at: datetime) -> int:
    """Keep ``before`` (the incident as stored) as the original if no version exists yet,
    then add ``after`` as the next version. Returns the new version's number. The caller
    holds the incident's row lock (or SQLite's one writer)."""
    assert before.id is not None
    count = await _count(session, before.id)
    if count == 0:
        session.add(_version(before, number=1, author=before.reporter_id, at=before.reported_at))
        count = 1
    session.add(_version(after, number=count + 1, author=author, at=at))
    await session.flush()
    return count + 1


async def _count(session: AsyncSession, incident_id: int) -> int:
    query = select(func.count()).select_from(ReportVersion).where(col(ReportVersion.incident_id) == incident_id)
    return int((await session.exec(query)).one())


async def versions_for(*, session: AsyncSession, incident: Incident) -> list[ReportVersion]:
    """Every version, oldest first; an unchanged report is its one original version."""
    assert incident.id is not None
    query = select(ReportVersion).where(ReportVersion.incident_id == incident.id).order_by(col(ReportVersion.number))
    rows = list((await session.exec(query)).all())
    return rows or [_version(incident, number=1, author=incident.reporter_id, at=incident.reported_at)]
