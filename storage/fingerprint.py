"""Which key made the stored customer hashes: its fingerprint, kept in ``haven_settings``
(see :mod:`storage.customer_keys` for what start-up does with it)."""

from __future__ import annotations

from storage._sql import upsert
from storage.db import Database
from storage.register_models import Setting

FINGERPRINT = "customer_hash_key"


async def stored_fingerprint(db: Database) -> str | None:
    """The fingerprint recorded with the hashes, or None (none recorded yet)."""
    async with db.session() as session:
        row = await session.get(Setting, FINGERPRINT)
        return row.value if row is not None else None


async def record_fingerprint(db: Database) -> None:
    """Record that the stored hashes are made under the configured key (one upsert:
    replicas starting together all record the same value, none fails)."""
    async with db.session() as session:
        await session.exec(upsert(session, Setting, ["name"], name=FINGERPRINT, value=db.cipher.hash_fingerprint))
        await session.commit()
