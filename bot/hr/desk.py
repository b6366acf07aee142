"""What the HR desk needs from the rest of Haven, assembled by ``haven serve``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.hr.access import HrAccess
from bot.hr.signin import SignIn
from bot.model.ports import Clock
from policy.model import Policy
from storage.db import Database
from storage.hr_desk import SessionRow

RecordReader = Callable[[str], Awaitable[dict[str, Any] | None]]


@dataclass
class Desk:
    db: Database
    policy: Policy
    clock: Clock  # policy time: what "now" is for records (HAVEN_CLOCK_FILE in tests)
    access: HrAccess
    signin: SignIn  # runs on the real clock: links and sessions are security windows
    record: RecordReader  # one incident's whole record (free text decrypted), or None
    default_locale: str = "en"
    secure_cookie: bool = False
    page_size: int = 50

    def local(self, moment: datetime | None) -> str:
        """Naive UTC → ``YYYY-MM-DD HH:MM`` in the policy's time zone."""
        if moment is None:
            return ""
        return moment.replace(tzinfo=UTC).astimezone(self.policy.zone).strftime("%Y-%m-%d %H:%M")


DESK: web.AppKey[Desk] = web.AppKey("desk", Desk)
LOCALE: web.RequestKey[str] = web.RequestKey("locale", str)
VIEWER: web.RequestKey[SessionRow] = web.RequestKey("viewer", SessionRow)
