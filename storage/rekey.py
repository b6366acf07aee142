"""Re-encrypt stored free text under the newest key, and re-hash customer references.

Key rotation (``haven rotate-key``): put the new key first in ``HAVEN_ENCRYPTION_KEY``
(keep the old one after it) and run :func:`rekey`: every encrypted value — every column
of type :class:`storage.crypto.EncryptedText` in the tables' metadata (incidents, report
versions, the register, re-triage notes on events, outbox payloads, and any added
later) — moves to the newest key and every
stored customer hash (incidents and the register) is re-derived for the newest key —
the key set that remains once the old key is dropped — and that key's fingerprint is
recorded (:mod:`storage.fingerprint`, :mod:`storage.customer_keys`). Then restart with the new key alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, Text, func, or_, select, type_coerce, update
from sqlmodel import SQLModel

from storage import hr_models, models
from storage.crypto import TOKEN_PREFIX, EncryptedText
from storage.db import Database
from storage.fingerprint import record_fingerprint
from storage.delivery_models import OutboxMessage
from storage.incident_models import Incident

_BATCH = 200
_TABLES = (models, hr_models)  # imported so that every table is in the metadata


def encrypted_columns() -> list[tuple[Table, tuple[str, ...]]]:
    """Every table with encrypted columns, and their names, from the models' metadata."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        names = tuple(c.name for c in table.columns if isinstance(c.type, EncryptedText))
        if names:
            assert "id" in table.c, f"{table.name}: rotation walks a table by its integer id"
            found.append((table, names))
    return found


async def _rekey_table(db: Database, table: Table, names: tuple[str, ...]) -> int:
    """Rewrite every row of ``table`` whose stored form of ``names`` changes; returns rows."""
    changed = 0
    last_id = 0
    raw = [type_coerce(table.c[name], Text).label(name) for name in names]
    extra = [table.c.customer_hash] if "customer_hash" in table.c and "customer_ref" in names else []
    while True:
        async with db.session() as session:
            query: Any = (  # a Select of labelled, coerced columns: no sqlmodel overload fits
                select(table.c.id, *raw, *extra)
                .where(table.c.id > last_id, or_(*(table.c[name].is_not(None) for name in names)))
                .order_by(table.c.id)
                .limit(_BATCH)
            )
            rows = (await session.exec(query)).all()
            if not rows:
                return changed
            for row in rows:
                values = _new_values(db, row._mapping, names)  # Row._mapping is public, despite the "_"
                if values:
                    await session.exec(update(table).where(table.c.id == row.id).values(values))
                    changed += 1
            await session.commit()
            last_id = rows[-1].id


def _new_values(db: Database, row: Any, names: tuple[str, ...]) -> dict[Any, Any]:
    values: dict[Any, Any] = {}
    for name in names:
        stored = row[name]
        rotated = db.cipher.rotate(stored)
        if rotated != stored:
            values[name] = type_coerce(rotated, Text)
    if "customer_hash" in row:
        plain = db.cipher.decrypt(row["customer_ref"])
        if plain:
            digest = db.cipher.keyed_hash(plain)
            if digest != row["customer_hash"]:
                values["customer_hash"] = digest
    return values


async def rekey(db: Database) -> int:
    """Rotate every encrypted value to the newest key, re-hash every customer reference
    for it and record its fingerprint; returns rows changed."""
    changed = 0
    for table, names in encrypted_columns():
        changed += await _rekey_table(db, table, names)
    await record_fingerprint(db)
    return changed


_SAMPLED = ((Incident, "description"), (Incident, "customer_ref"), (Incident, "exact_words"),
            (OutboxMessage, "payload"))


async def encrypted_samples(*, db: Database) -> list[str]:
    """The oldest and newest stored encrypted value of each encrypted column (ciphertext,
    as stored), for checking at start that the configured keys can read them."""
    samples: list[str] = []
    async with db.session() as session:
        for model, name in _SAMPLED:
            table: Any = model
            column = type_coerce(getattr(table, name), Text)
            encrypted = column.like(TOKEN_PREFIX + "%")
            for pick in (func.min, func.max):
                first = select(pick(table.id)).where(encrypted).scalar_subquery()
                query: Any = select(column).where(table.id == first)  # no sqlmodel overload fits
                row = (await session.exec(query)).first()
                if row is not None and row[0] is not None:
                    samples.append(row[0])
    return samples
