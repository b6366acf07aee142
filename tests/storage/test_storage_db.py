"""The engine: SQLite settings, one writer under load, URLs, links and de-duplication."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from tests.storage._storage_support import T0, MakeIncident
from sqlalchemy import text

from storage import incidents
from storage import links
from storage.db import Database
from storage.migrate import upgrade
from storage.incident_models import Event, Incident


def test_database_does_no_io_and_resolves_relative_sqlite_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = Database("sqlite+aiosqlite:///relative/haven.db")
    assert db.sqlite_path == tmp_path / "relative" / "haven.db"
    assert db.sqlite_path.is_absolute() and not (tmp_path / "relative").exists()
    assert db.dialect == "sqlite" and str(tmp_path) in db.url
    pg = Database("postgresql+asyncpg://haven:s3cret@db.invalid/haven")
    assert pg.sqlite_path is None and pg.dialect == "postgresql"
    assert "s3cret" not in pg.safe_url and "s3cret" not in repr(pg)


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        Database("mysql+aiomysql://x@localhost/haven")


async def test_ping(db: Database) -> None:
    assert await db.ping()
    broken = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    try:
        assert not await broken.ping(timeout=2)
    finally:
        await broken.dispose()


async def test_sqlite_connection_settings(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    try:
        async with db.engine.connect() as conn:
            values = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "busy_timeout", "synchronous", "secure_delete",
                             "foreign_keys")
            }
    finally:
        await db.dispose()
    assert values == {"journal_mode": "wal", "busy_timeout": 5000, "synchronous": 1,
                      "secure_delete": 1, "foreign_keys": 1}


async def test_sixteen_concurrent_writers_all_commit(db: Database) -> None:
    async def writer(n: int) -> float:
        started = time.perf_counter()
        for _ in range(5):
            async with db.session() as session:
                ref = await incidents.next_ref(session=session, year=2026)
                await incidents.add_incident(session=session, incident=Incident(
                    ref=ref, platform="slack", reporter_id=f"U{n}", category="other",
                    severity="normal", reported_at=T0, policy_version="v"))
                await session.commit()
        return time.perf_counter() - started

    await asyncio.gather(*(writer(n) for n in range(16)))
    async with db.session() as session:
        rows = await incidents.list_incidents(session=session)
    assert len(rows) == 80 and len({i.ref for i in rows}) == 80


async def test_sixteen_writers_from_separate_engines_on_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'many.db'}"
    first = Database(url)
    await upgrade(first)
    engines = [first] + [Database(url) for _ in range(15)]

    async def writer(db: Database, n: int) -> None:
        async with db.session() as session:
            await links.save_ref(session=session, platform="teams", key=f"user:{n}",
                                 data={"n": n}, at=T0)
            await session.commit()

    try:
        await asyncio.gather(*(writer(db, n) for n, db in enumerate(engines)))
        async with first.session() as session:
            count = (await session.exec(text("SELECT count(*) FROM conversation_refs"))).one()
        assert count[0] == 16
    finally:
        for db in engines:
            await db.dispose()


async def test_foreign_keys_are_enforced(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    async with db.session() as session:
        with pytest.raises(IntegrityError):
            session.add(Event(incident_id=999, kind="reported", actor="U1", at=T0))
            await session.flush()


async def test_conversation_refs_upsert(db: Database) -> None:
    async with db.session() as session:
        assert await links.load_ref(session=session, platform="teams",
                                    key="channel:supervisors") is None
        await links.save_ref(session=session, platform="teams", key="channel:supervisors",
                             data={"channel": "19:a"}, at=T0)
        await session.commit()
    async with db.session() as session:
        await links.save_ref(session=session, platform="teams", key="channel:supervisors",
                             data={"channel": "19:b"}, at=T0)
        await links.save_ref(session=session, platform="slack", key="channel:supervisors",
                             data={"channel": "C1"}, at=T0)
        await session.commit()
    async with db.session() as session:
        assert await links.load_ref(session=session, platform="teams",
                                    key="channel:supervisors") == {"channel": "19:b"}
        assert await links.load_ref(session=session, platform="slack",
                                    key="channel:supervisors") == {"channel": "C1"}


async def test_first_delivery_is_true_once_even_concurrently(db: Database) -> None:
    async def deliver() -> bool:
        async with db.session() as session:
            first = await links.first_delivery(session=session, key="Ev123", at=T0)
            await session.commit()
            return first

    results = await asyncio.gather(*(deliver() for _ in range(4)))
    assert results.count(True) == 1
    async with db.session() as session:
        assert await links.first_delivery(session=session, key="Ev124", at=T0)
        assert not await links.first_delivery(session=session, key="Ev124", at=T0)
        await session.rollback()  # a failed delivery may be retried
    async with db.session() as session:
        assert await links.first_delivery(session=session, key="Ev124", at=T0)
        await session.commit()


async def test_prune_deliveries(db: Database, make_incident: MakeIncident) -> None:
    from datetime import timedelta

    async with db.session() as session:
        await links.first_delivery(session=session, key="old", at=T0 - timedelta(days=2))
        await links.first_delivery(session=session, key="new", at=T0)
        assert await links.prune_deliveries(session=session, before=T0 - timedelta(days=1)) == 1
        await session.commit()
        assert await links.first_delivery(session=session, key="old", at=T0)
        assert not await links.first_delivery(session=session, key="new", at=T0)


async def test_database_errors_do_not_carry_report_text(
    db: Database, make_incident: MakeIncident
) -> None:
    from sqlalchemy.exc import IntegrityError

    made = await make_incident()
    async with db.session() as session:
        with pytest.raises(IntegrityError) as caught:
            await incidents.add_incident(session=session, incident=Incident(
                ref=made.ref, platform="slack", reporter_id="U1", category="other",
                severity="normal", reported_at=T0, policy_version="v",
                description="SECRET-TEXT-CANARY"))
    assert "SECRET-TEXT-CANARY" not in str(caught.value)
