"""The policy schema: every key of ``policy/default.yaml``, validated with pydantic.

Durations are ISO-8601 (``PT5M``, ``P1D``); pydantic parses them into ``timedelta``.
Every user-facing string is a :class:`Text` with an ``en`` and a ``ja`` entry.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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

    def get(self, locale: str) -> str:
        return self.ja if locale.lower().startswith("ja") else self.en


def _parse_hhmm(value: str) -> time:
    if not _HHMM.match(value):
        raise ValueError(f"{value!r} is not a time of day as HH:MM")
    if value == "24:00":
        return time(23, 59, 59, 999999)
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _check_month_days(values: list[str]) -> list[str]:
    for value in values:
        if not _MONTH_DAY.match(value):
            raise ValueError(f"{value!r} is not a day as MM-DD")
    return values


class Category(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    default_severity: str
    labels: Text
    description: Text | None = None


class Severity(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    labels: Text
    ack_within: timedelta
    resolve_within: timedelta
    renotify: int = Field(ge=0, le=10)
    page: bool
    responders: int = Field(ge=1, le=2)
    business_hours_only: bool

    @field_validator("ack_within", "resolve_within")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be a positive duration such as PT5M")
        return value


class RepeatedRule(_Strict):
    count: int = Field(ge=2)
    window: timedelta
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


class OpeningHours(_Strict):
    days: list[Weekday] = Field(min_length=1)
    from_: str = Field(alias="from")
    to: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("from_", "to")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        _parse_hhmm(value)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> OpeningHours:
        if _parse_hhmm(self.from_) >= _parse_hhmm(self.to):
            raise ValueError(f"opens at {self.from_} but closes at {self.to}")
        return self

    @property
    def opens(self) -> time:
        return _parse_hhmm(self.from_)

    @property
    def closes(self) -> time:
        return _parse_hhmm(self.to)


class WellbeingResource(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    labels: Text
    text: Text
    contact: str | None = None
    hours: Literal["always"] | list[OpeningHours]
    closed_on_holidays: bool = False
    closed: list[str] = Field(default_factory=list)

    _closed_days = field_validator("closed")(classmethod(lambda cls, v: _check_month_days(v)))


class BusinessHours(_Strict):
    from_: str = Field(alias="from")
    to: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("from_", "to")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        _parse_hhmm(value)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> BusinessHours:
        if _parse_hhmm(self.from_) >= _parse_hhmm(self.to):
            raise ValueError(f"opens at {self.from_} but closes at {self.to}")
        return self

    @property
    def opens(self) -> time:
        return _parse_hhmm(self.from_)

    @property
    def closes(self) -> time:
        return _parse_hhmm(self.to)


class FollowUps(_Strict):
    offsets: list[timedelta]
    business_hours: BusinessHours
    working_days: list[Weekday] = Field(min_length=1)
    holidays: str
    closed: list[str] = Field(default_factory=list)

    _closed_days = field_validator("closed")(classmethod(lambda cls, v: _check_month_days(v)))

    @field_validator("offsets")
    @classmethod
    def _positive(cls, values: list[timedelta]) -> list[timedelta]:
        if any(v <= timedelta(0) for v in values):
            raise ValueError("every offset must be a positive duration such as P1D")
        return values

    @field_validator("holidays")
    @classmethod
    def _country(cls, value: str) -> str:
        if value == "none":
            return value
        import holidays as holidays_lib

        if value not in holidays_lib.list_supported_countries():
            raise ValueError(f"{value!r} is not a country code known to the holidays package")
        return value


class Retention(_Strict):
    closed_incidents: timedelta


class Policy(_Strict):
    version: str = Field(min_length=1)
    timezone: str
    categories: list[Category] = Field(min_length=1)
    severities: list[Severity] = Field(min_length=1)
    rules: Rules
    defaults: Defaults
    options: list[Option] = Field(min_length=1)
    wellbeing: list[WellbeingResource] = Field(min_length=1)
    follow_ups: FollowUps
    retention: Retention

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
        severity_ids = [s.id for s in self.severities]
        known = set(severity_ids)
        _unique("severities", severity_ids)
        _unique("categories", [c.id for c in self.categories])
        _unique("options", [o.id for o in self.options])
        _unique("wellbeing", [w.id for w in self.wellbeing])
        for i, category in enumerate(self.categories):
            if category.default_severity not in known:
                raise ValueError(
                    f"categories.{i}.default_severity: unknown severity {category.default_severity!r}"
                )
        if self.rules.in_danger not in known:
            raise ValueError(f"rules.in_danger: unknown severity {self.rules.in_danger!r}")
        if self.rules.repeated.at_least not in known:
            raise ValueError(
                f"rules.repeated.at_least: unknown severity {self.rules.repeated.at_least!r}"
            )
        for i, option in enumerate(self.options):
            for j, sev in enumerate(option.severities):
                if sev not in known:
                    raise ValueError(f"options.{i}.severities.{j}: unknown severity {sev!r}")
        if "acknowledge" not in {o.id for o in self.options}:
            raise ValueError("options: the 'acknowledge' option is required")
        return self

    # -- look-ups -------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def severity(self, severity_id: str) -> Severity:
        for severity in self.severities:
            if severity.id == severity_id:
                return severity
        raise KeyError(severity_id)

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def rank(self, severity_id: str) -> int:
        """0 for the most severe; severities are listed most severe first."""
        return [s.id for s in self.severities].index(severity_id)


def _unique(where: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            raise ValueError(f"{where}.{i}.id: {value!r} appears twice")
        seen.add(value)
