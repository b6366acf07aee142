"""Running one server through the phases: warm-up, closed loop, alerts at a fixed rate."""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import yaml

from bench.ack import proc
from bench.ack.loadgen import Reports, Run, closed_loop, open_loop
from bench.ack.table import Result
from policy.loader import DEFAULT_POLICY_PATH

SECRET = "bench-signing-secret-0123456789abcdef"
TOKEN = "xoxb-bench-token"
SUPERVISORS = "GBENCHSUPERVISORS"
FERNET_KEY = "yPZ3Hk0ZB2Vq1Zp2wqFQz8m6n2xv1o4s7e9b3c5d7fA="  # a fixed bench-only key
LOAD_LIMIT = 10_000  # limits.reports_per_minute for the load test (the policy's maximum)


@dataclass
class Options:
    reports: int
    warmup: int
    concurrency: int
    rate: float
    alert_seconds: float
    server_core: int
    logs: Path
    fake_url: str
    database_url: str
    memory: bool = False
    bolt_fast: bool = False
    paced: bool = False  # keep Haven's Slack pacing (alerts beyond ~1/s become digests)
    profile: Path | None = None  # run haven serve under cProfile, writing here


def say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


async def fake_reset(opts: Options) -> None:
    async with aiohttp.ClientSession() as session, session.post(opts.fake_url + "/_bench/reset") as response:
        response.raise_for_status()


async def fake_alerts(opts: Options) -> dict[str, float]:
    async with aiohttp.ClientSession() as session, session.get(opts.fake_url + "/_bench/alerts") as response:
        data = await response.json()
    return {ref: at for ref, at in data["alerts"]}


async def wait_alerts(opts: Options, refs: set[str], timeout: float) -> tuple[dict[str, float], float]:
    """Until the fake has an alert for every ref (or ``timeout``): (arrivals, seconds waited)."""
    start = time.monotonic()
    while True:
        arrived = await fake_alerts(opts)
        if refs <= arrived.keys() or time.monotonic() - start > timeout:
            return arrived, time.monotonic() - start
        await asyncio.sleep(0.2)


def bolt_argv() -> list[str]:
    return [sys.executable, "-m", "bench.ack.baseline"]


def haven_env(opts: Options, port: int, *, flood_limit: int | None = LOAD_LIMIT) -> dict[str, str]:
    """``flood_limit``: the policy's ``limits.reports_per_minute`` (None: the default policy).
    The load test's 64 reporters each send hundreds of reports a minute, which Haven would
    rightly treat as floods (alerts folded into one digest a minute), so it lifts the limit."""
    extra = {"HAVEN_POLICY": str(bench_policy(opts.logs, flood_limit))} if flood_limit is not None else {}
    return proc.clean_env(
        HAVEN_DATABASE_URL=opts.database_url, HAVEN_HOST="127.0.0.1", HAVEN_PORT=str(port),
        HAVEN_ENCRYPTION_KEY=FERNET_KEY, HAVEN_LOG_LEVEL="WARNING",
        SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=opts.fake_url + "/api/",
        HAVEN_SLACK_SUPERVISOR_CHANNEL=SUPERVISORS, **extra,
    )


def bench_policy(logs: Path, flood_limit: int) -> Path:
    """The default policy with ``limits.reports_per_minute`` set to ``flood_limit``."""
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    data["limits"] = {"reports_per_minute": flood_limit}
    path = logs / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


async def run_bolt(opts: Options) -> Result:
    port = proc.free_port()
    env = proc.clean_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=opts.fake_url + "/api/",
                         BENCH_BOLT_PROCESS_BEFORE_RESPONSE="1" if opts.bolt_fast else "0")
    server = proc.start("bolt", [*bolt_argv(), str(port)], core=opts.server_core, port=port, env=env, logs=opts.logs)
    try:
        await proc.wait_ready(server, None)
        say(f"bolt baseline on core {opts.server_core} (pid {server.popen.pid})")
        return await _measure(opts, server, durable=False)
    finally:
        server.stop()


