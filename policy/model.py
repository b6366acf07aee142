"""The policy schema: every key of ``policy/default.yaml``, validated with pydantic.

Durations are ISO-8601 (``PT5M``, ``P1D``); pydantic parses them into ``timedelta``.
Every user-facing string is a :class:`Text` with an ``en`` and a ``ja`` entry.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from policy.checks import ladder_problems, triage_problems

LANGUAGES = ("en", "ja")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A user-facing string in every supported language."""

    en: str = Field(min_length=1)
    ja: str = Field(min_length=1)

    def get(self, locale: str | None) -> str:
        """The text in ``locale`` (``ja``, ``ja-JP``, ...); English otherwise."""
        return self.ja if (locale or "").lower().startswith("ja") else self.en


def _parse_hhmm(value: str) -> time:
    if not _HHMM.match(value):
        raise ValueError(f"{value!r} is not a time of day as HH:MM")
    if value == "24:00":
        return time(23, 59, 59, 999999)
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _check_month_day(value: str) -> str:
    if not _MONTH_DAY.match(value):
        raise ValueError(f"{value!r} is not a day as MM-DD (e.g. \"12-29\")")
    month, day = (int(part) for part in value.split("-"))
    try:
        date(2024, month, day)  # a leap year, so 02-29 is allowed
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a day of the year") from exc
    return value


def _check_hhmm(value: str) -> str:
    _parse_hhmm(value)
    return value


def _iso_duration(value: Any) -> Any:
    """Only ISO-8601 strings (``PT5M``, ``P1D``): a bare number would silently mean seconds."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str) or not value.startswith("P"):
        raise ValueError(f"{value!r} is not an ISO-8601 duration such as PT5M or P1D")
    return value


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be a positive duration such as PT5M or P1D")
    return value


def _hours_kind(value: Any) -> str | None:
    if value == "always":
        return "always"
    return "list" if isinstance(value, list | tuple) else None


MonthDay = Annotated[str, AfterValidator(_check_month_day)]
"""A day of the year as ``MM-DD`` (company closures, fixed closing days)."""
HHMM = Annotated[str, AfterValidator(_check_hhmm)]
"""A time of day as ``HH:MM`` (``24:00`` allowed as a closing time)."""
Duration = Annotated[timedelta, BeforeValidator(_iso_duration), AfterValidator(_positive)]
"""A positive ISO-8601 duration. Years and months are approximate (365 and 30 days)."""


class Category(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    default_severity: str
    labels: Text
    description: Text | None = None


class Severity(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    labels: Text
    ack_within: Duration
    resolve_within: Duration
    renotify: int = Field(ge=0, le=10)
    page: bool
    responders: int = Field(ge=1, le=2)
    business_hours_only: bool


class RepeatedRule(_Strict):
    count: int = Field(ge=2)
    window: Duration
    at_least: str


class Rules(_Strict):
    in_danger: str
    repeated: RepeatedRule


class Defaults(_Strict):
    share_name: bool


class Option(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    needs_approval: bool
    severities: list[str] = Field(min_length=1)
    labels: Text | None = None
    done: Text | None = None  # past-tense line for the alert, e.g. "asked the police"
    legal_hold: bool = False  # choosing it places the incident on legal hold (no purge)
    requires: list[str] = Field(default_factory=list)  # options that must be done first (the ladder)


class _Span(_Strict):
    """A daily span ``from``–``to`` as HH:MM in the policy time zone."""

    from_: HHMM = Field(alias="from")
    to: HHMM

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> _Span:
        if _parse_hhmm(self.from_) >= _parse_hhmm(self.to):
            raise ValueError(f"opens at {self.from_} but closes at {self.to}")
        return self

    @property
    def opens(self) -> time:
        """Opening time of day (local to the policy time zone)."""
        return _parse_hhmm(self.from_)

    @property
    def closes(self) -> time:
        """Closing time of day; ``24:00`` is 23:59:59.999999 (see ``closes_at_midnight``)."""
        return _parse_hhmm(self.to)

    @property
    def closes_at_midnight(self) -> bool:
        """True when the span runs to the end of the day (``to: "24:00"``)."""
        return self.to == "24:00"


class OpeningHours(_Span):
    """When a wellbeing line answers: these weekdays, ``from``–``to``."""

    days: list[Weekday] = Field(min_length=1)


class WellbeingResource(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    labels: Text
    text: Text
    contact: str | Text | None = None  # one string for every language, or {en, ja}
    # "always", or a list of opening hours (empty: hours unknown, ask the company).
    # The discriminator keeps validation errors to the branch the file actually used.
    hours: Annotated[
        Annotated[Literal["always"], Tag("always")] | Annotated[list[OpeningHours], Tag("list")],
        Discriminator(
            _hours_kind,
            custom_error_type="hours",
            custom_error_message='must be "always" or a list of opening hours (may be empty)',
        ),
    ]
    closed_on_holidays: bool = False
    closed: list[MonthDay] = Field(default_factory=list)


class BusinessHours(_Span):
    """The working day used for business-time deadlines and check-ins."""


class FollowUps(_Strict):
    offsets: list[Duration]
    business_hours: BusinessHours
    working_days: list[Weekday] = Field(min_length=1)
    holidays: str
    closed: list[MonthDay] = Field(default_factory=list)

    @field_validator("holidays")
    @classmethod
    def _country(cls, value: str) -> str:
        if value == "none":
            return value
        if value not in holidays_lib.list_supported_countries():
            raise ValueError(f"{value!r} is not a country code known to the holidays package")
        return value


class Retention(_Strict):
    closed_incidents: Duration


# -- triage and care (spec 8.1, 8.3) ----------------------------------------------------


def _phrases(values: list[str]) -> list[str]:
    for value in values:
        if not value.strip() or value.strip("*").strip() == "":
            raise ValueError(f"{value!r} is not a phrase (empty or only '*')")
    return values


Phrases = Annotated[list[str], AfterValidator(_phrases)]


class TriageMatch(_Strict):
    """The phrases of one triage rule: ``en`` match whole words (a trailing ``*`` allows
    longer words), ``ja`` match as substrings. Both lists always apply."""

    en: Phrases = Field(default_factory=list)
    ja: Phrases = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> TriageMatch:
        if not self.en and not self.ja:
            raise ValueError("a triage rule needs at least one phrase in en or ja")
        return self


class TriageRule(_Strict):
    """Words that decide a report's category and severity (shown to supervisors by id)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    category: str
    severity: str
    match: TriageMatch


