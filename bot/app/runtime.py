"""Assembling Haven from settings: policy, database, context, core, dispatcher, sweep.

Nothing here imports a platform SDK; adapters register their messenger and
directory with ``runtime.haven`` when the composition roots (server, cli) wire them in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.model.clock import clock_from
from bot.app.config import Settings
from bot.flows.context import Context
from bot.core import DeskAccess, Haven
from bot.flows.permissions import is_hr_member
from bot.hr.access import ChannelCheck, HrAccess
from bot.hr.signin import SignIn
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sweep import Sweeper
from bot.flows.metrics import Metrics
from bot.model.ports import Clock
from policy.loader import load_policy
from policy.model import Policy
from storage.crypto import Cipher
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


def make_database(settings: Settings) -> Database:
    return Database(settings.database_url, cipher=Cipher(settings.encryption_key))


def build_runtime(settings: Settings, *, clock: Clock | None = None, policy: Policy | None = None,
                  worker: str | None = None) -> Runtime:
    """Create every part; no I/O beyond reading the policy file."""
    policy = policy or load_policy(settings.policy)
    db = make_database(settings)
    metrics = Metrics()
    ctx = Context(db=db, policy=policy, clock=clock or clock_from(settings.clock_file),
                  metrics=metrics, default_locale=settings.locale,
                  admins={"slack": frozenset(settings.slack_admins), "teams": frozenset(settings.teams_admins)})
    dispatcher = Dispatcher(ctx, worker=worker)
    ctx.wake = dispatcher.wake
    haven = Haven(ctx)
    haven.desk = DeskAccess(  # links and sessions run on the real clock: they are security windows
        access=HrAccess(hr_users=frozenset(settings.hr_users), channel_check=_hr_channel_check(ctx)),
        signin=SignIn(db=db, clock=ctx.wall, public_url=settings.desk_url),
    )
    return Runtime(
        settings=settings, policy=policy, db=db, ctx=ctx, haven=haven,
        dispatcher=dispatcher, sweeper=Sweeper(ctx, worker=worker), metrics=metrics,
    )


def _hr_channel_check(ctx: Context) -> ChannelCheck:
    """HR on the desk: the members of the HR channel (spec 8.6), as the platform says."""
    async def check(identity: Identity) -> bool:
        return await is_hr_member(ctx, identity.platform, identity.user_id)

    return check


async def migrate(runtime: Runtime) -> None:
    """Apply migrations inside a running loop (console, tests)."""
    from storage.migrate import upgrade

    await upgrade(runtime.db)


async def count_open(runtime: Runtime) -> None:
    """Set the open-incidents gauge from the database: exact across replicas."""
    from storage import incidents as repo

    async with runtime.db.session() as session:
        runtime.metrics.open_incidents.set(await repo.count_open(session=session))
