"""Channel registrations: which channel serves a site's supervisors or escalation, or HR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage._sql import upsert
from storage.db import utc_naive
from storage.delivery_models import ChannelRegistration


@dataclass(frozen=True)
class Registration:
    platform: str
    role: str  # supervisors | escalation | hr
    site: str  # "" for hr
    channel_id: str
    data: dict[str, Any]
    registered_by: str
    registered_at: datetime


def _value(row: ChannelRegistration) -> Registration:
    return Registration(platform=row.platform, role=row.role, site=row.site, channel_id=row.channel_id,
                        data=dict(row.data or {}), registered_by=row.registered_by, registered_at=row.registered_at)


async def register(*, session: AsyncSession, platform: str, role: str, site: str, channel_id: str,
                   data: dict[str, Any], registered_by: str, at: datetime) -> None:
    """Store (or replace) the channel of ``role`` at ``site`` on ``platform``."""
    statement = upsert(session, ChannelRegistration, ["platform", "role", "site"],
                       platform=platform, role=role, site=site, channel_id=channel_id, data=dict(data),
                       registered_by=registered_by, registered_at=utc_naive(at))
    await session.exec(statement)


async def unregister(*, session: AsyncSession, platform: str, role: str, site: str) -> bool:
    """Remove a registration; True when there was one."""
    result = await session.exec(delete(ChannelRegistration).where(
        col(ChannelRegistration.platform) == platform, col(ChannelRegistration.role) == role,
        col(ChannelRegistration.site) == site))
    return int(result.rowcount) > 0


async def find(*, session: AsyncSession, platform: str, role: str, site: str) -> Registration | None:
    query = select(ChannelRegistration).where(
        ChannelRegistration.platform == platform, ChannelRegistration.role == role,
        ChannelRegistration.site == site)
    row = (await session.exec(query)).first()
    return _value(row) if row is not None else None


async def all_for(*, session: AsyncSession, platform: str | None = None) -> list[Registration]:
    """Every registration (of one platform), by role and site."""
    query = select(ChannelRegistration)
    if platform is not None:
        query = query.where(ChannelRegistration.platform == platform)
    rows = (await session.exec(query.order_by(col(ChannelRegistration.role), col(ChannelRegistration.site)))).all()
    return [_value(row) for row in rows]
