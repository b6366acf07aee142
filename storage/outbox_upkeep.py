"""The outbox's reads and upkeep: look-ups and counts, the watchdog's rescue of rows left
in ``sending`` (an expired lease, a dead worker), and the purge's payload rewrite.

Queueing, claiming and finishing a row (and its states) are in :mod:`storage.outbox`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal_column, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database, utc_naive
from storage.delivery_models import OutboxMessage, Worker
from storage.outbox import PENDING

# A literal, not a parameter, so SQLite and PostgreSQL can prove the partial index
# ``ix_outbox_leases`` (``WHERE state = 'sending'``) covers the rescue.
_SENDING: Any = literal_column("'sending'")


async def rewrite_payload(
    *, session: AsyncSession, message_id: int, payload: str, detach: bool = False
) -> None:
    """Replace a row's payload (purge); ``detach`` also forgets its incident."""
    values: dict[str, Any] = {"payload": payload}
    if detach:
        values["incident_id"] = None
    await session.exec(update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(**values))


async def rescue_expired(*, db: Database, now: datetime) -> int:
    """Return messages whose lease ran out (a worker died mid-send) to ``pending``."""
    async with db.session() as session:
        result = await session.exec(_expired(now))
        await session.commit()
    return int(result.rowcount)


def _expired(now: datetime) -> Any:
    return (
        update(OutboxMessage)
        .where(col(OutboxMessage.state) == _SENDING, col(OutboxMessage.lease_until) < utc_naive(now))
        .values(state="pending", lease_until=None, claimed_by=None)
    )


def _orphaned(now: datetime, stale: timedelta) -> Any:
    alive = select(Worker.id).where(col(Worker.beat_at) >= utc_naive(now) - stale)
    return (
        update(OutboxMessage)
        .where(col(OutboxMessage.state) == "sending", col(OutboxMessage.claimed_by).not_in(alive))
        .values(state="pending", lease_until=None, claimed_by=None)
    )


async def rescue_orphaned(*, db: Database, now: datetime, stale: timedelta) -> int:
    """Return to ``pending`` the rows held by workers whose heartbeat is older than
    ``stale`` (or who never had one): they died mid-send, whatever their lease says."""
    async with db.session() as session:
        result = await session.exec(_orphaned(now, stale))
        await session.commit()
    return int(result.rowcount)


async def rescue_stuck(*, db: Database, now: datetime, stale: timedelta) -> tuple[int, int]:
    """:func:`rescue_expired` and :func:`rescue_orphaned` in one transaction (the
    watchdog's, every tick: one write lock, not two); returns both counts."""
    async with db.session() as session:
        expired = await session.exec(_expired(now))
        orphaned = await session.exec(_orphaned(now, stale))
        await session.commit()
    return int(expired.rowcount), int(orphaned.rowcount)


async def get_message(*, session: AsyncSession, message_id: int) -> OutboxMessage | None:
    """The outbox row with this id, or None."""
    return await session.get(OutboxMessage, message_id)


async def messages_for(*, session: AsyncSession, incident_id: int) -> list[OutboxMessage]:
    """The incident's outbox rows in the order they were queued."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.incident_id == incident_id)
        .order_by(col(OutboxMessage.id))
    )
    return list((await session.exec(query)).all())


async def posts_of_kind(*, session: AsyncSession, kind: str) -> list[OutboxMessage]:
    """Every ``post`` row of this kind (e.g. the digests, which belong to no incident)."""
    query = select(OutboxMessage).where(col(OutboxMessage.kind) == kind, col(OutboxMessage.op) == "post")
    return list((await session.exec(query)).all())


async def pending_count(*, db: Database) -> int:
    """How many rows are in state ``pending`` (due or not)."""
    async with db.session() as session:
        query = select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.state) == PENDING)
        return int((await session.exec(query)).one())


async def next_due(*, db: Database) -> datetime | None:
    """The earliest ``due_at`` of a pending row, or None when nothing is pending."""
    async with db.session() as session:
        query = select(func.min(OutboxMessage.due_at)).where(col(OutboxMessage.state) == PENDING)
        return (await session.exec(query)).one()

