"""The load generator: signed ``/abuse`` quick reports over aiohttp.

Closed loop (a fixed number of concurrent workers, each sending the next report as
soon as its previous one was answered) for throughput and acknowledgement latency;
open loop (a fixed rate, whatever the answers) for report-to-alert latency.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import re
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp

INCIDENT = re.compile(r"INC-\d{4}-\d{6}")
USERS = 64  # distinct reporters (their locale is looked up once, then cached)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Reports:
    """Slash-command bodies, each with its own ``trigger_id`` (Haven's intake key)."""

    def __init__(self, secret: str, *, tag: str, user: str | None = None) -> None:
        self.secret = secret.encode()
        self.tag = tag
        self.user = user  # one reporter for every report (the flood), else USERS rotating
        self.counter = itertools.count(1)

    def next(self) -> tuple[bytes, dict[str, str]]:
        i = next(self.counter)
        user = self.user or f"UBENCH{i % USERS:04d}"
        body = urlencode({
            "token": "bench-verification-token", "team_id": "TBENCH", "team_domain": "bench",
            "channel_id": f"D{i % USERS:08d}", "channel_name": "directmessage",
            "user_id": user, "user_name": "employee", "command": "/abuse",
            "text": f"the customer shouted at me and threatened me on the phone (bench {i})",
            "api_app_id": "ABENCH", "is_enterprise_install": "false",
            "response_url": f"https://hooks.slack.com/commands/TBENCH/{i}/bench",
            "trigger_id": f"{self.tag}.{i}.{time.time_ns()}",
        }).encode()
        return body, self.headers(body)

    def headers(self, body: bytes) -> dict[str, str]:
        """Slack's signature headers for a form-encoded body (HMAC-SHA256, v0)."""
        stamp = str(int(time.time()))
        digest = hmac.new(self.secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Sent:
    started: float
    latency: float
    ok: bool
    ref: str | None


@dataclass
class Run:
    """What one phase observed (times in seconds)."""

    sent: list[Sent] = field(default_factory=list)
    elapsed: float = 0.0
    cpu: float = 0.0  # the load generator's own CPU seconds over the phase
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.sent if not s.ok)

    @property
    def ok(self) -> list[Sent]:
        return [s for s in self.sent if s.ok]


async def send_one(session: aiohttp.ClientSession, url: str, reports: Reports,
                   durable: bool, run: Run) -> Sent:
    """One report; ``durable``: only an answer naming the ``INC-…`` id counts as success."""
    body, headers = reports.next()
    started = time.monotonic()
    ref: str | None = None
    try:
        async with session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            latency = time.monotonic() - started
            if response.status != 200:
                kind = f"http {response.status}"
            else:
                match = INCIDENT.search(text)
                ref = match.group(0) if match else None
                kind = "" if (ref or not durable) else "answer without INC id"
    except (TimeoutError, aiohttp.ClientError) as exc:
        latency = time.monotonic() - started
        kind = type(exc).__name__
    if kind:
        run.error_kinds[kind] = run.error_kinds.get(kind, 0) + 1
    sent = Sent(started, latency, not kind, ref)
    run.sent.append(sent)
    return sent


def _session(limit: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, force_close=False),
        timeout=aiohttp.ClientTimeout(total=30),
    )


async def closed_loop(url: str, reports: Reports, *, total: int, concurrency: int, durable: bool,
                      on_count: Callable[[int], None] | None = None) -> Run:
    """``total`` reports from ``concurrency`` workers; ``on_count(n)`` after each answer."""
    run = Run()
    remaining = itertools.count()

    async def worker(session: aiohttp.ClientSession) -> None:
        while next(remaining) < total:
            await send_one(session, url, reports, durable, run)
            if on_count:
                on_count(len(run.sent))

    async with _session(concurrency) as session:
        cpu, start = cpu_seconds(), time.monotonic()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        run.elapsed, run.cpu = time.monotonic() - start, cpu_seconds() - cpu
    return run


async def open_loop(url: str, reports: Reports, *, rate: float, seconds: float, durable: bool) -> Run:
    """One report every ``1/rate`` seconds for ``seconds``, not waiting for answers."""
    run = Run()
    count = int(rate * seconds)
    async with _session(256) as session:
        cpu, start = cpu_seconds(), time.monotonic()
        tasks = []
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send_one(session, url, reports, durable, run)))
        await asyncio.gather(*tasks)
        run.elapsed, run.cpu = time.monotonic() - start, cpu_seconds() - cpu
    return run
