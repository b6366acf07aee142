"""Opening a database, for people: URL checks, read-only connections, and one line
saying what to do when the first connection fails (no password, no traceback).

``storage.db.Database`` uses :func:`url_problem` and :func:`read_only_engine`; the
application calls :func:`check_connection` once at start.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

if TYPE_CHECKING:
    from storage.db import Database

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


def sqlite_file(url: str) -> Path | None:
    """The absolute path of an SQLite URL's file (no I/O), or None (PostgreSQL, in memory)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def read_only_engine(url: URL) -> AsyncEngine:
    """Connections that cannot write: SQLite opened ``mode=ro`` with a 30 s busy timeout and
    deferred (shared) transactions; PostgreSQL sessions with ``default_transaction_read_only``."""
    if url.get_backend_name() == "postgresql":
        return create_async_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args={
            "server_settings": {"default_transaction_read_only": "on"}})
    path = url.database or ""  # already absolute (storage.db resolves it)
    if path in ("", ":memory:") or path.startswith("file:"):
        raise DatabaseSettingError("a read-only connection needs an SQLite file")
    uri = url.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
    engine = create_async_engine(uri, poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0,
                                 pool_timeout=60, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", on_sqlite_connect(SQLITE_READ_ONLY_PRAGMAS))
    event.listen(engine.sync_engine, "begin", _on_sqlite_read_only_begin)
    return engine


def on_sqlite_connect(pragmas: tuple[str, ...]) -> Any:
    """A ``connect`` listener: SQLAlchemy, not the sqlite3 module, decides where transactions
    begin (the documented pysqlite/aiosqlite recipe; SAVEPOINTs need it), then ``pragmas`` run."""

    def listener(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                cursor.execute(pragma)
        finally:
            cursor.close()

    return listener


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
async def patient_sqlite(conn: AsyncConnection, db: Database, *, milliseconds: int = 60000,
                         restore: int = 5000) -> AsyncIterator[None]:
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
        await driver.execute(f"PRAGMA busy_timeout={restore}")
