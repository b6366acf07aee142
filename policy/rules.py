"""Pure policy rules: how severe an incident is, and which options supervisors get."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from policy.handling import Option
from policy.model import Policy

IN_DANGER = "in_danger"
REPEATED = "repeated"


@dataclass(frozen=True)
class Assessment:
    """The outcome of assessing a report: its severity id and the rule flags that applied."""

    severity: str
    flags: tuple[str, ...]


def most_severe(policy: Policy, *severity_ids: str) -> str:
    """The most severe of the given severity ids (``KeyError`` for an unknown id)."""
    if not severity_ids:
        raise ValueError("most_severe needs at least one severity id")
    return min(severity_ids, key=policy.rank)


def assess(policy: Policy, *, category: str, in_danger: bool, earlier_reports: int,
           triaged: str | None = None) -> Assessment:
    """Severity and flags for a new report.

    ``earlier_reports`` is the number of earlier reports on the same customer within
    ``rules.repeated.window`` (counted by the caller; see :func:`repeated_window_start`).
    ``triaged`` is the most severe matching triage rule's severity (:mod:`policy.triage`).
    The severity is the most severe of the category default, the triage rules and every
    rule that applies. Raises ``KeyError`` for an unknown category.
    """
    candidates = [policy.category(category).default_severity]
    if triaged is not None:
        candidates.append(triaged)
    flags: list[str] = []
    if in_danger:
        candidates.append(policy.rules.in_danger)
        flags.append(IN_DANGER)
    if earlier_reports + 1 >= policy.rules.repeated.count:
        candidates.append(policy.rules.repeated.at_least)
        flags.append(REPEATED)
    return Assessment(severity=most_severe(policy, *candidates), flags=tuple(flags))


def options_for(
    policy: Policy, *, severity: str, status: str, chosen: Collection[str] = ()
) -> list[Option]:
    """The options to offer on an alert, in policy order.

    Nothing once ``status`` is ``resolved``; no ``acknowledge`` once ``acknowledged``;
    never an option already in ``chosen``. ``KeyError`` for an unknown severity.
    """
    policy.severity(severity)
    if status == "resolved":
        return []
    excluded = set(chosen)
    if status == "acknowledged":
        excluded.add("acknowledge")
    return [o for o in policy.options if severity in o.severities and o.id not in excluded]


def repeated_window_start(policy: Policy, now: datetime) -> datetime:
    """The earliest report time (naive UTC) that counts toward the repeated rule at ``now``."""
    return now - policy.rules.repeated.window


def blocked_by(policy: Policy, option_id: str, *, done: Collection[str]) -> list[str]:
    """The options ``option_id`` still waits for (its ``requires`` not yet in ``done``)."""
    return [r for r in policy.option(option_id).requires if r not in done]


def next_step(policy: Policy, *, severity: str, status: str, done: Collection[str]) -> Option | None:
    """The step the ladder recommends next: the first option offered at this severity,
    in policy order, not yet done and not waiting for another (None once resolved)."""
    for option in options_for(policy, severity=severity, status=status, chosen=done):
        if not blocked_by(policy, option.id, done=done):
            return option
    return None
