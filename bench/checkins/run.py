"""Check-in benchmark: ``python -m bench.checkins.run [--db sqlite|postgresql|both]``.

With 100,000 pending check-ins in a fresh database it measures:

* start-up: ``haven serve`` launched until ``/healthz`` answers 200 (migrations included);
* RSS of that server when idle, and its peak after a burst of due check-ins;
* the claim query (``storage.schedule.claim_jobs``): p99 when nothing is due (every
  tick's case) and when claiming batches of 100 out of 1,000 due rows;
* due → delivery lag for 1,000 check-ins falling due at once, in process with the real
  Ticker (``HAVEN_TICK_SECONDS``, default 1 s), Sweeper and Dispatcher and a messenger
  that answers at once. The policy clock runs in real time and reaches the due instant by
  itself, at a random phase against the ticks (as in production: nothing tells the sweep
  that time moved); and due → outbox row settled in the ``haven serve`` process
  (no chat platform there, so the rows are dead-lettered: the same sweep and dispatch
  work minus a platform round-trip).

PostgreSQL needs ``HAVEN_TEST_DATABASE_URL`` (e.g.
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``); a database is created and
dropped. Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, func, select

from bench.checkins.seed import seed
from bot.model.clock import iso
from bot.app.config import Settings
from bot.delivery.sweep import JOB_LEASE
from bot.model.messages import Audience, Message
from bot.model.ports import Meta, PostRef, Target
from bot.app.runtime import build_runtime
from bot.delivery.scheduler import Ticker
from storage import schedule
from storage.db import Database
from storage.delivery_models import Job, OutboxMessage
from tests.support.databases import drop_test_database, make_test_database_url
from tests.support.serve import free_port, haven_env, start_haven

T0 = datetime(2026, 12, 1, 1, 0)  # the burst the server process sweeps
T1 = T0 + timedelta(hours=1)      # the burst the in-process run delivers
PLATFORM = "bench"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return (f"p50 {pct(values, .5) * 1000:.2f} ms, p99 {pct(values, .99) * 1000:.2f} ms, "
            f"max {max(values) * 1000:.2f} ms (n={len(values)})")


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


CLAIM_ROUNDS = 20  # bursts of ``due`` rows claimed 100 at a time: 200 samples, so the p99 is not just the maximum


def claim_bursts(due: int) -> list[tuple[datetime, int]]:
    """The bursts the claim timings take, one a minute before ``T0`` (each claimed in turn)."""
    return [(T0 - timedelta(minutes=CLAIM_ROUNDS + 1 - k), due) for k in range(CLAIM_ROUNDS)]


async def claim_timings(db: Database, due: int) -> tuple[list[float], list[float]]:
    """Claims with nothing due, then each burst of ``due`` rows claimed 100 at a time at its
    due time (the bursts before it are claimed already: ``due`` rows due, no more); the
    claimed rows are marked done at the end, as a sweep would."""
    bursts = claim_bursts(due)
    idle = []
    for _ in range(500):
        began = time.perf_counter()
        got = await schedule.claim_jobs(db=db, now=bursts[0][0] - timedelta(seconds=1), worker="bench",
                                        lease=JOB_LEASE)
        idle.append(time.perf_counter() - began)
        assert not got
    busy = []
    for when, count in bursts:
        claimed = 0
        while claimed < count:
            began = time.perf_counter()
            got = await schedule.claim_jobs(db=db, now=when, worker="bench", lease=JOB_LEASE, limit=100)
            busy.append(time.perf_counter() - began)
            claimed += len(got)
            assert got
        assert claimed == count
    async with db.session() as session:
        await session.exec(update(Job).where(col(Job.claimed_by) == "bench")  # type: ignore[call-overload]
                           .values(state="done", lease_until=None))
        await session.commit()
    return idle, busy


async def serve_run(url: str, tmp: Path, due: int) -> dict[str, str]:
    clock = tmp / "clock"
    clock.write_text(iso(T0 - timedelta(minutes=1)))
    env = haven_env(tmp, url, HAVEN_CLOCK_FILE=str(clock), HAVEN_TICK_SECONDS="1")
    began = time.perf_counter()
    haven = start_haven(env, tmp, port=free_port(), timeout=120)
    startup = time.perf_counter() - began
    try:
        await asyncio.sleep(2)
        idle_rss = rss_mb(haven.process.pid)
        db = Database(url)
        wall0 = datetime.utcnow()  # compared with naive-UTC wall times in rows
        clock.write_text(iso(T0))
        settled: list[datetime] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            async with db.session() as session:
                query = select(OutboxMessage.dead_at, OutboxMessage.sent_at).where(
                    col(OutboxMessage.kind) == "checkin", col(OutboxMessage.state).in_(["dead", "sent"]))
                rows = (await session.exec(query)).all()
            if len(rows) >= due:
                settled = [r[0] or r[1] for r in rows]
                break
            await asyncio.sleep(0.1)
        await db.dispose()
        lags = [(s - wall0).total_seconds() for s in settled]
        return {"startup": f"{startup:.2f} s", "rss idle": f"{idle_rss:.0f} MB",
                "rss peak": f"{rss_mb(haven.process.pid, 'VmHWM'):.0f} MB",
                "due -> outbox settled (serve)": ms(lags) if lags else "did not settle in 120 s"}
    finally:
        haven.stop()


@dataclass
class FlowingClock:
    """Haven's policy clock running in real time: it reads ``at`` at monotonic ``since``."""

    at: datetime
    since: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        return self.at + timedelta(seconds=time.monotonic() - self.since)


