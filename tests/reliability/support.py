"""Helpers for the over-HTTP reliability tests: a Slack fake that paces like Slack, and
reading what reached the supervisors."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from bot.app.runtime import Runtime
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from tests.fakes.slack_api import FakeSlack
from tests.slack.support import SUPERVISORS


class PacedSlack(FakeSlack):
    """Slack's per-channel limit for ``chat.postMessage``: a small burst, then ``per_second``;
    beyond that 429 with ``Retry-After`` (counted in ``throttled``)."""

    def __init__(self, *, per_second: float = 1.0, burst: int = 3, **kw: Any) -> None:
        super().__init__(**kw)
        self.per_second, self.burst = per_second, burst
        self.buckets: dict[str, tuple[float, float]] = {}
        self.throttled = 0

    def _take(self, channel: str) -> bool:
        now = time.monotonic()
        tokens, last = self.buckets.get(channel, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if tokens < 1.0:
            self.buckets[channel] = (tokens, now)
            return False
        self.buckets[channel] = (tokens - 1.0, now)
        return True

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "chat.postMessage":
            body = await request.json() if request.content_type == "application/json" else dict(await request.post())
            if not self._take(str(body.get("channel", ""))):
                self.throttled += 1
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": "1"})
        return await super()._api(request)


def supervisor_posts(fake: FakeSlack) -> list[dict[str, Any]]:
    """Every message that is now in the supervisors' channel (successful posts only)."""
    return [m for (channel, _), m in fake.messages.items() if channel == SUPERVISORS]


def kind_of(message: dict[str, Any]) -> str:
    return str((message.get("metadata") or {}).get("event_type", ""))


def outbox_id(message: dict[str, Any]) -> int:
    return int((message.get("metadata") or {})["event_payload"]["outbox_id"])


def refs_reached(fake: FakeSlack) -> list[str]:
    """Incident ids the supervisors received: one per alert, one per digest line."""
    refs: list[str] = []
    for message in supervisor_posts(fake):
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        if kind_of(message) == "haven_alert":
            refs.append(payload["incident"])
        elif kind_of(message) == "haven_digest":
            refs.extend(message.get("text", "").split("\n")[-1].split(", "))
    return refs


def counter(runtime: Runtime, name: str, **labels: str) -> float:
    value = runtime.metrics.registry.get_sample_value(name, labels or None)
    return float(value or 0.0)


def blocks_text(message: dict[str, Any]) -> str:
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return json.dumps(blocks or [], ensure_ascii=False) + str(message.get("text", ""))


@asynccontextmanager
async def slack_haven(tmp_path: Path, fake: FakeSlack | None = None, **env: str) -> AsyncIterator[Any]:
    """Haven in process against a fake Slack with the supervisors' and escalation channels."""
    from tests.slack.conftest import start_in_process
    from tests.slack.support import ESCALATION, MANAGER, SUPERVISOR_IDS

    fake = await (fake or FakeSlack()).start()
    fake.add_channel(SUPERVISORS, SUPERVISOR_IDS)
    fake.add_channel(ESCALATION, [MANAGER])
    server, haven = await start_in_process(fake, tmp_path, **env)
    try:
        yield haven
    finally:
        await haven.close()
        await server.close()
        await fake.stop()
