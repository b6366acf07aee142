"""Spec 8.4: the trail is tamper-evident; `haven audit verify` names the first break."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from datetime import timedelta

from storage import audit
from storage import incidents
from tests.cli.test_console import run_console
from tests.cli.test_records import haven
from tests.core.test_core_flows import press, quick, sup


async def _verify(runtime):  # type: ignore[no-untyped-def]
    async with runtime.db.session() as session:
        return await audit.verify(session=session)


async def _sql(runtime, statement: str) -> None:  # type: ignore[no-untyped-def]
    async with runtime.db.engine.begin() as conn:
        await conn.execute(text(statement))


async def _two_incidents(runtime):  # type: ignore[no-untyped-def]
    first = (await quick(runtime)).ref
    second = (await quick(runtime, "she insulted me")).ref
    await press(runtime, sup("sato"), "acknowledge", second)
    await press(runtime, sup("sato"), "resolve", second)
    return first, second


async def test_an_untouched_trail_verifies_with_check_ins_sent_in_a_batch(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, clock = world
    first = (await quick(runtime)).ref
    await quick(runtime, "she insulted me")
    await press(runtime, sup("sato"), "acknowledge", first)
    clock.advance(timedelta(days=15))  # every check-in of both incidents is due
    await runtime.sweeper.tick()
    await runtime.dispatcher.drain()
    async with runtime.db.session() as session:
        kinds = [e.kind for e in await incidents.events_for(session=session, incident_id=1)]
    # caught up at once: the latest check-in is sent, the two overdue before it skipped (audited)
    assert (kinds.count("checkin_sent"), kinds.count("checkin_skipped")) == (1, 2)
    assert await _verify(runtime) == (2, None)


async def test_an_edited_event_breaks_the_chain_at_that_event(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    _, second = await _two_incidents(runtime)
    await _sql(runtime, "UPDATE events SET actor = 'suzuki' WHERE kind = 'acknowledged'")
    _, broken = await _verify(runtime)
    assert broken is not None and (broken.ref, broken.seq) == (second, 2)


async def test_a_deleted_last_event_is_caught_by_the_count(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    _, second = await _two_incidents(runtime)
    await _sql(runtime, "DELETE FROM events WHERE kind = 'resolved'")
    _, broken = await _verify(runtime)
    assert broken is not None and broken.ref == second and "deleted" in broken.reason


async def test_a_deleted_middle_event_and_a_rewritten_head_are_caught(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    first, second = await _two_incidents(runtime)
    await _sql(runtime, "DELETE FROM events WHERE kind = 'acknowledged'")
    _, broken = await _verify(runtime)
    assert broken is not None and (broken.ref, broken.seq) == (second, 2)
    await _sql(runtime, f"UPDATE incidents SET chain_head = 'x' WHERE ref = '{first}'")
    _, broken = await _verify(runtime)
    assert broken is not None and broken.ref == first


def test_audit_verify_exits_1_naming_the_incident_and_event(tmp_path: Path) -> None:
    run_console(tmp_path, ["/abuse rude words", ":as supervisor sato", "6", "/abuse more rude words"], "en")
    ok = haven(tmp_path, "audit", "verify")
    assert ok.returncode == 0 and "2 incidents" in ok.stdout, ok.stderr
    with sqlite3.connect(tmp_path / "console.db") as conn:
        conn.execute("UPDATE events SET at = '2026-12-01 01:00:00.000000' WHERE kind = 'acknowledged'")
    broken = haven(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert "INC-2026-000001 event 2" in broken.stderr and "Traceback" not in broken.stderr
    with sqlite3.connect(tmp_path / "console.db") as conn:
        conn.execute("DELETE FROM events WHERE kind = 'acknowledged'")
    assert "INC-2026-000001" in haven(tmp_path, "audit", "verify").stderr


async def test_the_migration_chains_events_written_before_it(fresh_database_url: str) -> None:
    from alembic import command

    from storage.db import Database
    from storage.migrate import alembic_config, upgrade

    db = Database(fresh_database_url)
    try:
        def to_0001(connection: object) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")

        async with db.engine.begin() as conn:
            await conn.run_sync(to_0001)
            await conn.execute(text(
                "INSERT INTO incidents (id, ref, platform, reporter_id, reporter_locale, share_name, category,"
                " severity, flags, status, reported_at, policy_version, policy_snapshot, legal_hold, version)"
                " VALUES (1,"
                " 'INC-2026-000001', 'slack', 'U1', 'en', true, 'other', 'normal', '[]', 'resolved',"
                " '2026-12-01 02:00:00', 'v', '{}', false, 0)"))
            for number, kind in enumerate(("reported", "acknowledged", "resolved"), start=1):
                await conn.execute(text(
                    "INSERT INTO events (incident_id, kind, actor, at, detail) VALUES"
                    f" (1, '{kind}', 'U1', '2026-12-01 02:0{number}:00', '{{}}')"))
        await upgrade(db)
        async with db.session() as session:
            assert await audit.verify(session=session) == (1, None)
        await _sql_db(db, "UPDATE events SET actor = 'U2' WHERE kind = 'reported'")
        async with db.session() as session:
            _, broken = await audit.verify(session=session)
        assert broken is not None and (broken.ref, broken.seq) == ("INC-2026-000001", 1)
    finally:
        await db.dispose()


async def _sql_db(db, statement: str) -> None:  # type: ignore[no-untyped-def]
    async with db.engine.begin() as conn:
        await conn.execute(text(statement))
