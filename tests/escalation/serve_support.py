"""Out-of-process helpers: ``haven serve`` processes talking to the fake Slack Web API,
with their policy time in a clock file the test moves."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.model.clock import iso
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.slack.support import ESCALATION, MANAGER, SECRET, SUPERVISOR_IDS, SUPERVISORS, Haven
from tests.support.serve import HavenProcess, haven_env, start_haven

__all__ = ["ESCALATION", "SUPERVISORS", "Haven", "ServeWorld", "events_of", "metadata_of"]


def metadata_of(args: dict[str, Any]) -> dict[str, Any]:
    return dict(args.get("metadata") or {})


def events_of(fake: FakeSlack, kind: str) -> list[dict[str, Any]]:
    """Every ``chat.postMessage`` whose metadata is ``haven_<kind>`` (args)."""
    return [c.args for c in fake.calls_to("chat.postMessage")
            if metadata_of(c.args).get("event_type") == f"haven_{kind}"]


def button_values(node: Any, action: str) -> list[str]:
    """Values of every button with this ``action_id`` anywhere in Block Kit JSON."""
    if isinstance(node, dict):
        found = [str(node["value"])] if node.get("action_id") == action and "value" in node else []
        return found + [v for child in node.values() for v in button_values(child, action)]
    if isinstance(node, list):
        return [v for child in node for v in button_values(child, action)]
    return []


def outbox_ids_by_checkin(fake: FakeSlack) -> dict[str, set[int]]:
    """Check-in (``INC-…:<id>`` from its buttons) → the distinct outbox ids delivered for it."""
    seen: dict[str, set[int]] = defaultdict(set)
    for args in events_of(fake, "checkin"):
        blocks = args.get("blocks")
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        [value] = set(button_values(blocks, "followup_ok"))
        seen[value].add(int(metadata_of(args)["event_payload"]["outbox_id"]))
    return seen


class ServeWorld:
    """A fake Slack, a clock file and the ``haven serve`` processes using them."""

    def __init__(self, fake: FakeSlack, tmp_path: Path, database_url: str, now: datetime) -> None:
        self.fake = fake
        self.tmp_path = tmp_path
        self.clock = tmp_path / "clock.txt"
        self.set_clock(now)
        self.env = haven_env(
            tmp_path, database_url, HAVEN_CLOCK_FILE=str(self.clock), HAVEN_TICK_SECONDS="0.2",
            SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url,
            HAVEN_SLACK_SUPERVISOR_CHANNEL=SUPERVISORS, HAVEN_SLACK_ESCALATION_CHANNEL=ESCALATION,
        )
        self.processes: list[HavenProcess] = []
        self.client: Haven | None = None

    @classmethod
    async def create(cls, tmp_path: Path, database_url: str, now: datetime) -> ServeWorld:
        fake = await FakeSlack().start()
        fake.add_channel(SUPERVISORS, SUPERVISOR_IDS)
        fake.add_channel(ESCALATION, [MANAGER])
        return cls(fake, tmp_path, database_url, now)

    def set_clock(self, moment: datetime) -> None:
        self.clock.write_text(iso(moment), encoding="utf-8")

    async def start(self, name: str = "haven") -> HavenProcess:
        """Start one more ``haven serve`` (in a thread: the fake Slack lives on this loop)."""
        process = await asyncio.to_thread(start_haven, self.env, self.tmp_path, name=name, timeout=60)
        self.processes.append(process)
        self.client = Haven(url=process.url, fake=self.fake)
        return process

    async def close(self) -> None:
        for process in self.processes:
            await asyncio.to_thread(process.stop)
        if self.client:
            await self.client.close()
        await self.fake.stop()
