"""APScheduler ticks the sweep; the only module that imports it.

APScheduler holds two interval jobs (the sweep, retention) and never one job per
incident: due work lives in Haven's own tables.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("haven.scheduler")


class Ticker:
    """Started in the aiohttp app's startup (it needs the running loop)."""

    def __init__(self, *, tick: Callable[[], Awaitable[Any]], tick_seconds: float,
                 daily: Callable[[], Awaitable[Any]] | None = None) -> None:
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        self._scheduler.add_job(_guard(tick, "sweep"), "interval", seconds=tick_seconds,
                                id="haven-sweep", **defaults)
        if daily is not None:
            self._scheduler.add_job(_guard(daily, "retention"), "interval", hours=24,
                                    id="haven-retention", **defaults)

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


def _guard(job: Callable[[], Awaitable[Any]], name: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job()
        except Exception:
            log.exception("%s tick failed; the next tick retries", name)

    run.__name__ = f"haven_{name}"
    return run
