"""Haven's words other than reporting (spec 8.2), parsed the same on every platform:
Slack ``/haven …``, Teams ``check …`` / ``hr`` / ``help`` (personal chat) and
``@Haven register …`` / ``registrations`` / ``unregister …`` (a channel), the console.

Pure: text in, :class:`Command` out. ``/abuse`` is never parsed here: its text is always
a report.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.model.messages import Message

_SITE = re.compile(r"^[a-z][a-z0-9_]*$")


class Verb(StrEnum):
    CHECK = "check"
    HR = "hr"
    REGISTER = "register"
    UNREGISTER = "unregister"
    REGISTRATIONS = "registrations"
    HELP = "help"
    UNKNOWN = "unknown"


ROLES = ("supervisors", "escalation", "hr")


@dataclass(frozen=True)
class Command:
    """``role`` and ``site`` for (un)register; ``text`` the reference for check (or what
    was not understood); ``problem`` when a (un)register is malformed."""

    verb: Verb
    role: str | None = None
    site: str | None = None
    text: str = ""
    problem: str | None = None


async def _no_problem() -> str | None:
    return None


@dataclass(frozen=True)
class ChannelIn:
    """The channel a command was typed in: its id, what the platform needs to post there
    later (Teams: teamId, tenantId, serviceUrl…), and a check that names a problem
    (``public``, ``shared``, ``archived``, ``not_member``, ``guests``, ``unknown:<reason>``)."""

    channel_id: str
    data: dict[str, Any] = field(default_factory=dict)
    check: Callable[[], Awaitable[str | None]] = _no_problem


@dataclass(frozen=True)
class Answer:
    """What to say; ``public`` answers are posted in the channel (a confirmation)."""

    message: Message
    public: bool = False


def parse(text: str | None) -> Command:
    """``check REF`` · ``hr`` · ``register supervisors SITE`` · ``register escalation SITE`` ·
    ``register hr`` · ``registrations`` · ``unregister …`` · ``help`` (also ``ヘルプ``)."""
    cleaned = " ".join(unicodedata.normalize("NFKC", text or "").split())
    if cleaned.startswith("/haven"):
        cleaned = cleaned[len("/haven"):].strip()
    word, _, rest = cleaned.partition(" ")
    verb = word.casefold()
    if verb in ("", "help", "/help", "ヘルプ", "?"):
        return Command(Verb.HELP)
    if verb == "check":
        return Command(Verb.CHECK, text=rest.strip())
    if verb == "hr" and not rest:
        return Command(Verb.HR)
    if verb == "registrations" and not rest:
        return Command(Verb.REGISTRATIONS)
    if verb in ("register", "unregister"):
        return _registration(Verb(verb), rest)
    return Command(Verb.UNKNOWN, text=cleaned)


def _registration(verb: Verb, rest: str) -> Command:
    parts = rest.split()
    role = parts[0].casefold() if parts else ""
    if role == "hr" and len(parts) == 1:
        return Command(verb, role="hr")
    if role in ("supervisors", "escalation") and len(parts) <= 2:
        site = parts[1].casefold() if len(parts) == 2 else None
        if site is not None and not _SITE.match(site):
            return Command(verb, role=role, site=site, problem="bad_site")
        return Command(verb, role=role, site=site)
    return Command(verb, problem="bad_register")
