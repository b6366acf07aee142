"""The async engine and sessions, for SQLite (aiosqlite) and PostgreSQL (asyncpg).

Nothing happens at import and nothing in :class:`Database` touches the database until
it is used.

SQLite runs with one connection (a single writer): WAL, ``busy_timeout`` 5000 ms,
``synchronous=NORMAL`` (a killed process loses nothing; a power cut may lose the last
commits), ``secure_delete=ON`` and ``foreign_keys=ON``. Every transaction starts with
``BEGIN IMMEDIATE`` so that another process using the same file waits for the write
lock instead of failing later with "database is locked". Concurrent asyncio tasks queue
for the one connection, so a task must never open a second session (or call a function
taking ``db=``) while it holds a session on SQLite: it would wait for itself.

PostgreSQL uses asyncpg with a normal connection pool.

Both engines set ``hide_parameters``: SQLAlchemy's error messages and logs never contain
bound values (report text, customer references), only the SQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.connect import DatabaseSettingError, on_sqlite_connect, read_only_engine, url_problem
from storage.crypto import Cipher

Session: TypeAlias = AsyncSession
"""What repository functions take as ``session=`` (``async with db.session() as session``)."""

DuplicateKey = IntegrityError
"""Raised at commit when a unique key (e.g. an incident's intake key) was taken meanwhile."""

SQLITE_PRAGMAS = (  # busy_timeout first: switching to WAL may wait for another process
    "PRAGMA busy_timeout=5000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA secure_delete=ON",
    "PRAGMA foreign_keys=ON",
)


def utc_naive(at: datetime) -> datetime:
    """Naive UTC, the only form stored: aware datetimes are converted, naive kept as is."""
    if at.tzinfo is None:
        return at
    return at.astimezone(UTC).replace(tzinfo=None)


def utc_now() -> datetime:
    """The real current time as naive UTC (prefer the injected clock in the core)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _resolve_sqlite(url: URL) -> URL:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return url
    return url.set(database=str(Path(database).expanduser().resolve()))


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600), before SQLite opens it:
    SQLite gives its ``-wal``, ``-shm`` and journal files the database file's mode, so
    they are private too. An existing file keeps the mode its owner gave it."""
    if path.exists() or not path.parent.is_dir():
        return
    with contextlib.suppress(FileExistsError):  # another process created it meanwhile
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _private_file_hook(path: Path | None) -> Any:
    def before_connect(_dialect: Any, _record: Any, _cargs: Any, _cparams: Any) -> None:
        if path is not None:
            _create_private(path)

    return before_connect


def _sqlite_file(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def _on_sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One async engine plus a session factory. Creating it does no I/O."""

    def __init__(self, url: str, *, cipher: Cipher | None = None, read_only: bool = False) -> None:
        problem = url_problem(url)
        if problem:
            raise DatabaseSettingError(problem)
        parsed = make_url(url)
        self.cipher: Cipher = cipher if cipher is not None else Cipher()
        self.read_only = read_only
        if read_only:
            self.engine: AsyncEngine = read_only_engine(
                _resolve_sqlite(parsed) if parsed.get_backend_name() == "sqlite" else parsed)
        elif parsed.get_backend_name() == "sqlite":
            parsed = _resolve_sqlite(parsed)
            self.engine = create_async_engine(
                parsed,
                poolclass=AsyncAdaptedQueuePool,
                pool_size=1,
                max_overflow=0,
                pool_timeout=60,
                hide_parameters=True,
            )
            sync_engine = self.engine.sync_engine
            event.listen(sync_engine, "do_connect", _private_file_hook(_sqlite_file(parsed)))
            event.listen(sync_engine, "connect", on_sqlite_connect(SQLITE_PRAGMAS))
            event.listen(sync_engine, "begin", _on_sqlite_begin)
        elif parsed.get_backend_name() == "postgresql":
            self.engine = create_async_engine(parsed, pool_pre_ping=True, hide_parameters=True)
        else:
            raise DatabaseSettingError(url_problem(url) or "unsupported database")
        if parsed.get_backend_name() == "sqlite":
            parsed = _resolve_sqlite(parsed)
        self._url = parsed
        # Haven's own attribute on the dialect: EncryptedText columns find the cipher there
        self.engine.dialect.haven_cipher = self.cipher  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        """The full URL (may contain a password: never log it; see ``safe_url``)."""
        return self._url.render_as_string(hide_password=False)

    @property
    def safe_url(self) -> str:
        """The URL with any password masked, fit for logs and the startup line."""
        return self._url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def sqlite_path(self) -> Path | None:
        """Absolute path of the SQLite file, or None (PostgreSQL, in-memory)."""
        return _sqlite_file(self._url) if self.dialect == "sqlite" else None

    def session(self) -> AsyncSession:
        """A new session (``expire_on_commit=False``); use ``async with db.session() as s``."""
        return AsyncSession(self.engine, expire_on_commit=False)

    async def ping(self, timeout: float = 5.0) -> bool:
        """True if a trivial query succeeds within ``timeout`` seconds."""

        async def _select_one() -> None:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")

        try:
            await asyncio.wait_for(_select_one(), timeout)
        except Exception:  # a health check reports, never raises
            return False
        return True

    async def checkpoint(self) -> None:
        """SQLite: move the WAL into the main file and truncate it (e.g. after a purge,
        so deleted text does not linger in the ``-wal`` file). No-op on PostgreSQL."""
        if self.dialect != "sqlite":
            return
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection  # aiosqlite, outside any transaction
            await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.safe_url!r})"

