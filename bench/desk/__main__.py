"""HR desk benchmark: ``python -m bench.desk [--db sqlite|postgresql|both] [--incidents N] [--requests N]``.

Seeds N incidents (default 10,000; encrypted text, several categories, severities and
statuses over a year) into a fresh database, serves the desk over real HTTP on
loopback, signs in with a one-time link, then times N requests (default 300) to
``/hr/incidents`` with a random mix of filters and pages. Prints p50/p95/p99 in ms.
Target: p95 < 300 ms. PostgreSQL needs ``HAVEN_TEST_DATABASE_URL``. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet

from bot.app.config import Settings
from bot.app.desk_wiring import build_desk
from bot.app.runtime import build_runtime, migrate
from bot.hr.app import mount
from storage.hr_desk import Identity
from storage.incident_models import Incident
from tests.support.databases import drop_test_database, make_test_database_url

START = datetime(2025, 12, 1)
STATUSES = ("open", "acknowledged", "resolved")


async def seed(runtime, count: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    categories = [c.id for c in runtime.policy.categories]
    severities = [s.id for s in runtime.policy.severities]
    batch = 1000
    for first in range(0, count, batch):
        async with runtime.db.session() as session:
            for n in range(first, min(first + batch, count)):
                at = START + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
                status = rng.choice(STATUSES)
                session.add(Incident(
                    ref=f"INC-2026-{n + 1:06d}", platform="slack", reporter_id=f"U{n % 500:05d}",
                    category=rng.choice(categories), severity=rng.choice(severities), status=status,
                    description=f"seeded report {n}", reported_at=at, policy_version="bench",
                    acknowledged_at=at + timedelta(minutes=rng.randrange(1, 90)) if status != "open" else None,
                    customer_hash=f"c{rng.randrange(0, 3000)}",
                ))
            await session.commit()


def query(rng: random.Random, policy) -> str:  # type: ignore[no-untyped-def]
    parts = []
    if rng.random() < 0.5:
        parts.append(f"status={rng.choice(STATUSES)}")
    if rng.random() < 0.5:
        parts.append(f"severity={rng.choice([s.id for s in policy.severities])}")
    if rng.random() < 0.4:
        parts.append(f"category={rng.choice([c.id for c in policy.categories])}")
    if rng.random() < 0.3:
        parts.append("from=2026-03-01&to=2026-09-30")
    parts.append(f"page={rng.choice([1, 1, 1, 2, 5, 20])}")
    return "&".join(parts)


async def run(kind: str, incidents: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = await make_test_database_url(kind, Path(tmp))
        settings = Settings.model_validate({"HAVEN_DATABASE_URL": url, "HAVEN_HR_USERS": "UHR1",
                                            "HAVEN_ENCRYPTION_KEY": Fernet.generate_key().decode()})
        runtime = build_runtime(settings)
        await migrate(runtime)
        began = time.perf_counter()
        await seed(runtime, incidents)
        print(f"{kind}: seeded {incidents} incidents in {time.perf_counter() - began:.1f} s")
        app = web.Application()
        desk = build_desk(runtime)
        mount(app, desk)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # aiohttp has no public getter
        base = f"http://127.0.0.1:{port}"
        link = await desk.signin.issue_link(Identity("slack", "UHR1"))
        rng = random.Random(11)
        timings: list[float] = []
        try:
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:  # an IP host
                async with client.get(base + "/hr/" + link.split("/hr/", 1)[1]) as signed:
                    assert signed.status == 200, signed.status
                for _ in range(requests):
                    path = "/hr/incidents?" + query(rng, runtime.policy)
                    t0 = time.perf_counter()
                    async with client.get(base + path) as response:
                        await response.read()
                        assert response.status == 200, (path, response.status)
                    timings.append((time.perf_counter() - t0) * 1000)
        finally:
            await runner.cleanup()
            await runtime.close()
            await drop_test_database(url)
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    print(f"{kind}: {requests} list requests over {incidents} incidents: "
          f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms (target p95 < 300 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        if kind == "postgresql" and not os.environ.get("HAVEN_TEST_DATABASE_URL"):
            raise SystemExit("PostgreSQL needs HAVEN_TEST_DATABASE_URL")
        asyncio.run(run(kind, args.incidents, args.requests))


if __name__ == "__main__":
    main()
