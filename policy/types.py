"""The policy's building blocks: strict models, texts in every language, and the field
types its sections share (ISO-8601 durations, ``HH:MM`` times, ``MM-DD`` days, daily spans).
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

LANGUAGES = ("en", "ja")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTH_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(StrictModel):
    """A user-facing string in every supported language."""

    en: str = Field(min_length=1)
    ja: str = Field(min_length=1)

    def get(self, locale: str | None) -> str:
        """The text in ``locale`` (``ja``, ``ja-JP``, ...); English otherwise."""
        return self.ja if (locale or "").lower().startswith("ja") else self.en


def parse_hhmm(value: str) -> time:
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
    parse_hhmm(value)
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


MonthDay = Annotated[str, AfterValidator(_check_month_day)]
"""A day of the year as ``MM-DD`` (company closures, fixed closing days)."""
HHMM = Annotated[str, AfterValidator(_check_hhmm)]
"""A time of day as ``HH:MM`` (``24:00`` allowed as a closing time)."""
Duration = Annotated[timedelta, BeforeValidator(_iso_duration), AfterValidator(_positive)]


class Span(StrictModel):
    """A daily span ``from``–``to`` as HH:MM in the policy time zone."""

    from_: HHMM = Field(alias="from")
    to: HHMM

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if parse_hhmm(self.from_) >= parse_hhmm(self.to):
            raise ValueError(f"opens at {self.from_} but closes at {self.to}")
        return self

    @property
    def opens(self) -> time:
        """Opening time of day (local to the policy time zone)."""
        return parse_hhmm(self.from_)

    @property
    def closes(self) -> time:
        """Closing time of day; ``24:00`` is 23:59:59.999999 (see ``closes_at_midnight``)."""
        return parse_hhmm(self.to)

    @property
    def closes_at_midnight(self) -> bool:
        """True when the span runs to the end of the day (``to: "24:00"``)."""
        return self.to == "24:00"
