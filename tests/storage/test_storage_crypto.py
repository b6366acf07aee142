"""Free text is encrypted at rest, rotation keeps it readable, and hashes stay stable."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.storage._storage_support import T0
from cryptography.fernet import Fernet
from sqlalchemy import text

from storage import incidents
from storage import outbox, outbox_upkeep
from storage.crypto import Cipher, CipherError
from storage.db import Database
from storage.migrate import upgrade
from storage.incident_models import Incident
from storage.rekey import rekey

CANARY = "CANARY-7f3a-he-threatened-me"
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def test_round_trip_with_and_without_key() -> None:
    keyed = Cipher([KEY_A])
    stored = keyed.encrypt("暴言 text")
    assert stored is not None and stored.startswith("fernet:") and "暴言" not in stored
    assert keyed.decrypt(stored) == "暴言 text"
    assert keyed.encrypt(None) is None and keyed.decrypt(None) is None
    plain = Cipher()
    assert not plain.enabled and keyed.enabled
    assert plain.encrypt("hello") == "hello" and plain.decrypt("hello") == "hello"


def test_plaintext_written_before_a_key_still_reads() -> None:
    before = Cipher().encrypt("old report")
    assert Cipher([KEY_A]).decrypt(before) == "old report"


def test_plaintext_that_looks_like_a_token_is_kept_apart() -> None:
    plain = Cipher()
    for tricky in ("fernet:not-a-token", "plain:x"):
        stored = plain.encrypt(tricky)
        assert plain.decrypt(stored) == tricky
        assert Cipher([KEY_A]).decrypt(stored) == tricky


def test_unreadable_token_raises_a_clear_error() -> None:
    stored = Cipher([KEY_A]).encrypt("secret")
    with pytest.raises(CipherError, match="cannot be decrypted") as wrong:
        Cipher([KEY_B]).decrypt(stored)
    assert "secret" not in str(wrong.value)
    with pytest.raises(CipherError, match="HAVEN_ENCRYPTION_KEY is not set"):
        Cipher().decrypt(stored)


def test_bad_key_names_its_position_without_echoing_it() -> None:
    with pytest.raises(ValueError, match=r"HAVEN_ENCRYPTION_KEY: key 2 is not a valid Fernet key") as bad:
        Cipher([KEY_A, "not-a-key-at-all"])
    assert "not-a-key-at-all" not in str(bad.value)
    assert bad.value.__cause__ is None and bad.value.__suppress_context__


def test_comma_separated_string_is_accepted() -> None:
    cipher = Cipher(f"{KEY_B}, {KEY_A}")
    assert cipher.key_count == 2
    assert cipher.decrypt(Cipher([KEY_A]).encrypt("x")) == "x"
    assert KEY_A not in repr(cipher)


def test_rotate_moves_values_to_the_newest_key() -> None:
    old = Cipher([KEY_A]).encrypt("words")
    rotated = Cipher([KEY_B, KEY_A]).rotate(old)
    assert rotated != old
    assert Cipher([KEY_B]).decrypt(rotated) == "words"
    assert Cipher([KEY_B]).rotate("plain") is not None
    assert Cipher([KEY_B]).decrypt(Cipher([KEY_B]).rotate("plain")) == "plain"


def test_keyed_hash_is_the_customer_key_under_the_newest_key() -> None:
    one, rotated = Cipher([KEY_A]), Cipher([KEY_B, KEY_A])
    assert one.keyed_hash("ＡＢＣ-123 ") == one.keyed_hash("abc-123")  # NFKC, casefold
    assert one.keyed_hash("山田 太郎") == one.keyed_hash("山田　太郎") == one.keyed_hash("山田太郎")
    assert one.keyed_hash("ＹＡＭＡＤＡ Taro") == one.keyed_hash("yamada taro")
    assert rotated.keyed_hash("abc-123") == Cipher([KEY_B]).keyed_hash("abc-123"), "the final key set decides"
    assert one.keyed_hash("abc-123") != rotated.keyed_hash("abc-123")
    assert one.keyed_hash("abc-123") != Cipher().keyed_hash("abc-123")
    assert one.keyed_hash("abc-123") != one.keyed_hash("abc-124")
    assert len(one.keyed_hash("x")) == 64
    assert one.hash_fingerprint != rotated.hash_fingerprint == Cipher([KEY_B]).hash_fingerprint


async def _keyed_db(url: str, keys: list[str]) -> Database:
    db = Database(url, cipher=Cipher(keys))
    await upgrade(db)
    return db


async def _add(db: Database, **fields: str) -> Incident:
    async with db.session() as session:
        ref = await incidents.next_ref(session=session, year=2026)
        incident = await incidents.add_incident(session=session, incident=Incident(
            ref=ref, platform="slack", reporter_id="U1", category="other", severity="normal",
            reported_at=T0, policy_version="v", **fields))
        await outbox.enqueue(session=session, incident_id=incident.id, platform="slack",
                             kind="alert", audience="supervisors", payload=f'{{"t": "{CANARY}"}}',
                             due_at=T0)
        await session.commit()
        return incident


async def test_canary_never_reaches_the_sqlite_files(tmp_path: Path) -> None:
    db = await _keyed_db(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", [KEY_A])
    try:
        made = await _add(db, description=CANARY, exact_words=CANARY, customer_ref=CANARY,
                          demands=CANARY, location=CANARY, evidence=CANARY)
        files = [tmp_path / "h.db", tmp_path / "h.db-wal"]
        assert all(CANARY.encode() not in p.read_bytes() for p in files if p.exists())
        await db.checkpoint()
        assert (tmp_path / "h.db-wal").stat().st_size == 0  # really checkpointed
        assert CANARY.encode() not in (tmp_path / "h.db").read_bytes()
        async with db.session() as session:
            loaded = await incidents.get_incident(session=session, ref=made.ref)
            (message,) = await outbox_upkeep.messages_for(session=session, incident_id=made.id)
        assert loaded is not None and loaded.description == CANARY == loaded.customer_ref
        assert CANARY in message.payload
    finally:
        await db.dispose()


async def test_without_a_key_text_is_stored_plain(db: Database) -> None:
    made = await _add(db, description=CANARY)
    async with db.session() as session:
        raw = (await session.exec(text("SELECT description FROM incidents"))).one()
    assert raw[0] == CANARY and made.description == CANARY


async def test_rotation_keeps_rows_readable_and_rekey_moves_them(fresh_database_url: str) -> None:
    first = await _keyed_db(fresh_database_url, [KEY_A])
    try:
        made = await _add(first, description=CANARY, customer_ref="Cust-42")
    finally:
        await first.dispose()
    hash_before = Cipher([KEY_A]).keyed_hash("cust-42")
    both = await _keyed_db(fresh_database_url, [KEY_B, KEY_A])
    try:
        async with both.session() as session:
            loaded = await incidents.get_incident(session=session, ref=made.ref)
        assert loaded is not None and loaded.description == CANARY
        assert await rekey(both) == 2  # the incident (text and hash) and its outbox row
        assert await rekey(both) == 0
        async with both.session() as session:
            loaded = await incidents.get_incident(session=session, ref=made.ref)
        assert loaded is not None
        assert loaded.customer_hash == Cipher([KEY_B]).keyed_hash("cust-42") != hash_before
    finally:
        await both.dispose()
    only_new = await _keyed_db(fresh_database_url, [KEY_B])
    try:
        async with only_new.session() as session:
            loaded = await incidents.get_incident(session=session, ref=made.ref)
            (message,) = await outbox_upkeep.messages_for(session=session, incident_id=made.id)
        assert loaded is not None and loaded.description == CANARY and CANARY in message.payload
        assert await rekey(only_new) == 0  # already under the remaining key
    finally:
        await only_new.dispose()


async def test_reading_with_the_wrong_key_fails_loudly(fresh_database_url: str) -> None:
    first = await _keyed_db(fresh_database_url, [KEY_A])
    try:
        made = await _add(first, description=CANARY)
    finally:
        await first.dispose()
    other = await _keyed_db(fresh_database_url, [KEY_B])
    try:
        async with other.session() as session:
            with pytest.raises(CipherError):
                await incidents.get_incident(session=session, ref=made.ref)
    finally:
        await other.dispose()


async def test_replicas_starting_together_record_the_hash_key_without_a_conflict(fresh_database_url: str) -> None:
    """Every replica records which key made the customer hashes at start; several at once
    all succeed (an upsert), and the value is the configured key's."""
    import asyncio

    from storage.fingerprint import record_fingerprint, stored_fingerprint

    replicas = [Database(fresh_database_url, cipher=Cipher([KEY_A])) for _ in range(4)]
    try:
        await upgrade(replicas[0])
        for _ in range(3):  # a race needs luck; try a few rounds, each from an empty table
            async with replicas[0].engine.begin() as conn:
                await conn.execute(text("DELETE FROM haven_settings"))
            await asyncio.gather(*(record_fingerprint(db) for db in replicas))
            assert await stored_fingerprint(replicas[0]) == replicas[0].cipher.hash_fingerprint
    finally:
        for db in replicas:
            await db.dispose()
