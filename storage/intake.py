"""Bulk writes of new incidents (group commit): a batch of reports becomes a few
multi-row statements instead of one unit-of-work flush per object.

Like :mod:`storage.incidents`, every function takes an open ``session`` and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utc_naive
from storage.incident_models import Event, Incident

_INCIDENTS = Incident.metadata.tables["incidents"]
_EVENTS = Event.metadata.tables["events"]
_INCIDENT_COLUMNS = [c.key for c in _INCIDENTS.columns if c.key != "id"]


async def refs_by_intake_keys(*, session: AsyncSession, keys: Sequence[str]) -> dict[str, str]:
    """The refs of stored incidents created under these intake keys (key → ``INC-…``)."""
    if not keys:
        return {}
    query = select(Incident.intake_key, Incident.ref).where(col(Incident.intake_key).in_(list(keys)))
    return {key: ref for key, ref in (await session.exec(query)).all() if key}


async def insert_incidents(*, session: AsyncSession, incidents: Sequence[Incident]) -> None:
    """One multi-row ``INSERT … RETURNING id`` (SQLAlchemy Core: no unit of work); sets
    each incident's ``id``. The objects stay outside the session (plain values from here)."""
    if not incidents:
        return
    rows = [{name: getattr(incident, name) for name in _INCIDENT_COLUMNS} for incident in incidents]
    statement = insert(_INCIDENTS).returning(_INCIDENTS.c.id, _INCIDENTS.c.ref)
    ids = {ref: id_ for id_, ref in (await session.exec(statement, params=rows)).all()}
    for incident in incidents:
        incident.id = ids[incident.ref]


def event_row(
    *, incident_id: int, kind: str, actor: str, at: datetime, option: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The column values of a new audit event (for :func:`add_events`)."""
    return {"incident_id": incident_id, "kind": kind, "actor": actor, "option": option,
            "at": utc_naive(at), "detail": dict(detail or {})}


async def add_events(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Append many audit events (rows of :func:`event_row`) with one multi-row ``INSERT``."""
    if rows:
        await session.exec(insert(_EVENTS), params=list(rows))
