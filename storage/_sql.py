"""Small SQL helpers shared by the repositories (dialect-specific INSERT)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def dialect_name(session: AsyncSession) -> str:
    """``"sqlite"`` or ``"postgresql"`` for the engine the session is bound to."""
    bind = session.bind
    if bind is None:
        raise RuntimeError("session is not bound to an engine")
    return bind.dialect.name


def insert_ignoring_conflicts(session: AsyncSession, model: Any, **values: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` for the session's dialect.

    The row count of the result is 1 when the row was inserted and 0 when a unique key
    already existed; the surrounding transaction stays usable either way.
    """
    if dialect_name(session) == "postgresql":
        return postgresql.insert(model).values(**values).on_conflict_do_nothing()
    return sqlite.insert(model).values(**values).on_conflict_do_nothing()


def upsert(session: AsyncSession, model: Any, keys: list[str], **values: Any) -> Any:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` setting every non-key value."""
    module: Any = postgresql if dialect_name(session) == "postgresql" else sqlite
    statement = module.insert(model).values(**values)
    updates = {name: statement.excluded[name] for name in values if name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=updates)


async def compare_and_set(session: AsyncSession, model: Any, where: Any, values: dict[str, Any]) -> bool:
    """``UPDATE model SET values WHERE where``: True iff exactly one row matched (the caller won)."""
    result = await session.exec(update(model).where(where).values(**values))
    return int(result.rowcount) == 1
