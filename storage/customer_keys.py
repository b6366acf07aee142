"""Which key made the stored customer hashes, and what to do at start when it changed.

A customer hash is only useful while it is made under the key Haven hashes new
references with (otherwise the repeated rule and the register stop matching,
silently). The fingerprint of that key (:attr:`storage.crypto.Cipher.hash_fingerprint`)
is stored in ``haven_settings`` beside the hashes. At start (:func:`check_hashes`):

* no hash stored, or the fingerprint matches: nothing to do (the fingerprint is
  recorded);
* hashes made before fingerprints existed (the first release: a different
  normalisation and the oldest key), or without any key: re-hashed now from the
  decrypted references — a schema migration cannot, as it has no key;
* hashes made under a key that is no longer configured: :class:`StaleHashes`, and
  ``haven serve`` refuses to start with one line (run ``haven rotate-key`` with the
  new key first and the old key after it).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from storage.db import Database
from storage.models import Incident, RegisterEntry, Setting

FINGERPRINT = "customer_hash_key"


class StaleHashes(Exception):
    """Stored customer hashes were made under a key that is no longer configured."""


async def stored_fingerprint(db: Database) -> str | None:
    """The fingerprint recorded with the hashes, or None (none recorded yet)."""
    async with db.session() as session:
        row = await session.get(Setting, FINGERPRINT)
        return row.value if row is not None else None


async def record_fingerprint(db: Database) -> None:
    """Record that the stored hashes are made under the configured key."""
    async with db.session() as session:
        row = await session.get(Setting, FINGERPRINT)
        if row is None:
            session.add(Setting(name=FINGERPRINT, value=db.cipher.hash_fingerprint))
        else:
            row.value = db.cipher.hash_fingerprint
            session.add(row)
        await session.commit()


async def has_hashes(db: Database) -> bool:
    """True when any incident or register entry holds a customer hash."""
    async with db.session() as session:
        incidents = select(func.count()).select_from(Incident).where(col(Incident.customer_hash).is_not(None))
        entries = select(func.count()).select_from(RegisterEntry)
        for query in (incidents, entries):
            if int((await session.exec(query)).one()) > 0:
                return True
    return False


async def check_hashes(db: Database) -> str:
    """Make sure stored hashes match the configured key: ``"ok"``, ``"rehashed"`` (old
    or unkeyed hashes were re-derived), or raise :class:`StaleHashes`."""
    from storage.rekey import rekey

    stored = await stored_fingerprint(db)
    if stored == db.cipher.hash_fingerprint:
        return "ok"
    if not await has_hashes(db):
        await record_fingerprint(db)
        return "ok"
    if stored is None or stored == db.cipher.unkeyed_fingerprint:
        await rekey(db)
        return "rehashed"
    raise StaleHashes(
        "HAVEN_ENCRYPTION_KEY: the stored customer hashes were made under another key; run "
        "`haven rotate-key` with HAVEN_ENCRYPTION_KEY=NEW,OLD before starting (see README, key rotation)"
    )
