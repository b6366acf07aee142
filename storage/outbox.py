"""The outbox: messages to send, committed with the change that caused them.

States: ``pending`` → ``sending`` (claimed, leased) → ``sent`` | ``dead``; a retry goes
back to ``pending`` with a later ``due_at``; an expired lease is rescued to ``pending``.
Order is kept per incident and destination: a row is claimable only when no earlier row
(smaller id) of the same incident and the same destination (audience and user id), nor
the post it replies to or updates (``reply_to``), is ``pending`` or ``sending``. So an
alert goes out before its updates and thread replies, while a supervisors' alert stuck
in retries never holds back the reporter's DMs about the same incident. Sent and dead
rows do not block, and rows without an incident are independent, so one incident stuck
in retries never holds back another's alerts.

Here: queueing, claiming and finishing rows. Look-ups, counts, the rescue of stuck rows
and the purge's rewrite are in :mod:`storage.outbox_upkeep`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, literal_column, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage._claim import claim
from storage.db import Database, utc_naive
from storage.delivery_models import OutboxMessage

_ERROR_LIMIT = 500
_OUTBOX = OutboxMessage.metadata.tables["outbox"]
# Claim priorities, served lowest first (the rules: bot.delivery.priority).
URGENT, DIRECT, NORMAL, HELD = 0, 1, 2, 3
# A literal, not a parameter, so SQLite and PostgreSQL can prove the partial index
# ``ix_outbox_pending`` (``WHERE state = 'pending'``) covers the claim.
PENDING: Any = literal_column("'pending'")


def message_row(
    *,
    incident_id: int | None,
    platform: str,
    kind: str,
    audience: str,
    payload: str,
    due_at: datetime,
    op: str = "post",
    user_id: str | None = None,
    reply_to: int | None = None,
    created_at: datetime | None = None,
    priority: int = NORMAL,
    site: str | None = None,
) -> dict[str, Any]:
    """The column values of a new outbox row (for :func:`enqueue_many`)."""
    return {
        "incident_id": incident_id, "platform": platform, "kind": kind, "op": op,
        "audience": audience, "site": site, "user_id": user_id, "reply_to": reply_to, "payload": payload,
        "state": "pending", "due_at": utc_naive(due_at), "attempts": 0,
        "created_at": utc_naive(created_at or due_at), "priority": priority,
    }


async def enqueue(
    *,
    session: AsyncSession,
    incident_id: int | None,
    platform: str,
    kind: str,
    audience: str,
    payload: str,
    due_at: datetime,
    op: str = "post",
    user_id: str | None = None,
    reply_to: int | None = None,
    created_at: datetime | None = None,
    flush: bool = True,
    priority: int = NORMAL,
    site: str | None = None,
) -> OutboxMessage:
    """Queue a message in the caller's transaction (flushed: ``id`` is set on return).

    ``flush=False`` only adds the row: for callers that queue many rows and flush once;
    its ``id`` is set at their flush."""
    message = OutboxMessage(**message_row(
        incident_id=incident_id, platform=platform, kind=kind, audience=audience, payload=payload,
        due_at=due_at, op=op, user_id=user_id, reply_to=reply_to, created_at=created_at, priority=priority,
        site=site))
    session.add(message)
    if flush:
        await session.flush()
    return message


async def enqueue_many(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Queue many messages (rows of :func:`message_row`) in the caller's transaction with
    one multi-row ``INSERT`` (SQLAlchemy Core; payloads are encrypted all the same)."""
    if rows:
        await session.exec(insert(_OUTBOX), params=list(rows))


def _claimable(now: datetime) -> list[Any]:
    earlier = aliased(OutboxMessage)
    same_destination = (col(earlier.audience) == col(OutboxMessage.audience)) & col(
        earlier.user_id).is_not_distinct_from(col(OutboxMessage.user_id))
    blocked = (
        select(earlier.id)
        .where(
            col(earlier.incident_id) == col(OutboxMessage.incident_id),
            col(earlier.id) < col(OutboxMessage.id),
            col(earlier.state).in_(["pending", "sending"]),
            same_destination | (col(earlier.id) == col(OutboxMessage.reply_to)),
        )
        .exists()
    )
    return [
        col(OutboxMessage.state) == PENDING,
        col(OutboxMessage.priority) < HELD,  # held rows are folded, never claimed one by one
        col(OutboxMessage.due_at) <= now,
        col(OutboxMessage.incident_id).is_(None) | ~blocked,
    ]


