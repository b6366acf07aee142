"""``python -m bench.flood``: a critical report from someone else after one person's flood.

One user sends ``--flood`` (3,000) quick ``/abuse`` reports as fast as Haven answers
(``--concurrency`` 16); right after the last answer another user submits the report form
with "I am in danger now" (violence, critical). Measured against a local fake Slack Web
API that answers at once, with Haven's real pacing (``haven serve``, about one post a
second per channel, backlogs folded into digests):

* that report's own alert (``haven_alert`` naming its ``INC-…`` id) in the supervisors'
  channel: seconds from the form submission (a digest line does not count);
* its reporter's receipt DM (``haven_receipt``): seconds from the form submission.

Targets (issue 18): each < 2 s. Server and load generator pinned to separate cores with
``taskset``, as ``python -m bench.ack``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.ack import proc
from bench.ack.loadgen import Reports, closed_loop
from bench.ack.pg import fresh_database
from bench.ack.runner import SECRET, SUPERVISORS, Options, haven_env, say

FLOODER = "UFLOOD0001"
VICTIM = "UVICTIM001"
TARGET = 2.0  # seconds, for the alert and for the receipt


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.flood", description=__doc__.split("\n\n")[0])
    p.add_argument("--flood", type=int, default=3000, help="quick reports from one user (default 3000)")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--timeout", type=float, default=300.0, help="longest wait for the alert and receipt (s)")
    p.add_argument("--postgresql", nargs="?", const="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
                   metavar="URL", help="run Haven on a fresh PostgreSQL database created through URL")
    return p.parse_args(argv)


def danger_form(view_id: str) -> bytes:
    """A signed-to-be ``view_submission`` of the report form: violence, in danger now."""
    def text(value: str) -> dict[str, Any]:
        return {"type": "plain_text_input", "value": value}
    yes = {"type": "checkboxes", "selected_options": [{"value": "true"}]}
    values = {
        "category": {"type": "static_select", "selected_option": {"value": "violence"}},
        "description": text("he has a knife and is blocking the door"),
        "in_danger": yes, "share_name": yes,
    }
    payload = {"type": "view_submission", "team": {"id": "TBENCH"}, "user": {"id": VICTIM},
               "api_app_id": "ABENCH",
               "view": {"id": view_id, "type": "modal", "callback_id": "report_form", "private_metadata": "",
                        "state": {"values": {fid: {fid: element} for fid, element in values.items()}}}}
    return urlencode({"payload": json.dumps(payload)}).encode()


async def posts(fake_url: str) -> list[tuple[str, str, str, float]]:
    async with aiohttp.ClientSession() as session, session.get(fake_url + "/_bench/posts") as response:
        return [tuple(p) for p in (await response.json())["posts"]]  # type: ignore[misc]


async def watch(fake_url: str, since: float, timeout: float) -> dict[str, float | str | None]:
    """Until the victim's receipt and that incident's own alert arrived (or ``timeout``)."""
    found: dict[str, float | str | None] = {"ref": None, "receipt": None, "alert": None, "digest": None}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (found["receipt"] is None or found["alert"] is None):
        for channel, kind, incident, at in await posts(fake_url):
            if at < since:
                continue
            if channel == VICTIM and kind == "haven_receipt" and found["receipt"] is None:
                found["receipt"], found["ref"] = at - since, incident
            ours = found["ref"] and incident == found["ref"] and channel == SUPERVISORS
            if ours and kind == "haven_alert" and found["alert"] is None:
                found["alert"] = at - since
        if found["ref"] and found["alert"] is None:
            digests = [p for p in await _digest_lines(fake_url) if p[0] == found["ref"] and p[1] >= since]
            if digests and found["digest"] is None:
                found["digest"] = digests[0][1] - since
        await asyncio.sleep(0.05)
    return found


async def _digest_lines(fake_url: str) -> list[tuple[str, float]]:
    async with aiohttp.ClientSession() as session, session.get(fake_url + "/_bench/alerts") as response:
        return [(ref, at) for ref, at in (await response.json())["alerts"]]


async def run(args: argparse.Namespace) -> int:
    server_core, load_core = proc.cores()
    os.sched_setaffinity(0, {load_core})
    logs = Path(tempfile.mkdtemp(prefix="haven-flood-"))
    fake_port = proc.free_port()
    fake = proc.start("fake-slack", [sys.executable, "-m", "bench.ack.fake_slack", str(fake_port), SUPERVISORS],
                      core=load_core, port=fake_port, env=proc.clean_env(), logs=logs)
    try:
        await proc.wait_ready(fake, None)
        async with fresh_database(args.postgresql, logs) as database_url:
            opts = Options(reports=args.flood, warmup=0, concurrency=args.concurrency, rate=0, alert_seconds=0,
                           server_core=server_core, logs=logs, fake_url=fake.url, database_url=database_url)
            port = proc.free_port()
            server = proc.start("haven", [sys.executable, "-m", "bot.app.cli", "serve"], core=server_core,
                                port=port, env=haven_env(opts, port, flood_limit=None), logs=logs)
            try:
                await proc.wait_ready(server, "/healthz")
                return await _measure(args, opts, server, logs)
            finally:
                server.stop()
    finally:
        fake.stop()


async def _measure(args: argparse.Namespace, opts: Options, server: proc.Process, logs: Path) -> int:
    url = server.url + "/slack/events"
    reports = Reports(SECRET, tag="flood", user=FLOODER)
    say(f"haven serve (paced) on core {opts.server_core}, pid {server.popen.pid}: {args.flood} reports from one user")
    flood = await closed_loop(url, reports, total=args.flood, concurrency=args.concurrency, durable=True)
    say(f"flood answered in {flood.elapsed:.1f} s ({flood.errors} errors); now the critical report")
    body = danger_form(f"VDANGER{time.time_ns()}")
    since = time.monotonic()
    async with aiohttp.ClientSession() as session, \
            session.post(url, data=body, headers=reports.headers(body)) as response:
        status, answered = response.status, time.monotonic() - since
    found = await watch(opts.fake_url, since, args.timeout)
    rows = [
        ("flood", f"{args.flood:,} quick reports from one user in {flood.elapsed:.1f} s, "
                  f"{flood.errors} errors"),
        ("critical report answered", f"HTTP {status} in {answered * 1000:.0f} ms"),
        ("its own alert in the supervisors' channel", _seconds(found["alert"])),
        ("its reporter's receipt DM", _seconds(found["receipt"])),
    ]
    if found["alert"] is None and found["digest"] is not None:
        rows.append(("(only as a digest line)", _seconds(found["digest"])))
    print(f"\n{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"Haven paced, on {'PostgreSQL' if args.postgresql else 'SQLite'}; logs in {logs}\n")
    print("| | |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print()
    for name, key in (("alert", "alert"), ("receipt", "receipt")):
        value = found[key]
        ok = isinstance(value, float) and value < TARGET
        print(f"{name}: {'MET' if ok else 'MISSED'} (target < {TARGET:g} s)")
    return 0


def _seconds(value: float | str | None) -> str:
    return f"{value:.2f} s" if isinstance(value, float) else "not within the timeout"


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
