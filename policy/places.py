"""Where and when: sites and their working hours, the business day for deadlines and
check-ins, and when each wellbeing line answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import holidays as holidays_lib
from pydantic import Discriminator, Field, Tag, field_validator

from policy.types import Duration, MonthDay, Span, StrictModel, Text, Weekday


def _hours_kind(value: Any) -> str | None:
    if value == "always":
        return "always"
    return "list" if isinstance(value, list | tuple) else None


class OpeningHours(Span):
    """When a wellbeing line answers: these weekdays, ``from``–``to``."""

    days: list[Weekday] = Field(min_length=1)


class WellbeingResource(StrictModel):
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


class BusinessHours(Span):
    """The working day used for business-time deadlines and check-ins."""


class FollowUps(StrictModel):
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

class SiteHours(OpeningHours):
    """When a site works: these weekdays, ``from``–``to`` in the policy time zone."""


class Site(StrictModel):
    """Where people work (spec 8.2): its own channels and its own business ``hours``
    (holidays and closure days stay the policy's ``follow_ups``)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    labels: Text
    hours: SiteHours
