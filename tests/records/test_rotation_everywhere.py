"""`haven rotate-key` leaves nothing under the old key: every encrypted column the models
declare (found from their metadata, so a column added later is covered by this test
without editing it), and no ciphertext anywhere else (JSON details included); a
re-triage note still reads with the new key alone and the trail still verifies."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import JSON, String, Table, Text, cast, select, text, update
from sqlmodel import SQLModel

from bot.model.inbound import Actor, FormIn
from bot.model.messages import TRIAGE_FORM
from storage import audit, incidents
from storage.crypto import Cipher, CipherError, EncryptedText
from storage.db import Database
from storage.rekey import rekey
from tests.records.test_register import ban
from tests.records.test_versions import add_details
from tests.records.test_rotation import K1, K2, _haven, _runtime
from tests.support.recording import PLATFORM

TOKEN = re.compile(r"fernet:[A-Za-z0-9_=-]+")
NOTE = "he came back with a knife; spoke to the store manager"
CANARY = "canary 山田 太郎 every encrypted column"


def _encrypted() -> list[tuple[Table, str]]:
    """Every encrypted column, from the models' metadata (not from the code under test)."""
    return [(table, column.name) for table in SQLModel.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, EncryptedText)]


async def _retriage(runtime, ref: str, note: str) -> None:  # type: ignore[no-untyped-def]
    outcome = await runtime.haven.submit_form(FormIn(
        Actor(PLATFORM, "sato"), {"category": "violence", "severity": "high", "note": note},
        metadata=ref, form=TRIAGE_FORM))
    assert outcome.errors == {}
    await runtime.dispatcher.drain()


async def _a_full_record(url: str) -> str:
    """Under the old key: a report (reported for someone, with a customer), on the
    register, with details added and a re-triage note."""
    runtime, messenger = await _runtime(url, K1)
    try:
        ref = await ban(runtime, messenger)
        await _retriage(runtime, ref, NOTE)
        await add_details(runtime, ref, description="he came back", exact_words="you again")
        async with runtime.db.engine.begin() as conn:  # any encrypted column still empty gets a value
            for table, name in _encrypted():
                await conn.execute(update(table).where(table.c[name].is_(None)).values({name: CANARY}))
    finally:
        await runtime.db.dispose()
    return ref


async def _stored(url: str) -> dict[str, list[str]]:
    """Every encrypted column's stored values (as stored), and every token found in any
    other text or JSON column, keyed by ``table.column``."""
    db = Database(url)
    found: dict[str, list[str]] = {}
    try:
        async with db.session() as session:
            for table in SQLModel.metadata.sorted_tables:
                for column in table.columns:
                    if not isinstance(column.type, (String, Text, JSON, EncryptedText)):
                        continue
                    query = select(cast(column, Text)).where(column.is_not(None))
                    values = [row[0] for row in (await session.exec(query)).all()]  # type: ignore[call-overload]
                    if isinstance(column.type, EncryptedText):
                        found[f"{table.name}.{column.name}"] = values
                    else:
                        tokens = [t for v in values for t in TOKEN.findall(v)]
                        if tokens:
                            found[f"{table.name}.{column.name}"] = tokens
    finally:
        await db.dispose()
    return found


def _readable_with(keys: str, stored: str) -> bool:
    try:
        Cipher(keys).decrypt(stored)
    except CipherError:
        return False
    return True


async def test_rotation_reencrypts_every_encrypted_column_and_leaves_no_old_token_anywhere(
        fresh_database_url: str) -> None:
    await _a_full_record(fresh_database_url)
    before = await _stored(fresh_database_url)
    encrypted = {f"{table.name}.{name}" for table, name in _encrypted()}
    assert {"events.note", "incidents.reported_for", "register_entries.lift_reason"} <= encrypted
    empty = sorted(name for name in encrypted if not before.get(name))
    assert not empty, f"the record must give every encrypted column a row: {empty}"
    for name, values in before.items():
        assert all(v.startswith("fernet:") and not _readable_with(K2, v) for v in values), name

    both = Database(fresh_database_url, cipher=Cipher(f"{K2},{K1}"))
    try:
        assert await rekey(both) > 0
    finally:
        await both.dispose()

    after = await _stored(fresh_database_url)
    assert set(after) == set(before), "no column gained or lost values"
    for name, values in after.items():
        assert len(values) == len(before[name]), name
        for value in values:
            assert value.startswith("fernet:"), f"{name} holds plaintext after rotation"
            assert _readable_with(K2, value) and not _readable_with(K1, value), f"{name} is not under the new key"


