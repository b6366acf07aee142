"""Assembling Haven from settings: policy, database, context, core, dispatcher, sweep.

Nothing here imports a platform SDK; adapters register their messenger and
directory on ``runtime.ctx`` when the composition roots (server, cli) wire them in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.model.clock import clock_from
from bot.app.config import Settings
from bot.flows.context import Context
from bot.core import Haven
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.sweep import Sweeper
from bot.flows.metrics import Metrics
from bot.model.ports import Clock
from policy.loader import load_policy
from policy.model import Policy
from storage.crypto import Cipher
from storage.db import Database

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
    ready: dict[str, bool] = field(default_factory=dict)

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
    return Runtime(
        settings=settings, policy=policy, db=db, ctx=ctx, haven=Haven(ctx),
        dispatcher=dispatcher, sweeper=Sweeper(ctx, worker=worker), metrics=metrics,
    )


async def migrate(runtime: Runtime) -> None:
    """Apply migrations inside a running loop (console, tests)."""
    from storage.migrate import upgrade

    await upgrade(runtime.db)


async def count_open(runtime: Runtime) -> None:
    """Set the open-incidents gauge from the database: exact across replicas."""
    from storage import incidents as repo

    async with runtime.db.session() as session:
        runtime.metrics.open_incidents.set(await repo.count_open(session=session))
