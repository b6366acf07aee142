"""APScheduler ticks the sweep; the only module that imports it.

APScheduler holds two interval jobs (the sweep, retention) in its in-memory job store
and never one job per incident: due work lives in Haven's own tables, so nothing is
shared between replicas through APScheduler and nothing is lost when a process dies.

Known traps of APScheduler 3.x avoided here: the default ``misfire_grace_time`` (1 s)
silently skips a tick that starts late, so the grace is unlimited and ``coalesce``
folds missed runs into one; ``max_instances=1`` keeps ticks from overlapping; both jobs
run once right at start, so overdue rows are swept at once after a restart and a
process restarted daily still applies retention.

The interval is the backstop, not the schedule: after each sweep, ``next_due`` says how
many seconds remain until the next pending row falls due, and when that is sooner than
the interval the sweep's next run is moved to that instant (no more than
:data:`MIN_WAKE` ahead), so due work starts on time instead of up to one interval late.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("haven.scheduler")
RETENTION_EVERY = timedelta(days=1)
RETENTION_FIRST_DELAY = timedelta(seconds=30)  # let the process settle before the first purge
MIN_WAKE = 0.02  # seconds: an early sweep runs after the one that armed it has been released
SWEEP = "haven-sweep"

# "Execution of job … skipped: maximum number of running instances reached" is the
# expected outcome of a long sweep with max_instances=1, not a problem worth a warning.
logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)


class Ticker:
    """Started in the aiohttp app's startup (it needs the running loop).

    ``tick`` runs every ``tick_seconds`` (the first right away), and earlier when
    ``next_due`` (seconds until the next pending row is due, or None) says so; ``daily``
    (retention) once a day, the first shortly after start.
    """

    def __init__(self, *, tick: Callable[[], Awaitable[Any]], tick_seconds: float,
                 daily: Callable[[], Awaitable[Any]] | None = None,
                 next_due: Callable[[], Awaitable[float | None]] | None = None) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._running: set[asyncio.Task[Any]] = set()
        self._tick_seconds = tick_seconds
        self._next_due = next_due
        defaults: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        now = datetime.now(UTC)
        self._scheduler.add_job(_guard(self._sweep(tick), "sweep", self._running), "interval",
                                seconds=tick_seconds, id=SWEEP, next_run_time=now, **defaults)
        if daily is not None:
            self._scheduler.add_job(_guard(daily, "retention", self._running), "interval",
                                    seconds=RETENTION_EVERY.total_seconds(), id="haven-retention",
                                    next_run_time=now + RETENTION_FIRST_DELAY, **defaults)

    def _sweep(self, tick: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
        async def sweep() -> None:
            await tick()
            if self._next_due is not None:
                self._wake_in(await self._next_due())

        return sweep

    def _wake_in(self, seconds: float | None) -> None:
        """Move the sweep's next run to ``seconds`` from now when that is sooner."""
        if seconds is None or seconds >= self._tick_seconds or not self._scheduler.running:
            return
        job = self._scheduler.get_job(SWEEP)
        when = datetime.now(UTC) + timedelta(seconds=max(MIN_WAKE, seconds))
        if job is not None and job.next_run_time is not None and when < job.next_run_time:
            job.modify(next_run_time=when)

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def aclose(self, timeout: float = 10.0) -> None:
        """Stop ticking and let a running tick finish: APScheduler's shutdown cancels it,
        and a sweep cancelled inside a database call can hang the loop's close."""
        if self._scheduler.running:
            self._scheduler.pause()
        running = set(self._running)
        if running:
            await asyncio.wait(running, timeout=timeout)
        self.stop()

    def jobs(self) -> dict[str, datetime | None]:
        """Each APScheduler job id with its next run time (for tests and diagnostics)."""
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}


def _guard(job: Callable[[], Awaitable[Any]], name: str,
           running: set[asyncio.Task[Any]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        task = asyncio.current_task()
        if task is not None:
            running.add(task)
        try:
            await job()
        except Exception:
            log.exception("%s tick failed; the next tick retries", name)
        finally:
            running.discard(task)

    run.__name__ = f"haven_{name}"
    return run
