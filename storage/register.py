"""The register of customers no longer served (spec 8.5).

An entry holds the customer's keyed hash (how look-ups match), the reference itself
encrypted (shown only with ``haven register list --reveal``), the scope (a site id or
``all``), since, the review date, the incident ids and the approvers. Its audit log
(``register_events``) holds ids and kinds only, never a reference. Functions take an
open session and never commit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utc_naive
from storage.register_models import RegisterEntry, RegisterEvent

ACTIVE = "active"
LIFTED = "lifted"
ALL_SITES = "all"


def entry_id(entry: RegisterEntry | int) -> str:
    """The entry's human id: ``REG-000001``."""
    number = entry if isinstance(entry, int) else entry.id
    return f"REG-{number:06d}"


def parse_entry_id(text: str) -> int | None:
    """``REG-000001``, ``REG-1`` or ``1`` → 1; anything else → None."""
    raw = text.strip().upper().removeprefix("REG-")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None


async def register(
    *, session: AsyncSession, customer_hash: str, customer_ref: str, platform: str, scope: str,
    since: datetime, review_on: date, incident: str, approvers: list[str],
) -> tuple[RegisterEntry, bool]:
    """Put a customer on the register; an active entry for the same customer and scope
    gains the incident and approvers instead. Returns (entry, created)."""
    query = select(RegisterEntry).where(
        col(RegisterEntry.customer_hash) == customer_hash, col(RegisterEntry.state) == ACTIVE,
        col(RegisterEntry.scope).in_([scope, ALL_SITES]),
    ).with_for_update()
    existing = (await session.exec(query)).first()
    if existing is not None:
        existing.incidents = sorted({*existing.incidents, incident})
        existing.approvers = sorted({*existing.approvers, *approvers})
        session.add(existing)
        await session.flush()
        return existing, False
    entry = RegisterEntry(customer_hash=customer_hash, customer_ref=customer_ref, platform=platform, scope=scope,
                          since=utc_naive(since), review_on=review_on, incidents=[incident],
                          approvers=sorted(set(approvers)))
    session.add(entry)
    await session.flush()
    return entry, True


async def active_for(*, session: AsyncSession, customer_hash: str) -> list[RegisterEntry]:
    """Active entries for this customer, oldest first."""
    query = (select(RegisterEntry)
             .where(col(RegisterEntry.customer_hash) == customer_hash, col(RegisterEntry.state) == ACTIVE)
             .order_by(col(RegisterEntry.since), col(RegisterEntry.id)))
    return list((await session.exec(query)).all())


async def get_entry(*, session: AsyncSession, entry_id: int) -> RegisterEntry | None:
    """The entry with this id, or None."""
    return await session.get(RegisterEntry, entry_id)


async def list_entries(*, session: AsyncSession, include_lifted: bool = False) -> list[RegisterEntry]:
    """Entries, oldest first (lifted ones only when asked)."""
    query = select(RegisterEntry)
    if not include_lifted:
        query = query.where(col(RegisterEntry.state) == ACTIVE)
    return list((await session.exec(query.order_by(col(RegisterEntry.id)))).all())


async def propose(*, session: AsyncSession, entry_id: int, action: str, actor: str) -> bool:
    """Mark ``action`` (``extend`` | ``lift``) as waiting for a second HR member. True iff
    the entry was active with nothing pending (this call won)."""
    result = await session.exec(
        update(RegisterEntry)
        .where(and_(col(RegisterEntry.id) == entry_id, col(RegisterEntry.state) == ACTIVE,
                    col(RegisterEntry.pending).is_(None)))
        .values(pending=action, pending_by=actor)
    )
    return result.rowcount == 1


async def settle(*, session: AsyncSession, entry_id: int, action: str, values: dict[str, Any]) -> bool:
    """Clear the pending ``action`` and apply ``values``. True iff it was still pending."""
    result = await session.exec(
        update(RegisterEntry)
        .where(and_(col(RegisterEntry.id) == entry_id, col(RegisterEntry.state) == ACTIVE,
                    col(RegisterEntry.pending) == action))
        .values(pending=None, pending_by=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def lift_now(*, session: AsyncSession, entry_id: int, actor: str, at: datetime, reason: str | None) -> bool:
    """Lift an active entry at once (the administrators' break-glass). True iff it was active."""
    result = await session.exec(
        update(RegisterEntry)
        .where(and_(col(RegisterEntry.id) == entry_id, col(RegisterEntry.state) == ACTIVE))
        .values(state=LIFTED, lifted_at=utc_naive(at), lifted_by=actor, lift_reason=reason, pending=None,
                pending_by=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def log(*, session: AsyncSession, entry_id: int | None, kind: str, actor: str, at: datetime,
              detail: dict[str, Any] | None = None) -> None:
    """Audit a register action by ids (never a reference)."""
    session.add(RegisterEvent(entry_id=entry_id, kind=kind, actor=actor, at=utc_naive(at), detail=dict(detail or {})))
    await session.flush()


async def events_for(*, session: AsyncSession, entry_id: int | None = None) -> list[RegisterEvent]:
    """The register's audit log (of one entry, or all), oldest first."""
    query = select(RegisterEvent)
    if entry_id is not None:
        query = query.where(col(RegisterEvent.entry_id) == entry_id)
    return list((await session.exec(query.order_by(col(RegisterEvent.id)))).all())


async def purge_lifted(*, session: AsyncSession, cutoff: datetime) -> list[int]:
    """Delete entries lifted at or before ``cutoff`` with their log, and look-ups that
    matched no entry made before it; returns the deleted entries' ids."""
    query = select(RegisterEntry.id).where(col(RegisterEntry.state) == LIFTED,
                                           col(RegisterEntry.lifted_at) <= utc_naive(cutoff))
    ids = [i for i in (await session.exec(query)).all() if i is not None]
    if ids:
        await session.exec(delete(RegisterEvent).where(col(RegisterEvent.entry_id).in_(ids)))
        await session.exec(delete(RegisterEntry).where(col(RegisterEntry.id).in_(ids)))
    await session.exec(delete(RegisterEvent).where(col(RegisterEvent.entry_id).is_(None),
                                                   col(RegisterEvent.at) <= utc_naive(cutoff)))
    return ids