class Care(_Strict):
    """How fast a request to talk must be answered (never business-hours-only)."""

    respond_within: Duration = timedelta(minutes=30)


class Limits(_Strict):
    """Flood control: past ``reports_per_minute`` reports from one person in a minute,
    that person's further alerts fold into one digest per minute (all still logged)."""

    reports_per_minute: int = Field(default=10, ge=1, le=10_000)


class RegisterPolicy(_Strict):
    """The register of customers no longer served (spec 8.5)."""

    review_after: Duration = timedelta(days=180)  # P6M: months count as 30 days


class SiteHours(OpeningHours):
    """When a site works: these weekdays, ``from``–``to`` in the policy time zone."""


class Site(_Strict):
    """Where people work (spec 8.2): its own channels and its own business ``hours``
    (holidays and closure days stay the policy's ``follow_ups``)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    labels: Text
    hours: SiteHours


class Routes(_Strict):
    """``restricted``: the categories whose incidents go to the HR channel only."""

    restricted: list[str] = Field(default_factory=list)


def _https_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not an https:// URL (e.g. https://intranet.example.com/haven/privacy)")
    return value


HttpsUrl = Annotated[str, AfterValidator(_https_url)]


class Links(_Strict):
    """Pages the Teams app package names (``haven manifest teams`` refuses without them)."""

    privacy: HttpsUrl | None = None
    terms: HttpsUrl | None = None


def _version_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class Policy(_Strict):
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
