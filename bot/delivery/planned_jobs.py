"""Planning many new incidents' jobs with one multi-row ``INSERT``.

:func:`bot.flows.escalation.plan_on_report` and :func:`bot.flows.followups.plan_checkins` schedule
one job per ``storage.schedule.schedule`` call, each an ``INSERT … ON CONFLICT DO
NOTHING`` of one row. For incidents created in the same transaction (group commit),
:class:`PlannedJobs` stands in for the session: it collects those single-row inserts
into ``jobs`` and writes them as one statement at :meth:`flush`. Any other statement
first flushes what was collected, then runs on the real session, so order is kept.

A collected insert reports one row inserted: the keys of a new incident's jobs start
with its new, never reused ``INC-…`` id, so they cannot exist yet; :meth:`flush`
checks that every row was indeed inserted and raises otherwise (the caller's
transaction then fails as a whole instead of losing a job silently).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter
from sqlmodel.ext.asyncio.session import AsyncSession

from storage._sql import dialect_name
from storage.models import Job

JOBS = Job.__table__  # type: ignore[attr-defined]


class _Inserted:
    rowcount = 1


class PlannedJobs:
    """A session stand-in that batches single-row inserts into ``jobs``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    async def exec(self, statement: Any, **kwargs: Any) -> Any:
        row = _single_job_row(statement, kwargs)
        if row is not None:
            self._rows.append(row)
            return _Inserted()
        await self.flush()
        return await self._session.exec(statement, **kwargs)

    async def flush(self) -> None:
        """Write the collected rows (one statement); every one must be new."""
        rows, self._rows = self._rows, []
        if not rows:
            return
        module: Any
        if dialect_name(self._session) == "postgresql":
            from sqlalchemy.dialects import postgresql as module
        else:
            from sqlalchemy.dialects import sqlite as module
        statement = module.insert(JOBS).on_conflict_do_nothing().returning(JOBS.c.id)
        inserted = len((await self._session.exec(statement, params=rows)).all())  # one multi-row INSERT
        if inserted != len(rows):
            raise RuntimeError(f"planned {len(rows)} jobs, {inserted} were new")


def _single_job_row(statement: Any, kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """The values of a one-row insert into ``jobs`` (as parameters or in the statement)."""
    if not isinstance(statement, Insert) or getattr(statement.table, "name", None) != JOBS.name:
        return None
    params = kwargs.get("params")
    if set(kwargs) == {"params"} and isinstance(params, Mapping) and not statement._values:  # noqa: SLF001
        return dict(params)
    if kwargs:
        return None
    values = statement._values  # noqa: SLF001 - compiling instead costs ~0.4 ms a job
    if not values or statement._multi_values or statement._select_names:  # noqa: SLF001
        return None
    row: dict[str, Any] = {}
    for column, bound in values.items():
        if not isinstance(bound, BindParameter) or bound.callable is not None:
            return None  # an SQL expression: let the real session run it
        row[column if isinstance(column, str) else column.key] = bound.value
    return row
