"""Re-encrypt stored free text under the newest key, and re-hash customer references.

Key rotation (``haven rotate-key``): put the new key first in ``HAVEN_ENCRYPTION_KEY``
(keep the old one after it) and run :func:`rekey`: every encrypted value (incidents,
report versions, the register, outbox payloads) moves to the newest key and every
stored customer hash (incidents and the register) is re-derived for the newest key —
the key set that remains once the old key is dropped — and that key's fingerprint is
recorded (:mod:`storage.fingerprint`, :mod:`storage.customer_keys`). Then restart with the new key alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, Text, func, select, type_coerce, update

from storage.crypto import TOKEN_PREFIX
from storage.db import Database
from storage.fingerprint import record_fingerprint
from storage.models import Incident, OutboxMessage, RegisterEntry, ReportVersion

VERSION_TEXT = ("description", "exact_words", "demands", "location", "evidence", "customer_ref")
INCIDENT_TEXT = (*VERSION_TEXT, "reported_for")
REGISTER_TEXT = ("customer_ref", "lift_reason")
_BATCH = 200


async def _rekey_table(db: Database, table: Table, names: tuple[str, ...]) -> int:
    """Rewrite every row of ``table`` whose stored form of ``names`` changes; returns rows."""
    changed = 0
    last_id = 0
    raw = [type_coerce(table.c[name], Text).label(name) for name in names]
    extra = [table.c.customer_hash] if "customer_hash" in table.c else []
    while True:
        async with db.session() as session:
            query: Any = (  # a Select of labelled, coerced columns: no sqlmodel overload fits
                select(table.c.id, *raw, *extra)
                .where(table.c.id > last_id)
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
    tables: list[tuple[Any, tuple[str, ...]]] = [
        (Incident, INCIDENT_TEXT), (ReportVersion, VERSION_TEXT), (RegisterEntry, REGISTER_TEXT),
        (OutboxMessage, ("payload",)),
    ]
    changed = 0
    for model, names in tables:
        changed += await _rekey_table(db, model.__table__, names)
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
