"""The supervisors' re-triage form (spec 8.1): what it asks and how answers are checked."""

from __future__ import annotations

from dataclasses import dataclass

from bot.model.i18n import t
from bot.model.messages import TRIAGE_FORM, Choice, Form, FormField, Kind, Message
from policy.model import Policy

NOTE_LIMIT = 1000


@dataclass(frozen=True)
class Retriage:
    """Checked answers: the new category and severity, and why (free text, may be empty)."""

    category: str
    severity: str
    note: str | None


def triage_form(policy: Policy, locale: str, *, ref: str, category: str, severity: str) -> Form:
    """``triage_form``: category and severity preselected with the current ones, and a note."""
    categories = tuple(Choice(c.id, c.labels.get(locale)) for c in policy.categories)
    severities = tuple(Choice(s.id, s.labels.get(locale)) for s in policy.severities)
    fields = (
        FormField("category", t(locale, "triage.category"), "select", required=True,
                  choices=categories, initial=category),
        FormField("severity", t(locale, "triage.severity"), "select", required=True,
                  choices=severities, initial=severity),
        FormField("note", t(locale, "triage.note"), "multiline", max_length=NOTE_LIMIT),
    )
    intro = Message(kind=Kind.DECISION, text=t(locale, "triage.intro", ref=ref), incident=ref, locale=locale)
    return Form(title=t(locale, "triage.title"), submit=t(locale, "triage.submit"), intro=intro,
                fields=fields, locale=locale, private_metadata=ref, name=TRIAGE_FORM)


def check_triage(policy: Policy, values: dict[str, object], locale: str, *,
                 current: tuple[str, str]) -> tuple[Retriage | None, dict[str, str]]:
    """The answers, or field id → error (unknown choice, too long, nothing changed)."""
    category, severity, note = (_text(values.get(name)) for name in ("category", "severity", "note"))
    errors: dict[str, str] = {}
    if category not in {c.id for c in policy.categories}:
        errors["category"] = t(locale, "form.bad_choice" if category else "form.required")
    if severity not in {s.id for s in policy.severities}:
        errors["severity"] = t(locale, "form.bad_choice" if severity else "form.required")
    if note and len(note) > NOTE_LIMIT:
        errors["note"] = t(locale, "form.too_long", max=NOTE_LIMIT)
    if not errors and (category, severity) == current:
        errors["severity"] = t(locale, "triage.unchanged")
    if errors or category is None or severity is None:
        return None, errors
    return Retriage(category=category, severity=severity, note=note), {}


def _text(value: object) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None or isinstance(value, bool):
        return None
    return str(value).strip() or None
