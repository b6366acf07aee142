"""Exactly-once claims of due rows, shared by the outbox and the job table.

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` picks rows no other worker holds, then
one ``UPDATE`` claims them. SQLite ignores ``SKIP LOCKED``; there the transaction starts
with ``BEGIN IMMEDIATE`` (see :mod:`storage.db`), so claims are serialised, and the
``UPDATE`` is conditional anyway (``… AND state = 'pending'``), so a row another worker
claimed first is never returned twice. Both paths return only rows this call changed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import col, select

from storage.db import Database

Row = TypeVar("Row")


async def claim(
    db: Database,
    model: type[Row],
    where: list[Any],
    order: list[Any],
    limit: int,
    values: dict[str, Any],
) -> list[Row]:
    """Claim up to ``limit`` rows of ``model`` matching ``where`` (state must be 'pending')."""
    table: Any = model
    async with db.session() as session:
        query = select(table.id).where(*where).order_by(*order).limit(limit)
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=table)
        ids = list((await session.exec(query)).all())
        if not ids:
            await session.rollback()
            return []
        statement = (
            update(table)
            .where(col(table.id).in_(ids), col(table.state) == "pending")
            .values(**values)
            .returning(table)
            .execution_options(synchronize_session=False)
        )
        rows = list((await session.exec(statement)).scalars().all())
        await session.commit()
    rows.sort(key=lambda row: ids.index(row.id))
    return rows
