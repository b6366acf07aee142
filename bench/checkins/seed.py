"""Seed a database with pending check-ins, fast (bulk inserts through the storage tables)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert

from storage.db import Database
from storage.migrate import upgrade
from storage.delivery_models import Job
from storage.incident_models import Incident

CHUNK = 5_000
PER_INCIDENT = 3


async def seed(db: Database, *, checkins: int, bursts: list[tuple[datetime, int]], now: datetime,
               platform: str) -> None:
    """``checkins`` pending check-ins, ``PER_INCIDENT`` per incident. Each burst
    ``(when, count)`` makes ``count`` of them (distinct incidents) fall due together at
    ``when``; the rest fall due between 1 and 30 days after ``now``."""
    await upgrade(db)
    incidents = -(-checkins // PER_INCIDENT)
    for start in range(0, incidents, CHUNK):
        rows = [_incident(i, now, platform) for i in range(start, min(incidents, start + CHUNK))]
        async with db.session() as session:
            await session.exec(insert(Incident), params=rows)  # type: ignore[call-overload]
            await session.commit()
    ids = await _incident_ids(db)
    jobs = []
    for n in range(checkins):
        incident_id = ids[n % len(ids)]
        step = n // len(ids) + 1
        due = _burst(n, bursts) or now + timedelta(days=1 + n % 30, seconds=n % 3600)
        jobs.append({"incident_id": incident_id, "kind": "checkin", "key": f"bench:{incident_id}:checkin:{step}",
                     "due_at": due, "state": "pending", "attempts": 0, "payload": {"step": step}})
    for start in range(0, len(jobs), CHUNK):
        async with db.session() as session:
            await session.exec(insert(Job), params=jobs[start:start + CHUNK])  # type: ignore[call-overload]
            await session.commit()


def _burst(n: int, bursts: list[tuple[datetime, int]]) -> datetime | None:
    for when, count in bursts:
        if n < count:
            return when
        n -= count
    return None


def _incident(i: int, now: datetime, platform: str) -> dict[str, object]:
    return {
        "ref": f"INC-2026-{i + 1:06d}", "platform": platform, "reporter_id": f"U{i:07d}",
        "reporter_locale": "en", "share_name": True, "category": "other", "severity": "normal",
        "flags": [], "status": "resolved", "reported_at": now - timedelta(days=1), "resolved_at": now,
        "policy_version": "bench", "policy_snapshot": {}, "legal_hold": False, "version": 0,
    }


async def _incident_ids(db: Database) -> list[int]:
    from sqlmodel import col, select

    async with db.session() as session:
        return list((await session.exec(select(Incident.id).order_by(col(Incident.id)))).all())  # type: ignore[arg-type]