async def test_a_retriage_note_reads_with_the_new_key_alone_after_rotate_key(
        fresh_database_url: str, tmp_path: Path) -> None:
    ref = await _a_full_record(fresh_database_url)

    rotated = _haven(tmp_path, fresh_database_url, f"{K2},{K1}", "rotate-key")  # README step 2
    assert rotated.returncode == 0, rotated.stderr

    shown = _haven(tmp_path, fresh_database_url, K2, "incidents", "show", ref, "--json")  # the old key dropped
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    (triaged,) = [e for e in record["events"] if e["kind"] == "triaged"]
    assert triaged["detail"]["note"] == NOTE
    assert triaged["detail"]["to"] == {"category": "violence", "severity": "high"}
    verified = _haven(tmp_path, fresh_database_url, K2, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert NOTE not in _haven(tmp_path, fresh_database_url, K1, "incidents", "show", ref, "--json").stdout


async def test_the_migration_moves_a_stored_note_out_of_the_chain_and_the_chain_still_verifies(
        fresh_database_url: str) -> None:
    from alembic import command

    from storage.migrate import alembic_config, upgrade

    old = Cipher(K1).encrypt(NOTE)
    db = Database(fresh_database_url, cipher=Cipher(K1))
    try:
        def to_0007(connection: object) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0007_sites")

        async with db.engine.begin() as conn:
            await conn.run_sync(to_0007)
            for number in (1, 2):  # as the last release left them; the second trail was tampered with
                await _legacy_incident(conn, number, note=old, tampered=number == 2)
        await upgrade(db)
        async with db.session() as session:
            intact, tampered = [await incidents.get_incident_by_id(session=session, incident_id=n) for n in (1, 2)]
            assert intact is not None and tampered is not None
            assert await audit.verify_incident(session=session, incident=intact) is None
            assert await audit.verify_incident(session=session, incident=tampered) is not None, "never repaired"
            for incident in (intact, tampered):
                assert incident.id is not None
                triaged = [e for e in await incidents.events_for(session=session, incident_id=incident.id)
                           if e.kind == "triaged"]
                assert [(e.detail["note"], e.note) for e in triaged] == [(True, NOTE)]
    finally:
        await db.dispose()


async def _legacy_incident(conn, number: int, *, note: str | None, tampered: bool) -> None:  # type: ignore[no-untyped-def]
    ref = f"INC-2026-00000{number}"
    trail = [("reported", {}), ("triaged", {"from": {"category": "other", "severity": "normal"},
                                            "to": {"category": "violence", "severity": "high"}, "note": note}),
             ("acknowledged", {})]
    head = audit.GENESIS
    rows = []
    for seq, (kind, detail) in enumerate(trail, start=1):
        at = datetime(2026, 12, 1, 2, seq)
        head = audit.link(head, audit.canonical(ref=ref, seq=seq, kind=kind, actor="U1", option=None, at=at,
                                                detail=detail))
        rows.append({"i": number, "kind": kind, "at": at, "detail": json.dumps(detail), "seq": seq,
                     "hash": "0" * 64 if tampered and seq == 1 else head})
    await conn.execute(text(
        "INSERT INTO incidents (id, ref, platform, reporter_id, reporter_locale, share_name, category, severity,"
        " flags, status, reported_at, policy_version, policy_snapshot, legal_hold, version, event_count, chain_head)"
        f" VALUES ({number}, '{ref}', 'slack', 'U1', 'en', true, 'violence', 'high', '[]', 'acknowledged',"
        f" '2026-12-01 02:00:00', 'v', '{{}}', false, 0, 3, '{head}')"))
    await conn.execute(text("INSERT INTO events (incident_id, kind, actor, at, detail, seq, hash) VALUES"
                            " (:i, :kind, 'U1', :at, :detail, :seq, :hash)"), rows)
