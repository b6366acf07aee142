"""``haven console``'s composition root: the runtime, migrated, behind the console adapter."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TextIO

from adapters.console.repl import run_console
from bot.app.config import Settings
from bot.app.records import detail
from bot.app.runtime import build_runtime, migrate
from bot.flows.visibility import Sight
from bot.model.alert import option_label
from bot.model.i18n import catalog, t
from bot.model.inbound import Actor
from policy.model import Policy


async def console(settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    runtime = build_runtime(settings)
    await migrate(runtime)
    policy, locale = runtime.ctx.policy, settings.locale

    async def settle() -> None:
        await runtime.sweeper.tick()
        await runtime.dispatcher.drain()

    async def lookup(actor: Actor, ref: str) -> dict[str, Any] | None:
        """The trail ``actor`` may see (the buttons' rules), or None: not theirs to see, or no such incident."""
        seen = await runtime.haven.sight(actor, ref)
        data = await detail(runtime.db, ref) if seen != Sight.NONE else None
        return described(data, policy, locale, nameless=seen == Sight.NAMELESS) if data is not None else None

    try:
        return await run_console(runtime.haven, settings.console(), stdin, stdout, settle=settle, lookup=lookup)
    finally:
        await runtime.close()  # also retires this process's outbox heartbeat


def described(data: dict[str, Any], policy: Policy, locale: str, *, nameless: bool = False) -> dict[str, Any]:
    """The incident's id and ``shown`` (nothing else of ``data``, :func:`bot.app.records.detail`):
    status, severity, category, event names and options in ``locale``, times in the policy's
    time zone; ``nameless``: the reporter as "Name not shared", as the alert shows them."""
    hidden = t(locale, "alert.reporter_hidden")

    def actor(user: str) -> str:
        return hidden if nameless and user == data["reporter_id"] else user

    events = [
        {"at": _local(event["at"], policy), "actor": actor(event["actor"]),
         "name": _text(locale, f"event.{event['kind']}", event["kind"]),
         **({"option": option_label(policy, event["option"], locale)} if event.get("option") else {})}
        for event in data["events"]
    ]
    shown = {
        "status": _text(locale, f"home.status_{data['status']}", data["status"]),
        "severity": _label(policy.severities, data["severity"], locale),
        "category": _label(policy.categories, data["category"], locale),
        "events": events,
    }
    return {"id": data["id"], "shown": shown}


def _text(locale: str, key: str, fallback: str) -> str:
    return t(locale, key) if key in catalog(locale) else fallback


def _label(items: Any, item_id: str, locale: str) -> str:
    found = next((item for item in items if item.id == item_id), None)
    labels = getattr(found, "labels", None)
    return str(labels.get(locale)) if labels else item_id


def _local(at: str, policy: Policy) -> str:
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(policy.zone).strftime("%Y-%m-%d %H:%M %Z")
