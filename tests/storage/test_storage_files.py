"""The SQLite database and its WAL are private to their owner (0600) from creation on."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from storage.db import Database
from tests.support.serve import haven_env


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_haven_db_upgrade_creates_the_database_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "haven.db"
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{path}")
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "db", "upgrade"], env=env, capture_output=True,
                            text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert mode(path) == 0o600


async def test_the_wal_and_shared_memory_files_are_private_too(tmp_path: Path) -> None:
    path = tmp_path / "haven.db"
    old = os.umask(0o022)  # the usual umask: world-readable unless Haven says otherwise
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        assert {name: mode(tmp_path / name) for name in ("haven.db", "haven.db-wal", "haven.db-shm")} == {
            "haven.db": 0o600, "haven.db-wal": 0o600, "haven.db-shm": 0o600}
    finally:
        os.umask(old)
        await db.dispose()


async def test_an_existing_database_keeps_the_mode_its_owner_gave_it(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    path.touch()
    path.chmod(0o640)
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        assert await db.ping()
    finally:
        await db.dispose()
    assert mode(path) == 0o640
