"""Exactly-once claims of due rows, shared by the outbox and the job table.

PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` picks rows no other worker holds, then
one ``UPDATE`` claims them. SQLite ignores ``SKIP LOCKED``; there the transaction starts
with ``BEGIN IMMEDIATE`` (see :mod:`storage.db`), so claims are serialised, and the
``UPDATE`` is conditional anyway (``… AND state = 'pending'``), so a row another worker
claimed first is never returned twice. Both paths return only rows this call changed.

Claims commit without waiting for PostgreSQL's WAL flush (:func:`relax_commit`): a claim
lost to a crash of the database server only returns its rows to ``pending``. Nothing
else depends on a claim being durable: a job's effects commit with its compare-and-set
finish (``claimed_by = worker AND state = 'claimed'``), which fails for a claim that was
lost, and an outbox row whose claim was lost is sent again (delivery is at least once).
Visibility and locks are unchanged, so a claim is still exactly once between workers.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import update
from sqlmodel import col, select

from storage.db import Database

Row = TypeVar("Row")


async def relax_commit(connection: Any) -> None:
    """PostgreSQL: this transaction's commit does not wait for the WAL flush
    (``SET LOCAL synchronous_commit TO OFF``, about one disk flush less per claim)."""
    if connection.dialect.name == "postgresql":
        await connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


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
        await relax_commit(await session.connection())
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
