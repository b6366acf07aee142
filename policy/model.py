"""The policy schema: every key of ``policy/default.yaml``, validated with pydantic.

Durations are ISO-8601 (``PT5M``, ``P1D``); pydantic parses them into ``timedelta``.
Every user-facing string is a :class:`policy.types.Text` with an ``en`` and a ``ja`` entry.
The sections live in :mod:`policy.handling` and :mod:`policy.places`; this module holds the
whole file (:class:`Policy`), its cross references and its look-ups.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, field_validator, model_validator

from policy.checks import ladder_problems, triage_problems
from policy.handling import (
    Care, Category, Defaults, Limits, Links, Option, RegisterPolicy, Retention, Routes, Rules, Severity, TriageRule,
)
from policy.places import FollowUps, Site, WellbeingResource
from policy.types import StrictModel

def _version_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class Policy(StrictModel):
    """The whole policy file. Lists keep the file's order (severities: most severe first)."""

    version: Annotated[str, BeforeValidator(_version_text)] = Field(min_length=1)
    timezone: str
    categories: list[Category] = Field(min_length=1)
    severities: list[Severity] = Field(min_length=1)
    rules: Rules
    defaults: Defaults
    options: list[Option] = Field(min_length=1)
    wellbeing: list[WellbeingResource] = Field(min_length=1)
    follow_ups: FollowUps
    retention: Retention
    triage: list[TriageRule] = Field(default_factory=list)
    care: Care = Field(default_factory=Care)
    limits: Limits = Field(default_factory=Limits)
    # ``register`` in the file (the name would shadow ABCMeta.register on the model)
    register_: RegisterPolicy = Field(default_factory=RegisterPolicy, alias="register")
    sites: list[Site] = Field(default_factory=list)  # the first is the default site
    routes: Routes = Field(default_factory=lambda: Routes())
    links: Links = Field(default_factory=lambda: Links())

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone") from exc
        return value

    @model_validator(mode="after")
    def _references(self) -> Policy:
        """Cross references. Each problem is one line ``dotted.path: problem``."""
        problems: list[str] = []
        known = {s.id for s in self.severities}
        for where, items in (
            ("severities", self.severities),
            ("categories", self.categories),
            ("options", self.options),
            ("wellbeing", self.wellbeing),
        ):
            problems += _duplicates(where, [item.id for item in items])

        def check(path: str, severity_id: str) -> None:
            if severity_id not in known:
                problems.append(
                    f"{path}: unknown severity {severity_id!r} (known: {', '.join(sorted(known))})"
                )

        for i, category in enumerate(self.categories):
            check(f"categories.{i}.default_severity", category.default_severity)
        check("rules.in_danger", self.rules.in_danger)
        check("rules.repeated.at_least", self.rules.repeated.at_least)
        for i, option in enumerate(self.options):
            for j, severity_id in enumerate(option.severities):
                check(f"options.{i}.severities.{j}", severity_id)
        if "acknowledge" not in {o.id for o in self.options}:
            problems.append("options: the 'acknowledge' option is required")
        problems += _site_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _triage_and_ladder(self) -> Policy:
        """Triage rules name known categories and severities; ``requires`` has no loop."""
        problems = triage_problems(self) + ladder_problems(self.options)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    # -- look-ups -------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        """The policy time zone (business time and times shown to people)."""
        return ZoneInfo(self.timezone)

    def category(self, category_id: str) -> Category:
        """The category with this id; ``KeyError`` if there is none."""
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def severity(self, severity_id: str) -> Severity:
        """The severity with this id; ``KeyError`` if there is none."""
        for severity in self.severities:
            if severity.id == severity_id:
                return severity
        raise KeyError(severity_id)

    def option(self, option_id: str) -> Option:
        """The option with this id; ``KeyError`` if there is none."""
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    @property
    def default_site(self) -> Site | None:
        """The first site (None when the policy lists no sites: one place, as before)."""
        return self.sites[0] if self.sites else None

    def site(self, site_id: str | None) -> Site | None:
        """The site with this id; the default site for None or an unknown id."""
        for site in self.sites:
            if site.id == site_id:
                return site
        return self.default_site

    def is_restricted(self, category_id: str) -> bool:
        """True when incidents of this category go to HR only (``routes.restricted``)."""
        return category_id in self.routes.restricted

    def rank(self, severity_id: str) -> int:
        """0 for the most severe; severities are listed most severe first. ``KeyError`` if unknown."""
        for index, severity in enumerate(self.severities):
            if severity.id == severity_id:
                return index
        raise KeyError(severity_id)


def _duplicates(where: str, ids: list[str]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for i, value in enumerate(ids):
        if value in seen:
            problems.append(f"{where}.{i}.id: {value!r} appears more than once")
        seen.add(value)
    return problems


def _site_problems(policy: Policy) -> list[str]:
    """Cross references of ``sites`` and ``routes``, one ``dotted.path: problem`` each."""
    found = _duplicates("sites", [site.id for site in policy.sites])
    categories = {c.id for c in policy.categories}
    for i, category in enumerate(policy.routes.restricted):
        if category not in categories:
            found.append(f"routes.restricted.{i}: unknown category {category!r} "
                         f"(known: {', '.join(sorted(categories))})")
    return found