async def run_haven(opts: Options) -> Result:
    port = proc.free_port()
    module = ["bot.app.cli", "serve"] if opts.paced else ["bench.ack.haven_serve"]
    argv = [sys.executable, "-m", *module]
    if opts.profile:
        argv[1:1] = ["-m", "cProfile", "-o", str(opts.profile)]
    server = proc.start("haven", argv, core=opts.server_core, port=port, env=haven_env(opts, port), logs=opts.logs)
    try:
        await proc.wait_ready(server, "/healthz")
        say(f"haven serve on core {opts.server_core} (pid {server.popen.pid}), {opts.database_url.split(':')[0]}")
        if opts.memory:
            return await _memory(opts, server)
        result = await _measure(opts, server, durable=True)
        await _alerts(opts, server, result)
        return result
    finally:
        server.stop()


async def _measure(opts: Options, server: proc.Process, *, durable: bool) -> Result:
    url = server.url + "/slack/events"
    reports = Reports(SECRET, tag=server.name)
    if opts.warmup:
        warm = await closed_loop(url, reports, total=opts.warmup, concurrency=opts.concurrency, durable=durable)
        if durable:  # let the warm-up's alerts go out before measuring
            await wait_alerts(opts, {s.ref for s in warm.ok if s.ref}, timeout=120)
            await fake_reset(opts)
    say(f"{server.name}: {opts.reports} reports at concurrency {opts.concurrency}")
    cpu = server.cpu()
    run = await closed_loop(url, reports, total=opts.reports, concurrency=opts.concurrency, durable=durable)
    server_cpu = server.cpu() - cpu
    result = Result(server.name, run, server.status("VmHWM"), server_cpu)
    if durable:
        refs = {s.ref for s in run.ok if s.ref}
        _, waited = await wait_alerts(opts, refs, timeout=300)
        result.drain_seconds = waited
        say(f"haven: every alert of the closed loop delivered {waited:.1f} s after the last answer")
    return result


async def _alerts(opts: Options, server: proc.Process, result: Result) -> None:
    await asyncio.sleep(1.0)
    await fake_reset(opts)
    say(f"haven: report→alert at {opts.rate:g} reports/s for {opts.alert_seconds:g} s")
    reports = Reports(SECRET, tag="alerts")
    run: Run = await open_loop(server.url + "/slack/events", reports, rate=opts.rate,
                               seconds=opts.alert_seconds, durable=True)
    refs = {s.ref for s in run.ok if s.ref}
    arrived, _ = await wait_alerts(opts, refs, timeout=30)
    result.alert_errors = run.errors
    result.alert_missing = len(refs - arrived.keys())
    result.alert_latencies = [arrived[s.ref] - s.started for s in run.ok if s.ref in arrived]
    result.peak_rss_kb = server.status("VmHWM")


async def _memory(opts: Options, server: proc.Process) -> Result:
    """RSS after 5,000 and after 50,000 reports (the issue's leak check)."""
    url = server.url + "/slack/events"
    marks = {5_000: 0, 50_000: 0}

    def on_count(n: int) -> None:
        if n in marks:
            marks[n] = server.status("VmRSS")
            say(f"haven: RSS after {n:,} reports: {marks[n] / 1024:.1f} MB")
        elif n % 5_000 == 0:
            say(f"haven: {n:,} reports, RSS {server.status('VmRSS') / 1024:.1f} MB")

    cpu = server.cpu()
    run = await closed_loop(url, Reports(SECRET, tag="memory"), total=max(marks), concurrency=opts.concurrency,
                            durable=True, on_count=on_count)
    result = Result("haven", run, server.status("VmHWM"), server.cpu() - cpu)
    growth = marks[50_000] / marks[5_000] if marks[5_000] else float("nan")
    result.notes.append(f"RSS after 5,000 reports {marks[5_000] / 1024:.1f} MB, after 50,000 "
                        f"{marks[50_000] / 1024:.1f} MB: {growth:.3f}× "
                        f"({'MET' if growth <= 1.10 else 'MISSED'}, target ≤ 1.10×)")
    return result
