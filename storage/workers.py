"""Heartbeats of the processes that send outbox rows (table ``workers``, wall time)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlmodel import col

from storage.db import Database, utc_naive
from storage.delivery_models import Worker

FORGET_AFTER = timedelta(days=1)  # heartbeat rows of workers gone this long are deleted


async def beat(*, db: Database, worker: str, now: datetime) -> None:
    """Say ``worker`` is alive at ``now`` (creates its row on the first beat), and forget
    workers silent for a day."""
    now = utc_naive(now)
    async with db.session() as session:
        result = await session.exec(update(Worker).where(col(Worker.id) == worker).values(beat_at=now))
        if not result.rowcount:
            await session.exec(insert(Worker).values(id=worker, started_at=now, beat_at=now))
        await session.exec(delete(Worker).where(col(Worker.beat_at) < now - FORGET_AFTER))
        await session.commit()


async def retire(*, db: Database, worker: str) -> None:
    """A clean stop: ``worker`` holds nothing any more."""
    async with db.session() as session:
        await session.exec(delete(Worker).where(col(Worker.id) == worker))
        await session.commit()
