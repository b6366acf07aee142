"""Fresh, empty databases for tests (SQLite files, or PostgreSQL databases).

Used by ``tests/conftest.py`` and by any test that starts Haven in a subprocess and
needs a database URL of its own. Nothing here runs at import.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

TEST_DATABASE_ENV = "HAVEN_TEST_DATABASE_URL"


def postgres_admin_url() -> str | None:
    """The PostgreSQL URL tests may create databases through, from ``HAVEN_TEST_DATABASE_URL``."""
    return os.environ.get(TEST_DATABASE_ENV) or None


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def make_test_database_url(kind: str, directory: Path) -> str:
    """Create an empty database of ``kind`` (``"sqlite"`` | ``"postgresql"``); return its URL.

    SQLite: a new file under ``directory``. PostgreSQL: ``CREATE DATABASE haven_t_<random>``
    on the server of ``HAVEN_TEST_DATABASE_URL`` (required). Pair with
    :func:`drop_test_database`.
    """
    name = f"haven_t_{secrets.token_hex(6)}"
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{(Path(directory) / f'{name}.db').resolve()}"
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    admin = postgres_admin_url()
    if admin is None:
        raise RuntimeError(f"{TEST_DATABASE_ENV} is not set")
    import asyncpg  # local: only PostgreSQL test runs need it

    conn = await asyncpg.connect(_asyncpg_dsn(admin))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


async def drop_test_database(url: str) -> None:
    """Drop a database made by :func:`make_test_database_url` (files are left to tmp_path)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    name = parsed.database or ""
    if not name.startswith("haven_t_"):
        raise ValueError("refusing to drop a database not created by the tests")
    import asyncpg

    admin = postgres_admin_url() or parsed.set(database="postgres").render_as_string(
        hide_password=False
    )
    conn = await asyncpg.connect(_asyncpg_dsn(admin))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
