"""Where a report's time goes, in-process: ``python -m bench.ack.intake_profile``.

Drives the core's report path (``Haven.report`` → ``bot.flows.intake.log_report`` → storage)
with quick reports from 16 concurrent tasks on a fresh SQLite (or ``--postgresql URL``)
database, no HTTP and no dispatcher, and prints reports/s, then the cProfile top
functions of the main thread. SQLite itself runs in aiosqlite's thread (not profiled):
its share is the wall time the profile does not account for.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import pstats
import tempfile
import time
from pathlib import Path

from bench.ack.runner import FERNET_KEY
from bot.app.config import Settings
from bot.model.inbound import Actor, ReportIn
from bot.app.runtime import build_runtime, migrate


async def drive(url: str, total: int, concurrency: int, profile: cProfile.Profile | None) -> float:
    runtime = build_runtime(Settings.model_validate(
        {"HAVEN_DATABASE_URL": url, "HAVEN_ENCRYPTION_KEY": FERNET_KEY}))
    await migrate(runtime)
    counter = itertools.count()

    async def worker() -> None:
        while (i := next(counter)) < total:
            actor = Actor("slack", f"U{i % 64:04d}", "en")
            outcome = await runtime.haven.report(ReportIn(
                actor=actor, text=f"the customer shouted at me (bench {i})", intake_key=f"T{i}"))
            assert outcome.ref, "a quick report must be logged"

    await asyncio.gather(*(worker() for _ in range(concurrency)))  # warm-up: caches, statements
    counter = itertools.count(total)
    total *= 2
    start = time.perf_counter()
    if profile:
        profile.enable()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    if profile:
        profile.disable()
    elapsed = time.perf_counter() - start
    await runtime.close()
    return (total // 2) / elapsed


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.ack.intake_profile")
    p.add_argument("--reports", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--postgresql", metavar="URL", help="a database URL instead of a fresh SQLite file")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--no-profile", action="store_true", help="only the rate, without profiler overhead")
    args = p.parse_args()
    url = args.postgresql or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'haven.db'}"
    profile = None if args.no_profile else cProfile.Profile()
    rate = asyncio.run(drive(url, args.reports, args.concurrency, profile))
    print(f"{rate:,.0f} reports/s in-process ({'profiled' if profile else 'not profiled'}), "
          f"concurrency {args.concurrency}")
    if profile:
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
