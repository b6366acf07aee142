"""Read queries of the HR desk: the incident list with filters and paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.incident_models import Incident


@dataclass(frozen=True)
class IncidentFilter:
    status: str | None = None
    severity: str | None = None
    category: str | None = None
    site: str | None = None
    reported_from: datetime | None = None  # naive UTC, inclusive
    reported_to: datetime | None = None  # naive UTC, exclusive


def _where(query, filters: IncidentFilter):  # type: ignore[no-untyped-def]
    if filters.status:
        query = query.where(Incident.status == filters.status)
    if filters.severity:
        query = query.where(Incident.severity == filters.severity)
    if filters.category:
        query = query.where(Incident.category == filters.category)
    if filters.site:
        query = query.where(Incident.site == filters.site)
    if filters.reported_from is not None:
        query = query.where(col(Incident.reported_at) >= filters.reported_from)
    if filters.reported_to is not None:
        query = query.where(col(Incident.reported_at) < filters.reported_to)
    return query


async def search_incidents(*, session: AsyncSession, filters: IncidentFilter, limit: int,
                           offset: int) -> tuple[list[Incident], int]:
    """One page of incidents (newest first) and how many match in all."""
    total = (await session.exec(_where(select(func.count()).select_from(Incident), filters))).one()
    query = _where(select(Incident), filters)
    query = query.order_by(col(Incident.reported_at).desc(), col(Incident.id).desc()).limit(limit).offset(offset)
    return list((await session.exec(query)).all()), int(total)


@dataclass(frozen=True)
class InsightRow:
    """What the insights page counts; no free text."""

    reported_at: datetime
    category: str
    severity: str
    status: str
    acknowledged_at: datetime | None
    customer_hash: str | None
    site: str | None


async def insight_rows(*, session: AsyncSession, since: datetime) -> list[InsightRow]:
    table = Incident.__table__.c  # type: ignore[attr-defined]  # SQLModel tables carry a Core Table
    query = core_select(table.reported_at, table.category, table.severity, table.status, table.acknowledged_at,
                        table.customer_hash, table.site).where(table.reported_at >= since)
    connection = await session.connection()
    return [InsightRow(*row) for row in (await connection.execute(query)).all()]
