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
from storage.fingerprint import FINGERPRINT, record_fingerprint, stored_fingerprint
from storage.incident_models import Incident
from storage.register_models import RegisterEntry
from storage.rekey import rekey

__all__ = ["FINGERPRINT", "StaleHashes", "check_hashes", "has_hashes", "record_fingerprint", "stored_fingerprint"]

class StaleHashes(Exception):
    """Stored customer hashes were made under a key that is no longer configured."""


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
