"""How incidents are handled: categories, severities and their deadlines, the rules,
the response options (the ladder), retention, triage, care, flood limits, the register,
restricted routes and the Teams package's links."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from policy.types import Duration, StrictModel, Text

class Category(StrictModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    default_severity: str
    labels: Text
    description: Text | None = None


class Severity(StrictModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    labels: Text
    ack_within: Duration
    resolve_within: Duration
    renotify: int = Field(ge=0, le=10)
    page: bool
    responders: int = Field(ge=1, le=2)
    business_hours_only: bool


class RepeatedRule(StrictModel):
    count: int = Field(ge=2)
    window: Duration
    at_least: str


class Rules(StrictModel):
    in_danger: str
    repeated: RepeatedRule


class Defaults(StrictModel):
    share_name: bool


class Option(StrictModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    needs_approval: bool
    severities: list[str] = Field(min_length=1)
    labels: Text | None = None
    done: Text | None = None  # past-tense line for the alert, e.g. "asked the police"
    legal_hold: bool = False  # choosing it places the incident on legal hold (no purge)
    requires: list[str] = Field(default_factory=list)  # options that must be done first (the ladder)


class Retention(StrictModel):
    closed_incidents: Duration

# -- triage and care (spec 8.1, 8.3) ----------------------------------------------------


def _phrases(values: list[str]) -> list[str]:
    for value in values:
        if not value.strip() or value.strip("*").strip() == "":
            raise ValueError(f"{value!r} is not a phrase (empty or only '*')")
    return values


Phrases = Annotated[list[str], AfterValidator(_phrases)]


class TriageMatch(StrictModel):
    """The phrases of one triage rule: ``en`` match whole words (a trailing ``*`` allows
    longer words), ``ja`` match as substrings. Both lists always apply."""

    en: Phrases = Field(default_factory=list)
    ja: Phrases = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> TriageMatch:
        if not self.en and not self.ja:
            raise ValueError("a triage rule needs at least one phrase in en or ja")
        return self


class TriageRule(StrictModel):
    """Words that decide a report's category and severity (shown to supervisors by id)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    category: str
    severity: str
    match: TriageMatch


class Care(StrictModel):
    """How fast a request to talk must be answered (never business-hours-only)."""

    respond_within: Duration = timedelta(minutes=30)


class Limits(StrictModel):
    """Flood control: past ``reports_per_minute`` reports from one person in a minute,
    that person's further alerts fold into one digest per minute (all still logged)."""

    reports_per_minute: int = Field(default=10, ge=1, le=10_000)


class RegisterPolicy(StrictModel):
    """The register of customers no longer served (spec 8.5)."""

    review_after: Duration = timedelta(days=180)  # P6M: months count as 30 days

class Routes(StrictModel):
    """``restricted``: the categories whose incidents go to the HR channel only."""

    restricted: list[str] = Field(default_factory=list)


def _https_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not an https:// URL (e.g. https://intranet.example.com/haven/privacy)")
    return value


HttpsUrl = Annotated[str, AfterValidator(_https_url)]


class Links(StrictModel):
    """Pages the Teams app package names (``haven manifest teams`` refuses without them)."""

    privacy: HttpsUrl | None = None
    terms: HttpsUrl | None = None
