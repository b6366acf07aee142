"""Retention: resolved incidents past the policy's retention, and deleting one with
everything about it. Like :mod:`storage.incidents`, the caller commits."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utc_naive
from storage.kinds import Status
from storage.delivery_models import Job, OutboxMessage
from storage.incident_models import Choice, Event, Incident, Proposal, ReportVersion, TalkRequest


async def purgeable(
    *, session: AsyncSession, now: datetime, retention: timedelta
) -> list[Incident]:
    """Resolved incidents not on legal hold whose retention has run out, oldest first.

    Retention runs from the later of the resolution and the release of a legal hold."""
    cutoff = utc_naive(now) - retention
    query = (
        select(Incident)
        .where(col(Incident.status) == Status.RESOLVED)
        .where(col(Incident.resolved_at) <= cutoff)
        .where(col(Incident.legal_hold).is_(False))
        .where(or_(col(Incident.hold_released_at).is_(None), col(Incident.hold_released_at) <= cutoff))
        .order_by(col(Incident.resolved_at), col(Incident.id))
    )
    return list((await session.exec(query)).all())


async def delete_incident(*, session: AsyncSession, incident_id: int) -> bool:
    """Delete a resolved incident not on legal hold, with its events, choices, proposals,
    jobs, outbox rows and report versions. False (nothing deleted) when it is open or held."""
    guard = await session.exec(
        select(Incident.id).where(col(Incident.id) == incident_id, col(Incident.status) == Status.RESOLVED,
                                  col(Incident.legal_hold).is_(False)).with_for_update()
    )
    if guard.first() is None:
        return False
    for model in (Event, Choice, Proposal, Job, OutboxMessage, TalkRequest, ReportVersion):
        await session.exec(delete(model).where(col(model.incident_id) == incident_id))
    await session.exec(delete(Incident).where(col(Incident.id) == incident_id))
    return True
