"""Delivery through Slack faults, over real HTTP against the local fake Web API."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest

from adapters.slack.api import make_client
from bot.delivery import sender as delivery
from bot.app.records import detail
from tests.fakes.slack_api import BOT_TOKEN
from tests.reliability.support import (
    PacedSlack, blocks_text, counter, kind_of, outbox_id, refs_reached, supervisor_posts,
)
from tests.slack.conftest import start_in_process
from tests.slack.support import EMPLOYEE, ESCALATION, MANAGER, SUPERVISOR_IDS, SUPERVISORS, Haven, press_payload
from tests.support.serve import eventually, free_port

FAULTS = ["429", "500", "timeout", "refused"]


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff with jitter is tested in-process; here the first retry comes quickly."""
    monkeypatch.setattr(delivery, "backoff", lambda attempts: 0.2)


def inject(haven: Haven, fault: str, methods: tuple[str, ...], times: int) -> None:
    fake = haven.fake
    for method in methods:
        if fault == "429":
            fake.rate_limit(method, retry_after=1, times=times)
        elif fault == "500":
            fake.script(method, status=500, body={"ok": False}, times=times)
        elif fault == "timeout":  # answered (with an error) only after the client gave up
            fake.script(method, status=503, body={"ok": False, "error": "late"}, delay=0.8, times=times)


async def refused_for_a_while(haven: Haven) -> None:
    """Nothing listens at the Web API address until Haven has retried twice."""
    assert haven.runtime is not None
    messenger = haven.runtime.ctx.messengers["slack"]
    working = messenger.client  # type: ignore[attr-defined]
    messenger.client = make_client(BOT_TOKEN, f"http://127.0.0.1:{free_port()}/api/")  # type: ignore[attr-defined]
    base = counter(haven.runtime, "haven_outbox_retries_total", platform="slack")
    await eventually(lambda: counter(haven.runtime, "haven_outbox_retries_total", platform="slack") >= base + 2,
                     timeout=15)
    messenger.client = working  # type: ignore[attr-defined]


@pytest.mark.parametrize("fault", FAULTS)
async def test_alerts_and_dms_arrive_once_and_in_order_after_the_api_recovers(
        fault: str, slack: Haven, fast_backoff: None) -> None:
    assert slack.runtime is not None
    slack.runtime.ctx.messengers["slack"].client.timeout = 0.4  # type: ignore[attr-defined]
    inject(slack, fault, ("chat.postMessage",), times=2)
    refs = []
    for i in range(3):
        status, _ = await slack.command(f"report {i}", trigger=f"trig-{fault}-{i}")
        assert status == 200
        refs.append(f"INC-2026-00000{i + 1}")
    if fault == "refused":
        await refused_for_a_while(slack)
    await eventually(lambda: len(supervisor_posts(slack.fake)) == 3, timeout=20)
    alerts = supervisor_posts(slack.fake)
    assert sorted(m["metadata"]["event_payload"]["incident"] for m in alerts) == refs
    ts = next(m["ts"] for m in alerts if m["metadata"]["event_payload"]["incident"] == refs[0])

    inject(slack, fault, ("chat.postMessage", "chat.update"), times=1)
    status, _ = await slack.interact(press_payload("acknowledge", refs[0], user="USUP1", ts=ts))
    assert status == 200
    if fault == "refused":
        await refused_for_a_while(slack)
    await eventually(lambda: "<@USUP1>" in blocks_text(slack.fake.messages[(SUPERVISORS, ts)]), timeout=20)
    dms = await eventually(lambda: [m for (c, _), m in slack.fake.messages.items() if c == "D" + EMPLOYEE[1:]],
                           timeout=20)
    assert [kind_of(m) for m in dms] == ["haven_reporter_update"]
    delivered = [outbox_id(m) for m in slack.fake.messages.values()]
    assert [i for i, n in Counter(delivered).items() if n > 1] == [], "no post delivered twice"
    for ref in refs:
        record = await detail(slack.runtime.db, ref)
        assert record is not None and {o["state"] for o in record["outbox"]} == {"sent"}
    assert counter(slack.runtime, "haven_outbox_retries_total", platform="slack") >= 3


async def test_a_permanent_slack_error_is_a_dead_letter_everywhere_it_should_show(slack: Haven) -> None:
    assert slack.runtime is not None
    slack.fake.fail("chat.postMessage", "channel_not_found")
    await slack.command("report", trigger="trig-dead")
    ref = "INC-2026-000001"
    record = await eventually(lambda: _dead(slack, ref), timeout=10)
    assert any(e["kind"] == "dead_letter" for e in record["events"])
    assert counter(slack.runtime, "haven_outbox_dead_letters_total", platform="slack", kind="alert") == 1
    assert len(slack.fake.calls_to("chat.postMessage")) == 1, "not retried"


async def _dead(slack: Haven, ref: str) -> dict | None:  # type: ignore[type-arg]
    assert slack.runtime is not None
    record = await detail(slack.runtime.db, ref)
    # the row dies first, its audit event follows in the next transaction: wait for both
    dead = record and record["outbox"][0]["state"] == "dead" and any(
        e["kind"] == "dead_letter" for e in record["events"])
    return record if dead else None


async def test_a_burst_of_200_reports_reaches_the_supervisors_within_a_minute_with_few_429s(
        tmp_path: Path) -> None:
    fake = await PacedSlack(per_second=1.0, burst=3).start()
    fake.add_channel(SUPERVISORS, SUPERVISOR_IDS)
    fake.add_channel(ESCALATION, [MANAGER])
    server, haven = await start_in_process(fake, tmp_path)
    assert haven.runtime is not None
    haven.runtime.ctx.messengers["slack"].pace_per_second = 1.0  # type: ignore[attr-defined]  # as in production
    try:
        started = time.monotonic()

        async def one(i: int) -> None:
            await asyncio.sleep(i * 0.05)  # 200 reports over 10 s
            status, _ = await haven.command(f"burst report {i}", user=f"UEMP{i:03d}", trigger=f"trig-b{i}")
            assert status == 200

        await asyncio.gather(*(one(i) for i in range(200)))
        expected = [f"INC-2026-{i:06d}" for i in range(1, 201)]
        await eventually(lambda: sorted(refs_reached(fake)) == expected, timeout=60 - (time.monotonic() - started))
        posts = supervisor_posts(fake)
        assert sorted(refs_reached(fake)) == expected, "each report exactly once"
        assert any(kind_of(m) == "haven_digest" for m in posts)
        assert len(posts) < 40, f"{len(posts)} posts: digests, not a storm"
        assert fake.throttled <= 5, f"{fake.throttled} answers were 429"
    finally:
        await haven.close()
        await server.close()
        await fake.stop()
