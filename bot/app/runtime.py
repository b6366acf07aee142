"""Assembling Haven from settings: policy, database, context, core, dispatcher, sweep.

Nothing here imports a platform SDK; adapters register their messenger and
directory with ``runtime.haven`` when the composition roots (server, cli) wire them in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.model.clock import clock_from
from bot.app.config import ConfigError, Settings
from bot.flows.context import Context
from bot.core import DeskAccess, Haven
from bot.flows.permissions import is_hr_member
from bot.hr.access import ChannelCheck, HrAccess
from bot.hr.signin import SignIn
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sweep import Sweeper
from bot.flows.metrics import Metrics
from bot.model.ports import Clock
from policy.loader import PolicyError, load_policy
from policy.model import Policy
from storage.crypto import Cipher
from storage.connect import DatabaseSettingError, check_connection, sqlite_file
from storage.db import Database
from storage.hr_desk import Identity

log = logging.getLogger("haven")


@dataclass
class Runtime:
    settings: Settings
    policy: Policy
    db: Database
    ctx: Context
    haven: Haven
    dispatcher: Dispatcher
    sweeper: Sweeper
    metrics: Metrics

    @property
    def ready(self) -> dict[str, bool]:
        """Which platforms (and the migrations) are ready; adapters report theirs to ``Haven``."""
        return self.haven.ready

    async def close(self) -> None:
        await self.dispatcher.stop()
        await self.haven.close()
        await self.db.dispose()


def make_database(settings: Settings, *, read_only: bool = False) -> Database:
    return Database(settings.database_url, cipher=Cipher(settings.encryption_key), read_only=read_only)


def policy_from(settings: Settings) -> Policy:
    """The active policy; a bad file is one :class:`ConfigError` line naming ``HAVEN_POLICY``."""
    try:
        return load_policy(settings.policy)
    except PolicyError as exc:
        more = len(exc.errors) - 1
        hint = f" (and {more} more: run `haven policy check {settings.policy}`)" if more > 0 else ""
        raise ConfigError(f"HAVEN_POLICY: {exc.errors[0]}{hint}") from None


async def open_database(settings: Settings, *, read_only: bool = False, key: bool = True) -> Database:
    """Connect, bring the schema up to date and check the key, or raise one
    :class:`ConfigError` line naming the variable.

    ``read_only``: a connection that cannot write (``haven incidents``), for use beside a
    running server: it never takes the write lock (a 30 s busy timeout covers the server's
    checkpoints); the schema is migrated first, on a normal connection, only when it is behind.
    ``key=False``: the key is not checked (``haven audit verify`` reads no encrypted column).
    """
    from storage.migrate import upgrade

    if read_only and _file_exists(settings):
        reader = await _guarded(make_database(settings, read_only=True), _reader_ready, key=key)
        if reader is not None:
            return reader
    db = await _guarded(make_database(settings), upgrade, key=key)
    assert db is not None
    if read_only:
        await db.dispose()
        reader = await _guarded(make_database(settings, read_only=True), _reader_ready, key=key)
        assert reader is not None
        return reader
    return db


def _file_exists(settings: Settings) -> bool:
    path = sqlite_file(settings.database_url)
    return path is None or path.exists()


async def _reader_ready(db: Database) -> bool:
    """Whether the schema is current, so a read-only connection can be used as it is."""
    from storage.migrate import is_up_to_date

    return await is_up_to_date(db)


async def _guarded(db: Database, step: Callable[[Database], Awaitable[object]], *,
                   key: bool = True) -> Database | None:
    """Connect, run ``step``, check the key (unless ``key`` is False); the database, or None
    if ``step`` said False."""
    try:
        await check_connection(db)
        if await step(db) is False:
            await db.dispose()
            return None
        if key:
            await check_key_of(db)
    except DatabaseSettingError as exc:
        await db.dispose()
        raise ConfigError(f"HAVEN_DATABASE_URL: {exc}") from None
    except BaseException:
        await db.dispose()
        raise
    return db


async def check_key_of(db: Database) -> None:
    """Refuse a database holding encrypted data that this key cannot read (no key, wrong key)."""
    from bot.app.privacy import KeyMismatch, check_key

    try:
        await check_key(db)
    except KeyMismatch as exc:
        raise ConfigError(str(exc)) from None


def build_runtime(settings: Settings, *, clock: Clock | None = None, policy: Policy | None = None,
                  worker: str | None = None) -> Runtime:
    """Create every part; no I/O beyond reading the policy file."""
    policy = policy or policy_from(settings)
    db = make_database(settings)
    metrics = Metrics()
    ctx = Context(db=db, policy=policy, clock=clock or clock_from(settings.clock_file),
                  metrics=metrics, default_locale=settings.locale,
                  admins={"slack": frozenset(settings.slack_admins), "teams": frozenset(settings.teams_admins)},
                  hr_users=frozenset(settings.hr_users))
    dispatcher = Dispatcher(ctx, worker=worker)
    ctx.wake = dispatcher.wake
    haven = Haven(ctx)
    haven.desk = DeskAccess(  # links and sessions run on the real clock: they are security windows
        access=HrAccess(channel_check=_hr_check(ctx)),
        signin=SignIn(db=db, clock=ctx.wall, public_url=settings.desk_url),
    )
    return Runtime(
        settings=settings, policy=policy, db=db, ctx=ctx, haven=haven,
        dispatcher=dispatcher, sweeper=Sweeper(ctx, worker=worker), metrics=metrics,
    )


def _hr_check(ctx: Context) -> ChannelCheck:
    """HR on the desk: the core's one definition (``HAVEN_HR_USERS`` or the HR channel's
    members, spec 8.6), so that the desk and the register's decisions agree."""
    async def check(identity: Identity) -> bool:
        return await is_hr_member(ctx, identity.platform, identity.user_id)

    return check


async def migrate(runtime: Runtime) -> None:
    """Apply migrations inside a running loop (console, tests), then refuse a key that
    cannot read the stored reports, before anything is written, and make sure the stored
    customer hashes are made under the configured key (:mod:`storage.customer_keys`)."""
    from storage.customer_keys import StaleHashes, check_hashes
    from storage.migrate import upgrade

    await upgrade(runtime.db)
    await check_key_of(runtime.db)
    try:
        await check_hashes(runtime.db)
    except StaleHashes as exc:
        raise ConfigError(str(exc)) from None


async def count_open(runtime: Runtime) -> None:
    """Set the open-incidents gauge from the database: exact across replicas."""
    from storage import incidents as repo

    async with runtime.db.session() as session:
        runtime.metrics.open_incidents.set(await repo.count_open(session=session))
