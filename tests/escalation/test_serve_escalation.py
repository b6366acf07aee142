"""``haven serve`` as a real process, its time in HAVEN_CLOCK_FILE, Slack faked over HTTP:
the re-notification and the page arrive when the clock says so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.escalation.conftest import jst
from tests.escalation.serve_support import ESCALATION, SUPERVISORS, ServeWorld, events_of, metadata_of
from tests.support.serve import eventually

START = jst(2026, 12, 1, 11, 0)  # a Tuesday, in business hours
SECOND = timedelta(seconds=1)


@pytest.fixture
async def served(fresh_database_url: str, database_kind: str, tmp_path: Path) -> AsyncIterator[ServeWorld]:
    if database_kind != "sqlite":
        pytest.skip("the timing is the same on PostgreSQL (covered in process and by the durability tests)")
    world = await ServeWorld.create(tmp_path, fresh_database_url, START)
    try:
        yield world
    finally:
        await world.close()


async def _settle() -> None:
    await asyncio.sleep(0.6)  # three ticks of 0.2 s


async def test_serve_renotifies_then_pages_as_the_clock_file_moves(served: ServeWorld) -> None:
    await served.start()
    assert served.client is not None
    status, _ = await served.client.command("the customer shouted at me for an hour", trigger="t-serve-1")
    assert status == 200
    [alert] = await served.fake.wait_for("chat.postMessage", 1)
    assert alert.args["channel"] == SUPERVISORS
    ref = metadata_of(alert.args)["event_payload"]["incident"]
    alert_ts = (await eventually(lambda: [k for k in served.fake.messages if k[0] == SUPERVISORS]))[0][1]

    served.set_clock(START + timedelta(hours=1) - SECOND)  # normal: ack_within 1 h of business time
    await _settle()
    assert events_of(served.fake, "renotify") == []
    served.set_clock(START + timedelta(hours=1))
    [renotify] = await eventually(lambda: events_of(served.fake, "renotify"))
    assert renotify["channel"] == SUPERVISORS and renotify["thread_ts"] == alert_ts
    assert renotify.get("reply_broadcast") in (True, "true", "1")
    assert "<!here>" in str(renotify.get("text")) + str(renotify.get("blocks"))
    assert metadata_of(renotify)["event_payload"]["incident"] == ref

    served.set_clock(START + timedelta(hours=2) - SECOND)
    await _settle()
    assert events_of(served.fake, "page") == []
    served.set_clock(START + timedelta(hours=2))
    [page] = await eventually(lambda: events_of(served.fake, "page"))
    assert page["channel"] == ESCALATION and "thread_ts" not in page
    assert "acknowledge" in str(page.get("blocks")), "a full alert with its buttons"
    await _settle()
    assert len(events_of(served.fake, "renotify")) == 1 and len(events_of(served.fake, "page")) == 1
