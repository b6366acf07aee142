"""Outbox rows folded into digests (see :mod:`bot.delivery.digests` for the why).

A folded alert row is in state ``digested`` with ``sent_ref = {"digest": <digest id>}``.
Functions taking ``session`` never commit; those taking ``db`` run their own transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database, utc_naive
from storage.delivery_models import OutboxMessage
from storage.incident_models import Incident
from storage.outbox import HELD, PENDING

DIGESTED = "digested"
HELD_BATCH = 5000  # held rows folded per round at most


async def take_for_digest(*, session: AsyncSession, message_id: int, worker: str) -> bool:
    """Move a row ``worker`` still holds (``sending``) to ``digested``; True iff it did."""
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.state) == "sending",
               col(OutboxMessage.claimed_by) == worker)
        .values(state=DIGESTED, lease_until=None)
    )
    return bool(result.rowcount)


async def held_due(*, session: AsyncSession, now: datetime) -> list[tuple[OutboxMessage, str]]:
    """Held rows (a flood's alerts) due now, each with its incident's reporter, oldest first."""
    query = (
        select(OutboxMessage, Incident.reporter_id)
        .join(Incident, col(Incident.id) == col(OutboxMessage.incident_id))
        .where(col(OutboxMessage.state) == PENDING, col(OutboxMessage.priority) == HELD,
               col(OutboxMessage.due_at) <= utc_naive(now))
        .order_by(col(OutboxMessage.id))
        .limit(HELD_BATCH)
    )
    return [(row, reporter) for row, reporter in (await session.exec(query)).all()]


async def take_held(*, session: AsyncSession, message_ids: Sequence[int]) -> list[int]:
    """Move held rows still ``pending`` to ``digested``; returns the ids moved, so a row
    another worker folded meanwhile is never listed twice."""
    if not message_ids:
        return []
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(list(message_ids)), col(OutboxMessage.state) == "pending")
        .values(state=DIGESTED, lease_until=None)
        .returning(col(OutboxMessage.id))
    )
    return [int(message_id) for message_id in result.scalars().all()]


async def point_at_digest(*, session: AsyncSession, message_ids: Sequence[int], digest_id: int,
                          at: datetime) -> None:
    """Record which digest the taken rows went out in."""
    await session.exec(
        update(OutboxMessage).where(col(OutboxMessage.id).in_(list(message_ids)))
        .values(sent_ref={"digest": digest_id}, sent_at=utc_naive(at))
    )


async def digested_alerts(*, session: AsyncSession, refs: Collection[str]) -> list[OutboxMessage]:
    """The ``digested`` rows of the incidents with these refs (of any digest)."""
    query = select(OutboxMessage).join(Incident, col(Incident.id) == col(OutboxMessage.incident_id)).where(
        col(Incident.ref).in_(list(refs)), col(OutboxMessage.state) == DIGESTED)
    return list((await session.exec(query)).all())


async def posted_on_its_own(*, db: Database, message_id: int, ref: dict[str, Any]) -> None:
    """A digested alert got its own post (an update came): it is ``sent`` with that post's ref."""
    async with db.session() as session:
        await session.exec(
            update(OutboxMessage).where(col(OutboxMessage.id) == message_id).values(state="sent", sent_ref=dict(ref))
        )
        await session.commit()


async def dead_with_digest(*, session: AsyncSession, message_id: int, digest_id: int, error: str,
                           at: datetime) -> None:
    """A folded alert dies with its digest (dead-lettered)."""
    await session.exec(
        update(OutboxMessage).where(col(OutboxMessage.id) == message_id)
        .values(state="dead", dead_at=utc_naive(at), last_error=f"digest {digest_id}: {error}"[:200])
    )