async def claim_messages(
    *, db: Database, now: datetime, worker: str, lease: timedelta, limit: int = 50
) -> list[OutboxMessage]:
    """Claim due messages for sending (own transaction), most urgent first, then oldest due.
    Each row is claimed exactly once."""
    now = utc_naive(now)
    return await claim(
        db,
        OutboxMessage,
        _claimable(now),
        [col(OutboxMessage.priority), col(OutboxMessage.due_at), col(OutboxMessage.id)],
        limit,
        {
            "state": "sending",
            "lease_until": now + lease,
            "claimed_by": worker,
            "attempts": OutboxMessage.attempts + 1,
        },
    )


def _held(message_id: int, worker: str | None) -> list[Any]:
    """The row is still this worker's claim: ``sending`` and (given a worker) claimed by it.

    A worker whose lease expired may finish late, after the row was rescued and claimed
    (and perhaps sent) by another: its result must then change nothing."""
    where = [col(OutboxMessage.id) == message_id, col(OutboxMessage.state) == "sending"]
    if worker is not None:
        where.append(col(OutboxMessage.claimed_by) == worker)
    return where


async def _set(db: Database, where: list[Any], values: dict[str, Any]) -> bool:
    async with db.session() as session:
        result = await session.exec(update(OutboxMessage).where(*where).values(**values))
        await session.commit()
    return bool(result.rowcount)


def _sent_values(ref: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {"state": "sent", "sent_ref": dict(ref), "sent_at": utc_naive(at), "lease_until": None}


async def mark_sent(
    *, db: Database, message_id: int, ref: dict[str, Any], at: datetime, worker: str | None = None
) -> bool:
    """Record a delivery and the platform's reference to the post (ts, activity id…).

    Applies only while the row is ``sending`` (and claimed by ``worker`` when given);
    returns whether it did."""
    return await _set(db, _held(message_id, worker), _sent_values(ref, at))


async def mark_sent_many(
    *, db: Database, sent: Sequence[tuple[int, dict[str, Any]]], at: datetime, worker: str
) -> set[int]:
    """:func:`mark_sent` for many rows, in one transaction of two statements (the state of
    every row ``worker`` still holds, then each one's reference); returns the ids applied."""
    refs = {message_id: ref for message_id, ref in sent}
    if not refs:
        return set()
    table = _OUTBOX
    async with db.session() as session:
        result = await session.exec(
            update(table)
            .where(table.c.id.in_(list(refs)), table.c.state == "sending", table.c.claimed_by == worker)
            .values(state="sent", sent_at=utc_naive(at), lease_until=None)
            .returning(table.c.id)
        )
        applied = {int(message_id) for message_id in result.scalars().all()}
        if applied:
            await session.exec(
                update(table).where(table.c.id == bindparam("message_id")).values(sent_ref=bindparam("ref")),
                params=[{"message_id": message_id, "ref": dict(refs[message_id])} for message_id in applied],
            )
        await session.commit()
    return applied


async def mark_retry(
    *, db: Database, message_id: int, due_at: datetime, error: str, worker: str | None = None
) -> bool:
    """Put the message back to ``pending`` until ``due_at`` (``error``: a code, no user text).

    Applies only while the row is ``sending`` (and claimed by ``worker`` when given), so a
    late retry never turns a row another worker re-claimed or sent back to ``pending``."""
    return await _set(
        db, _held(message_id, worker),
        {"state": "pending", "due_at": utc_naive(due_at), "lease_until": None,
         "last_error": error[:_ERROR_LIMIT]},
    )


async def mark_dead(
    *, db: Database, message_id: int, error: str, at: datetime, worker: str | None = None
) -> OutboxMessage | None:
    """Give up on the message (dead letter) and return the updated row, or None when the
    row is no longer ``sending`` (claimed by ``worker`` when given): nothing changed then."""
    async with db.session() as session:
        result = await session.exec(
            update(OutboxMessage)
            .where(*_held(message_id, worker))
            .values(state="dead", last_error=error[:_ERROR_LIMIT], dead_at=utc_naive(at),
                    lease_until=None)
        )
        message = await session.get(OutboxMessage, message_id, populate_existing=True)
        await session.commit()
    if message is None:
        raise LookupError(f"outbox message {message_id} does not exist")
    return message if result.rowcount else None


async def release(*, db: Database, held: Sequence[tuple[int, str | None, datetime]]) -> None:
    """Give claimed rows back (pacing, not failure): ``pending`` until each one's due time,
    the attempt uncounted. ``held`` is ``(id, worker, due_at)``; one statement for all, and a
    row another worker holds now is left alone."""
    if not held:
        return
    table = _OUTBOX
    async with db.session() as session:
        await session.exec(
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.state == "sending",
                   table.c.claimed_by == bindparam("worker"))
            .values(state="pending", due_at=bindparam("due"), lease_until=None, claimed_by=None,
                    attempts=table.c.attempts - 1),
            params=[{"row_id": row_id, "worker": worker, "due": utc_naive(due)} for row_id, worker, due in held],
        )
        await session.commit()
