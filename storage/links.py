"""Conversation references (where to reach someone later) and inbound de-duplication."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage._sql import insert_ignoring_conflicts, upsert
from storage.db import utc_naive
from storage.delivery_models import ConversationRef, Dedup


async def save_ref(
    *, session: AsyncSession, platform: str, key: str, data: dict[str, Any], at: datetime
) -> None:
    """Store (or replace) the reference ``key`` on ``platform``, e.g. ``channel:supervisors``."""
    statement = upsert(
        session, ConversationRef, ["platform", "key"],
        platform=platform, key=key, data=dict(data), updated_at=utc_naive(at),
    )
    await session.exec(statement)


async def load_ref(*, session: AsyncSession, platform: str, key: str) -> dict[str, Any] | None:
    """The stored reference data, or None."""
    query = select(ConversationRef.data).where(
        ConversationRef.platform == platform, ConversationRef.key == key
    )
    data = (await session.exec(query)).first()
    return dict(data) if data is not None else None


async def first_delivery(*, session: AsyncSession, key: str, at: datetime) -> bool:
    """True the first time ``key`` (an event id, trigger id, activity id…) is seen.

    Atomic (``INSERT … ON CONFLICT DO NOTHING``); the key is kept once the caller commits,
    so roll back to let a failed delivery be retried.
    """
    statement = insert_ignoring_conflicts(session, Dedup, key=key, at=utc_naive(at))
    return int((await session.exec(statement)).rowcount) == 1


async def prune_deliveries(*, session: AsyncSession, before: datetime) -> int:
    """Forget de-duplication keys seen before ``before``; returns how many."""
    result = await session.exec(delete(Dedup).where(col(Dedup.at) < utc_naive(before)))
    return int(result.rowcount)
