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
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.crypto import Cipher

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


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin
    # (the documented pysqlite/aiosqlite recipe); needed for SAVEPOINTs to work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


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
            self.engine: AsyncEngine = _read_only_engine(parsed)
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
            event.listen(sync_engine, "connect", _on_sqlite_connect)
            event.listen(sync_engine, "begin", _on_sqlite_begin)
        elif parsed.get_backend_name() == "postgresql":
            self.engine = create_async_engine(parsed, pool_pre_ping=True, hide_parameters=True)
        else:
            raise DatabaseSettingError(url_problem(url) or "unsupported database")
        if parsed.get_backend_name() == "sqlite":
            parsed = _resolve_sqlite(parsed)
        self._url = parsed
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
        if self.dialect != "sqlite":
            return None
        database = self._url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return None
        return Path(database)

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


# -- read-only connections and one-line connection errors ---------------------------------

SQLITE_READ_ONLY_PRAGMAS = (  # a reader beside a running server waits, never fails
    "PRAGMA busy_timeout=30000",
    "PRAGMA query_only=ON",
)
SUPPORTED = "use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST:5432/DATABASE"
_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}


class DatabaseSettingError(ValueError):
    """The database URL cannot be used; the message is one line without the password."""


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a database URL Haven can use (scheme, driver), or None."""
    try:
        parsed = make_url(url)
    except Exception:  # any parse failure is the same one line
        return f"not a database URL: {SUPPORTED}"
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    wanted = _ASYNC_DRIVERS.get(backend)
    if wanted is None:
        return f"unsupported database {backend!r}: {SUPPORTED}"
    if driver != wanted:
        fixed = parsed.set(drivername=f"{backend}+{wanted}").render_as_string(hide_password=True)
        return f"the driver must be {wanted} (not {driver}): write {fixed}"
    return None


def _read_only_engine(url: URL) -> AsyncEngine:
    """Connections that cannot write: SQLite opened ``mode=ro`` with a 30 s busy timeout and
    deferred (shared) transactions; PostgreSQL sessions with ``default_transaction_read_only``."""
    if url.get_backend_name() == "postgresql":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args={
            "server_settings": {"default_transaction_read_only": "on"}})
    path = _resolve_sqlite(url).database or ""
    if path in ("", ":memory:") or path.startswith("file:"):
        raise DatabaseSettingError("a read-only connection needs an SQLite file")
    uri = url.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
    engine = create_async_engine(uri, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0,
                                 pool_timeout=60, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", _on_sqlite_read_only_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_read_only_begin)
    return engine


def _on_sqlite_read_only_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_READ_ONLY_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_sqlite_read_only_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


async def check_connection(db: Database, *, timeout: float = 10.0) -> None:
    """Connect once; raise :class:`DatabaseSettingError` with one line saying what to do."""
    folder = _missing_folder(db)
    if folder is not None:
        raise DatabaseSettingError(f"the folder {folder} does not exist: create it (mkdir -p {folder}) "
                                   "or fix the path")
    try:
        async with asyncio.timeout(timeout):
            async with db.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
    except TimeoutError:
        raise DatabaseSettingError(f"no answer from {_where(db)} within {timeout:g} s") from None
    except Exception as exc:  # every connection failure becomes one line
        raise DatabaseSettingError(connect_problem(db, exc)) from None


def _missing_folder(db: Database) -> Path | None:
    path = db.sqlite_path
    if path is None or path.parent.is_dir():
        return None
    return path.parent


def _where(db: Database) -> str:
    if db.dialect == "sqlite":
        return f"the SQLite file {db.sqlite_path or ':memory:'}"
    url = db._url
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}"


def connect_problem(db: Database, exc: BaseException) -> str:
    """One line for a failed first connection (no password, no traceback)."""
    name = ""
    cause: BaseException | None = exc
    while cause is not None and not name:  # SQLAlchemy wraps the driver's own exception
        name = type(cause).__name__ if type(cause).__module__.startswith("asyncpg") else ""
        cause = cause.__cause__ or getattr(cause, "orig", None)
    url = db._url
    if name == "InvalidCatalogNameError":
        owner = f" OWNER {url.username}" if url.username else ""
        return (f"database {url.database!r} does not exist on {_where(db)}: create it "
                f"(as a superuser: CREATE DATABASE {url.database}{owner};)")
    if name == "InvalidAuthorizationSpecificationError":
        return (f"role {url.username!r} does not exist on {_where(db)}: create it "
                f"(CREATE ROLE {url.username} LOGIN PASSWORD '...';) or fix the user in the URL")
    if name == "InvalidPasswordError":
        return f"{_where(db)} refused the password for {url.username!r}"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host {url.host!r} (DNS): check the host name and the network"
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot connect to {_where(db)} (connection refused): is the server running, and the port right?"
    if isinstance(exc, OSError):
        return f"cannot reach {_where(db)} ({exc.strerror or type(exc).__name__}): check the host, port and network"
    if db.dialect == "sqlite":
        message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        if "locked" in message or "busy" in message:
            return f"{_where(db)} stayed locked by another process (a long write?): try again"
        return f"cannot open {_where(db)} ({message}): check that the folder is writable by this user"
    first = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"cannot use {_where(db)}: {first}"


@asynccontextmanager
async def patient_sqlite(conn: AsyncConnection, db: Database, *, milliseconds: int = 60000) -> AsyncIterator[None]:
    """SQLite: a longer busy timeout on ``conn`` for one long step (a migration beside
    another process), set before its ``BEGIN IMMEDIATE`` and restored after. No-op on PostgreSQL."""
    if db.dialect != "sqlite" or db.read_only:
        yield
        return
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection  # outside any transaction
    await driver.execute(f"PRAGMA busy_timeout={int(milliseconds)}")
    try:
        yield
    finally:
        await driver.execute(SQLITE_PRAGMAS[0])
