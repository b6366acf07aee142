"""How many reports each person made lately (flood control, policy ``limits``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utc_naive
from storage.incident_models import Incident


async def reports_since(
    *, session: AsyncSession, platform: str, reporter_ids: Collection[str], since: datetime
) -> dict[str, int]:
    """Reports per reporter on ``platform`` since ``since`` (one grouped query on
    ``ix_incidents_reporter_reported``); reporters with none are absent."""
    if not reporter_ids:
        return {}
    query = (
        select(Incident.reporter_id, func.count())
        .where(col(Incident.platform) == platform, col(Incident.reporter_id).in_(list(reporter_ids)),
               col(Incident.reported_at) >= utc_naive(since))
        .group_by(col(Incident.reporter_id))
    )
    return {reporter: int(count) for reporter, count in (await session.exec(query)).all()}
