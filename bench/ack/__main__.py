"""``python -m bench.ack``: Haven's durable acknowledgement against bare slack-bolt.

Starts a fake Slack Web API, then the bare bolt app, then ``haven serve`` (SQLite, or
PostgreSQL with ``--postgresql``), each pinned to one core with ``taskset`` while this
process (the load generator) and the fake run on the other; drives each with the same
signed ``/abuse`` quick reports and prints a Markdown table. See bench/ack/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
from pathlib import Path

from bench.ack import proc
from bench.ack.pg import fresh_database
from bench.ack.runner import SUPERVISORS, Options, run_bolt, run_haven
from bench.ack.table import Result, render, verdict


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.ack", description=__doc__.split("\n\n")[0])
    p.add_argument("--postgresql", nargs="?", const="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
                   metavar="URL", help="run Haven on a fresh PostgreSQL database created through URL")
    p.add_argument("--reports", type=int, default=5000, help="measured reports per server (default 5000)")
    p.add_argument("--warmup", type=int, default=500, help="unmeasured reports first (default 500)")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--rate", type=float, default=50.0, help="reports/s for report-to-alert (default 50)")
    p.add_argument("--alert-seconds", type=float, default=20.0, help="how long to send at --rate (default 20)")
    p.add_argument("--only", choices=("haven", "bolt"), help="run one server only")
    p.add_argument("--bolt-fast", action="store_true",
                   help="baseline with process_before_response=True (no ack() polling) instead of bolt's default")
    p.add_argument("--profile", type=Path, metavar="FILE",
                   help="run haven serve under cProfile and write the stats to FILE (slower; for where the time goes)")
    p.add_argument("--paced", action="store_true",
                   help="keep Haven's own Slack pacing (~1 post/s per channel; backlogs become digests)")
    p.add_argument("--memory", action="store_true",
                   help="Haven only: RSS after 5,000 vs after 50,000 reports (takes minutes)")
    return p.parse_args(argv)


async def amain(args: argparse.Namespace) -> int:
    server_core, load_core = proc.cores()
    os.sched_setaffinity(0, {load_core})
    logs = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    fake_port = proc.free_port()
    fake = proc.start("fake-slack", [sys.executable, "-m", "bench.ack.fake_slack", str(fake_port), SUPERVISORS],
                      core=load_core, port=fake_port, env=proc.clean_env(), logs=logs)
    results: list[Result] = []
    try:
        await proc.wait_ready(fake, None)
        async with fresh_database(args.postgresql, logs) as database_url:
            opts = Options(reports=args.reports, warmup=args.warmup, concurrency=args.concurrency,
                           rate=args.rate, alert_seconds=args.alert_seconds, server_core=server_core,
                           logs=logs, fake_url=fake.url, database_url=database_url,
                           memory=args.memory, bolt_fast=args.bolt_fast, paced=args.paced,
                           profile=args.profile.resolve() if args.profile else None)
            if args.only != "haven" and not args.memory:
                results.append(await run_bolt(opts))
            if args.only != "bolt":
                results.append(await run_haven(opts))
    finally:
        fake.stop()
    database = "PostgreSQL" if args.postgresql else "SQLite"
    bolt_mode = "process_before_response=True" if args.bolt_fast else "default mode"
    print(f"\n{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), Python "
          f"{platform.python_version()}; server on core {server_core}, load generator and fake Slack on core "
          f"{load_core}; Haven on {database}; bolt {bolt_mode}; {args.reports:,} reports after "
          f"{args.warmup:,} warm-up; logs in {logs}\n")
    print(render(results, concurrency=args.concurrency, rate=args.rate))
    for result in results:
        for note in result.notes:
            print(f"\n{note}")
        if result.drain_seconds is not None:
            print(f"\nhaven: the closed loop's last alert reached the fake {result.drain_seconds:.1f} s "
                  "after the last answer")
    print()
    for line in verdict(results):
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(amain(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
