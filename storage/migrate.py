"""Schema migrations (Alembic), runnable inside a running event loop.

The scripts ship in the package (``storage/migrations``); no ``alembic.ini`` is needed.
On PostgreSQL the upgrade holds a transaction-level advisory lock, so replicas that
start together migrate one after the other (the others then find nothing to do).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from storage.connect import patient_sqlite
from storage.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# An arbitrary constant shared by every Haven replica ("HAVEN" + "MIG" in ASCII).
ADVISORY_LOCK_ID = 0x484156454E4D4947


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (and at ``url``, if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade_on(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision (idempotent; safe for concurrent replicas;
    on SQLite, another process's upgrade or a running server is waited for, up to a minute)."""
    async with db.engine.connect() as conn, patient_sqlite(conn, db), conn.begin():
        if db.dialect == "postgresql":
            # Released automatically at commit or rollback, even if the upgrade fails.
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_ID})")
        await conn.run_sync(_upgrade_on)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None for an empty database."""
    async with db.engine.connect() as conn:
        return await conn.run_sync(_current)


async def is_up_to_date(db: Database) -> bool:
    """True when the database is at the newest shipped revision."""
    return await current_revision(db) == head_revision()
