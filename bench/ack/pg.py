"""A fresh database per run: a SQLite file in the run's folder, or a PostgreSQL database
created (and dropped afterwards) through the server URL given."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import make_url


@contextlib.asynccontextmanager
async def fresh_database(postgresql: str | None, folder: Path) -> AsyncIterator[str]:
    if not postgresql:
        yield f"sqlite+aiosqlite:///{folder / 'haven.db'}"
        return
    import asyncpg

    url = make_url(postgresql)
    name = f"haven_bench_{os.getpid()}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
