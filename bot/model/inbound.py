"""Neutral inbound events: who acts, where, and what they want."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from bot.model.messages import REPORT_FORM, Audience


@dataclass(frozen=True)
class Actor:
    platform: str  # "slack" | "teams" | "console"
    user_id: str
    locale: str = "en"


@dataclass(frozen=True)
class ReportIn:
    """``/abuse`` with or without text."""

    actor: Actor
    text: str | None = None
    intake_key: str | None = None  # Slack trigger_id, Teams activity id


@dataclass(frozen=True)
class FormIn:
    """A submitted report form; ``metadata`` is the form's private metadata (an incident
    ref when the form adds details to an existing report)."""

    actor: Actor
    values: dict[str, object] = field(default_factory=dict)
    intake_key: str | None = None  # Slack view id, Teams activity id
    metadata: str = ""
    form: str = REPORT_FORM  # which form was submitted (``Form.name``)


@dataclass(frozen=True)
class PressIn:
    """A button press; ``audience`` says where the pressed message lives."""

    actor: Actor
    action: str
    value: str
    audience: Audience = Audience.SUPERVISORS
    intake_key: str | None = None


def normalize(text: str | None) -> str:
    """NFKC, so full-width ``／ａｂｕｓｅ`` reads as ``/abuse``."""
    return unicodedata.normalize("NFKC", text or "").strip()


def split_value(value: str) -> tuple[str, int | None]:
    """``INC-2026-000001:42`` → (``INC-2026-000001``, 42); a bad suffix → None."""
    ref, _, extra = normalize(value).partition(":")
    if extra.isascii() and extra.isdecimal() and len(extra) <= 9:
        return ref, int(extra)
    return ref, None
