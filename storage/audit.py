"""The tamper-evident audit trail: a SHA-256 hash chain per incident (spec 8.4).

Each event stores ``hash = SHA-256(previous hash + canonical content)`` and its
position ``seq``; the incident stores the newest hash (``chain_head``) and the number
of events (``event_count``), so editing, re-ordering, moving or deleting any event,
the last one included, breaks the chain.

What the hash covers: the event's ids-only content — the incident's human id, the
position, kind, actor, option, time (UTC, microseconds) and the ``detail`` ids — as
canonical JSON (sorted keys, no spaces, UTF-8). The chained content never holds free
text nor ciphertext, so the chain needs no key: key rotation, re-encryption and
re-hashing of customer references leave it valid, and ``haven audit verify`` runs
without a key. The one free text of the trail, a re-triage note, is the event's
encrypted ``note`` column, outside the hash (its ``detail`` says ``"note": true``).
The report's text is protected by Fernet's authentication and kept as versions
(:mod:`storage.versions`), whose numbers, authors and times the ``details_added``
events carry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlalchemy.orm import QueryableAttribute, load_only
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utc_naive
from storage.incident_models import Event, Incident

GENESIS = ""
# What verifying reads of an event and of an incident: never an encrypted column, so no key is needed.
CHAINED: tuple[QueryableAttribute[Any], ...] = tuple(
    getattr(Event, name) for name in ("id", "incident_id", "seq", "kind", "actor", "option", "at", "detail", "hash"))
HEAD: tuple[QueryableAttribute[Any], ...] = tuple(
    getattr(Incident, name) for name in ("id", "ref", "event_count", "chain_head"))


def canonical(*, ref: str, seq: int, kind: str, actor: str, option: str | None, at: datetime,
              detail: dict[str, Any] | None) -> str:
    """The canonical form of one event's content (what the hash covers)."""
    body = {
        "incident": ref, "seq": seq, "kind": kind, "actor": actor, "option": option,
        "at": utc_naive(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "detail": detail or {},
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(previous: str | None, content: str) -> str:
    """``SHA-256(previous hash + canonical content)`` as hex."""
    return hashlib.sha256(((previous or GENESIS) + content).encode("utf-8")).hexdigest()


def first_event(*, incident_id: int, ref: str, kind: str, actor: str, at: datetime,
                option: str | None = None, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """The row of an incident's first event (for multi-row inserts at intake); the
    incident's ``chain_head`` must be set to its ``hash`` and ``event_count`` to 1."""
    content = canonical(ref=ref, seq=1, kind=kind, actor=actor, option=option, at=at, detail=detail)
    return {"incident_id": incident_id, "kind": kind, "actor": actor, "option": option,
            "at": utc_naive(at), "detail": dict(detail or {}), "seq": 1, "hash": link(GENESIS, content)}


def next_event(*, incident_id: int, ref: str, count: int, head: str | None, kind: str, actor: str,
               at: datetime, option: str | None = None, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """The row of the event that follows ``count`` events ending in ``head`` (for
    multi-row inserts of a locked incident's events); its ``seq`` and ``hash`` are the
    incident's new ``event_count`` and ``chain_head``."""
    seq = count + 1
    content = canonical(ref=ref, seq=seq, kind=kind, actor=actor, option=option, at=at, detail=detail)
    return {"incident_id": incident_id, "kind": kind, "actor": actor, "option": option,
            "at": utc_naive(at), "detail": dict(detail or {}), "seq": seq, "hash": link(head, content)}


async def append_event(
    *,
    session: AsyncSession,
    incident_id: int,
    kind: str,
    actor: str,
    at: datetime,
    option: str | None = None,
    detail: dict[str, Any] | None = None,
    note: str | None = None,
) -> Event:
    """Append an event to the incident's chain (ids and kinds only; free text only as
    ``note``, encrypted and outside the hash).

    The first statement increments the incident's event count, which locks its row
    until the caller commits (SQLite: the one writer), so concurrent appends queue."""
    bumped = await session.exec(
        update(Incident).where(col(Incident.id) == incident_id)
        .values(event_count=Incident.event_count + 1)
        .returning(col(Incident.event_count), col(Incident.chain_head), col(Incident.ref))
        .execution_options(synchronize_session=False)
    )
    seq, previous, ref = bumped.one()
    content = canonical(ref=ref, seq=seq, kind=kind, actor=actor, option=option, at=at, detail=detail)
    digest = link(previous, content)
    await session.exec(
        update(Incident).where(col(Incident.id) == incident_id).values(chain_head=digest)
        .execution_options(synchronize_session=False)
    )
    event = Event(incident_id=incident_id, kind=kind, actor=actor, at=utc_naive(at), option=option,
                  detail=dict(detail or {}), seq=seq, hash=digest, note=note)
    session.add(event)
    await session.flush()
    return event


def append_loaded(*, session: AsyncSession, incident: Incident, kind: str, actor: str, at: datetime,
                  option: str | None = None, detail: dict[str, Any] | None = None) -> Event:
    """:func:`append_event` for an incident loaded and locked in this session
    (``storage.schedule.lock_incident[s]``), without a statement: the chain advances in
    memory and the caller's next flush writes the event and the incident's new head
    together (the sweeper queues a burst of check-ins with one flush)."""
    assert incident.id is not None
    seq = incident.event_count + 1
    content = canonical(ref=incident.ref, seq=seq, kind=kind, actor=actor, option=option, at=at, detail=detail)
    digest = link(incident.chain_head, content)
    incident.event_count, incident.chain_head = seq, digest
    session.add(incident)
    event = Event(incident_id=incident.id, kind=kind, actor=actor, at=utc_naive(at), option=option,
                  detail=dict(detail or {}), seq=seq, hash=digest)
    session.add(event)
    return event


@dataclass(frozen=True)
class Break:
    """Where a chain breaks: the incident, the event position, and why."""

    ref: str
    seq: int
    reason: str


def check_chain(incident: Incident, events: list[Event]) -> Break | None:
    """Recompute one incident's chain; the first break, or None when it holds."""
    previous: str | None = GENESIS
    expected = 1
    for event in events:
        if event.seq != expected:
            return Break(incident.ref, expected, "missing event" if (event.seq or 0) > expected else "out of order")
        content = canonical(ref=incident.ref, seq=expected, kind=event.kind, actor=event.actor,
                            option=event.option, at=event.at, detail=event.detail)
        digest = link(previous, content)
        if digest != event.hash:
            return Break(incident.ref, expected, "content changed")
        previous, expected = digest, expected + 1
    if incident.event_count != expected - 1:
        return Break(incident.ref, expected, f"{incident.event_count - expected + 1} event(s) deleted at the end"
                     if incident.event_count > expected - 1 else "event count too low")
    if (incident.chain_head or GENESIS) != (previous or GENESIS):
        return Break(incident.ref, max(expected - 1, 1), "head hash differs")
    return None


async def verify_incident(*, session: AsyncSession, incident: Incident) -> Break | None:
    """Check one incident's chain (e.g. for an evidence pack): the first break, or None."""
    assert incident.id is not None
    query = select(Event).where(Event.incident_id == incident.id).order_by(col(Event.seq), col(Event.id))
    return check_chain(incident, list((await session.exec(query)).all()))


async def verify(*, session: AsyncSession) -> tuple[int, Break | None]:
    """Check every incident's chain, oldest first: (incidents checked, first break)."""
    ids = (await session.exec(select(Incident.id).order_by(col(Incident.id)))).all()
    checked = 0
    for incident_id in ids:
        heads = select(Incident).options(load_only(*HEAD)).where(col(Incident.id) == incident_id)
        incident = (await session.exec(heads)).first()  # no encrypted column: no key needed
        if incident is None:
            continue
        checked += 1
        query = (select(Event).options(load_only(*CHAINED))  # never the encrypted note: no key needed
                 .where(Event.incident_id == incident_id).order_by(col(Event.seq), col(Event.id)))
        found = check_chain(incident, list((await session.exec(query)).all()))
        session.expunge_all()  # keep memory flat on large databases
        if found is not None:
            return checked, found
    return checked, None