@dataclass
class TimedMessenger:
    """Answers at once and notes when each message arrived."""

    arrived: list[float] = field(default_factory=list)
    outbox_ids: set[int] = field(default_factory=set)

    async def post(self, target: Target, message: Message, *, meta: Meta, thread: PostRef | None = None) -> PostRef:
        self.arrived.append(time.monotonic())
        self.outbox_ids.add(meta.outbox_id)
        return PostRef({"ts": str(meta.outbox_id)})

    async def update(self, ref: PostRef, message: Message, *, meta: Meta) -> None:
        return None

    async def reachable(self, audience: Audience) -> bool:
        return True


async def delivery_lag(url: str, due: int) -> str:
    lead = 1.3 + random.random()  # seconds until the burst falls due: a random phase against the ticks
    clock = FlowingClock(T1 - timedelta(seconds=lead))
    runtime = build_runtime(Settings.model_validate({"HAVEN_DATABASE_URL": url}), clock=clock)
    messenger = TimedMessenger()
    runtime.ctx.messengers[PLATFORM] = messenger
    runtime.dispatcher.start()
    ticker = Ticker(tick=runtime.sweeper.tick, tick_seconds=runtime.settings.tick_seconds,
                    next_due=runtime.sweeper.next_due_in)
    ticker.start()
    try:
        began = clock.since + lead  # the monotonic instant the policy clock reads T1
        await asyncio.sleep(max(0.0, began - time.monotonic()))
        deadline = began + 120
        while len(messenger.arrived) < due and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert len(messenger.outbox_ids) == len(messenger.arrived), "a message was delivered twice"
        return ms([a - began for a in messenger.arrived]) + ("" if len(messenger.arrived) >= due else " INCOMPLETE")
    finally:
        await ticker.aclose()
        await runtime.close()


async def bench(kind: str, checkins: int, due: int) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        url = await make_test_database_url(kind, tmp)
        try:
            db = Database(url)
            began = time.perf_counter()
            await seed(db, checkins=checkins, bursts=[*claim_bursts(due), (T0, due), (T1, due)],
                       now=T0 - timedelta(hours=1),
                       platform=PLATFORM)
            seeded = time.perf_counter() - began
            async with db.session() as session:
                pending = (await session.exec(select(func.count()).select_from(Job)
                                              .where(col(Job.state) == "pending"))).one()
            idle, busy = await claim_timings(db, due)
            await db.dispose()
            result = {"pending check-ins": str(pending), "seeded in": f"{seeded:.1f} s",
                      "claim, nothing due": ms(idle), "claim 100 of 1,000 due": ms(busy)}
            result.update(await serve_run(url, tmp, due))
            result["due -> delivered (in process)"] = await delivery_lag(url, due)
            return result
        finally:
            await drop_test_database(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--checkins", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if "postgresql" in kinds and not os.environ.get("HAVEN_TEST_DATABASE_URL"):
        print("PostgreSQL needs HAVEN_TEST_DATABASE_URL; skipping it", file=sys.stderr)
        kinds.remove("postgresql")
    for kind in kinds:
        print(f"== {kind}: {args.checkins:,} pending check-ins, {args.due:,} due at once", flush=True)
        for name, value in asyncio.run(bench(kind, args.checkins, args.due)).items():
            print(f"  {name:<32} {value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
