"""Wellbeing resources: which lines are open at an instant, and their hours in words.

Instants are naive UTC; opening hours are wall time in the policy time zone. The words
live in ``hours_text.yaml`` beside this module (en and ja).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import yaml

from policy.calendar import is_public_holiday, month_day, to_local
from policy.model import Policy
from policy.places import OpeningHours, WellbeingResource
from policy.types import WEEKDAYS

HOURS_TEXT_PATH: Path = Path(__file__).with_name("hours_text.yaml")
UNSET_CONTACT = "set by your company"
"""The bundled placeholder of a contact the company must fill in (never shown)."""


def is_configured(resource: WellbeingResource) -> bool:
    """False while the resource's contact is still the placeholder: it is left out."""
    contact = resource.contact
    values = [contact] if isinstance(contact, str) else [contact.en, contact.ja] if contact else []
    return not any(value.strip().casefold() == UNSET_CONTACT for value in values)


def unset_contacts(policy: Policy) -> list[str]:
    """Dotted policy paths of contacts still to set (``wellbeing.company_counselling.contact``)."""
    return [f"wellbeing.{r.id}.contact" for r in policy.wellbeing if not is_configured(r)]


def contact_in(resource: WellbeingResource, locale: str) -> str | None:
    """The contact in ``locale``: one string for every language, or its ``{en, ja}`` entry."""
    contact = resource.contact
    if contact is None or isinstance(contact, str):
        return contact
    return contact.get(locale)


def is_open(resource: WellbeingResource, at: datetime, *, policy: Policy) -> bool:
    """True when ``resource`` answers at ``at`` (naive UTC).

    Closure days (``closed``) and, with ``closed_on_holidays``, the public holidays of the
    policy's ``follow_ups.holidays`` country close a line; ``always`` is open otherwise; an
    empty hours list (hours unknown, e.g. the company's own desk) counts as not open.
    """
    local = to_local(at, policy.zone)
    day = local.date()
    if month_day(day) in resource.closed:
        return False
    if resource.closed_on_holidays and is_public_holiday(policy.follow_ups.holidays, day):
        return False
    if resource.hours == "always":
        return True
    weekday = WEEKDAYS[day.weekday()]
    now = local.time()
    return any(
        weekday in span.days and span.opens <= now and (span.closes_at_midnight or now < span.closes)
        for span in resource.hours
    )


def resource_status(policy: Policy, at: datetime) -> list[tuple[WellbeingResource, bool]]:
    """Every configured wellbeing resource in policy order, with whether it is open at
    ``at``; a resource whose contact is still the placeholder is left out."""
    return [(resource, is_open(resource, at, policy=policy)) for resource in policy.wellbeing
            if is_configured(resource)]


def describe_hours(resource: WellbeingResource, locale: str) -> str:
    """When ``resource`` is open, in a few words of ``locale`` (``en`` or ``ja``).

    E.g. ``Mon–Fri 17:00–22:00, Sat–Sun 10:00–16:00, closed on public holidays``.
    """
    words, marks = _words(locale)
    if resource.hours == "always":
        parts = [words["always"]]
    elif not resource.hours:
        parts = [words["ask_company"]]
    else:
        parts = [_describe_span(span, words, marks) for span in resource.hours]
    if resource.closed_on_holidays:
        parts.append(words["closed_on_holidays"])
    if resource.closed:
        parts.append(words["closed_days"].format(days=_describe_dates(resource.closed, marks)))
    return marks["parts"].join(parts)


def _describe_span(span: OpeningHours, words: dict[str, Any], marks: dict[str, str]) -> str:
    times = f"{span.from_}{marks['time_range']}{span.to}"
    return f"{_describe_days(span.days, words, marks)}{marks['after_days']}{times}"


def _describe_days(days: Sequence[str], words: dict[str, Any], marks: dict[str, str]) -> str:
    indexes = sorted({WEEKDAYS.index(day) for day in days})
    if len(indexes) == len(WEEKDAYS):
        return str(words["every_day"])
    names = [words["days"][WEEKDAYS[i]] for i in range(len(WEEKDAYS))]
    texts = []
    for first, last in _runs(indexes):
        if first == last:
            texts.append(names[first])
        else:
            joiner = marks["day_pair"] if last == first + 1 else marks["day_range"]
            texts.append(f"{names[first]}{joiner}{names[last]}")
    return marks["day_list"].join(texts)


def _describe_dates(month_days: list[str], marks: dict[str, str]) -> str:
    """``["12-29", ..., "01-03"]`` -> ``12/29–1/3`` (runs may wrap over the new year)."""
    leap = 2024
    ordinals = sorted({date(leap, *map(int, md.split("-"))).toordinal() for md in month_days})
    runs = _runs(ordinals)
    first_day, last_day = date(leap, 1, 1).toordinal(), date(leap, 12, 31).toordinal()
    if len(runs) > 1 and runs[0][0] == first_day and runs[-1][1] == last_day:
        runs = [(runs[-1][0], runs[0][1]), *runs[1:-1]]

    def text(ordinal: int) -> str:
        day = date.fromordinal(ordinal)
        return f"{day.month}/{day.day}"

    return marks["date_list"].join(
        text(a) if a == b else f"{text(a)}{marks['date_range']}{text(b)}" for a, b in runs
    )


def _runs(sorted_values: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs as (first, last): ``[1, 2, 3, 5]`` -> ``[(1, 3), (5, 5)]``."""
    runs: list[tuple[int, int]] = []
    for value in sorted_values:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _words(locale: str) -> tuple[dict[str, Any], dict[str, str]]:
    language = "ja" if (locale or "").lower().startswith("ja") else "en"
    return _load_words(language)


@lru_cache(maxsize=2)
def _load_words(language: str) -> tuple[dict[str, Any], dict[str, str]]:
    data = yaml.safe_load(HOURS_TEXT_PATH.read_text(encoding="utf-8"))
    return _pick(data["words"], language), dict(data["punctuation"][language])


def _pick(node: Any, language: str) -> Any:
    """Collapse every ``{en, ja}`` leaf of ``node`` to the text in ``language``."""
    if isinstance(node, dict) and set(node) == {"en", "ja"}:
        return node[language]
    if isinstance(node, dict):
        return {key: _pick(value, language) for key, value in node.items()}
    return node

