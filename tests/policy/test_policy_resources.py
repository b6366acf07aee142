"""Which wellbeing lines are open at an instant, and their hours in words."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from policy.model import Policy
from policy.places import WellbeingResource
from policy.resources import describe_hours, is_open, resource_status

TOKYO = ZoneInfo("Asia/Tokyo")


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Tokyo wall time as the naive UTC instant the policy package works in."""
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO).astimezone(UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("resource_id", "at", "expected", "why"),
    [
        ("kokoro_no_mimi", jst(2026, 12, 5, 13, 0), True, "Saturday afternoon"),
        ("kokoro_no_mimi", jst(2026, 12, 5, 17, 0), False, "Saturday after 16:00"),
        ("kokoro_no_mimi", jst(2026, 12, 1, 18, 0), True, "Tuesday evening"),
        ("kokoro_no_mimi", jst(2026, 11, 30, 17, 0), True, "Monday at 17:00"),
        ("kokoro_no_mimi", jst(2026, 12, 2, 18, 0), False, "Wednesday evening: the line is not open Wed-Fri"),
        ("kokoro_no_mimi", jst(2026, 12, 4, 21, 0), False, "Friday evening"),
        ("kokoro_no_mimi", jst(2026, 12, 1, 16, 59), False, "Tuesday before 17:00"),
        ("kokoro_no_mimi", jst(2026, 12, 1, 22, 0), False, "Tuesday at closing"),
        ("kokoro_no_mimi", jst(2027, 1, 11, 18, 0), False, "weekday public holiday"),
        ("kokoro_no_mimi", jst(2026, 12, 31, 18, 0), False, "New Year closure"),
        ("kokoro_no_mimi", jst(2027, 1, 2, 13, 0), False, "closure on a Saturday"),
        ("police_consultation", jst(2026, 12, 2, 18, 0), False, "weekday after 17:15"),
        ("police_consultation", jst(2026, 12, 2, 10, 0), True, "weekday morning"),
        ("police_consultation", jst(2026, 12, 2, 17, 14), True, "just before 17:15"),
        ("police_consultation", jst(2027, 1, 11, 10, 0), False, "public holiday"),
        ("police_consultation", jst(2026, 12, 5, 10, 0), False, "Saturday"),
        ("yorisoi_hotline", jst(2026, 12, 31, 3, 0), True, "New Year's Eve at 3 am"),
        ("yorisoi_hotline", jst(2027, 1, 11, 18, 0), True, "public holiday"),
        ("emergency", jst(2027, 1, 1, 0, 0), True, "New Year's Day midnight"),
        ("step_away", jst(2026, 12, 6, 23, 0), True, "always"),
        ("company_counselling", jst(2026, 12, 2, 12, 0), False, "hours unknown: ask the company"),
    ],
)
def test_resources_open_at_chosen_instants(
    policy: Policy, resource_id: str, at: datetime, expected: bool, why: str
) -> None:
    resource = next(r for r in policy.wellbeing if r.id == resource_id)
    assert is_open(resource, at, policy=policy) is expected, why


def test_resource_status_keeps_policy_order(policy: Policy) -> None:
    status = resource_status(policy, jst(2026, 12, 5, 13, 0))
    assert [r.id for r, _ in status] == [r.id for r in policy.wellbeing if r.id != "company_counselling"]
    assert dict((r.id, open_) for r, open_ in status) == {
        "step_away": True,
        "kokoro_no_mimi": True,
        "yorisoi_hotline": True,
        "police_consultation": False,
        "emergency": True,
    }


def test_a_line_open_until_midnight(policy: Policy) -> None:
    late = WellbeingResource.model_validate(
        {
            "id": "late_line",
            "labels": {"en": "Late line", "ja": "夜間の相談"},
            "text": {"en": "Open late.", "ja": "夜遅くまで開いています。"},
            "hours": [{"days": ["sun"], "from": "20:00", "to": "24:00"}],
        }
    )
    assert is_open(late, jst(2026, 12, 6, 23, 59), policy=policy)
    assert not is_open(late, jst(2026, 12, 7, 0, 0), policy=policy)
    assert describe_hours(late, "ja") == "日 20:00–24:00"


DESCRIPTIONS = {
    "step_away": ("24 hours", "24時間"),
    "company_counselling": ("ask your company", "会社にご確認ください"),
    "kokoro_no_mimi": (
        "Mon–Tue 17:00–22:00, Sat–Sun 10:00–16:00, closed on public holidays, closed 12/29–1/3",
        "月火 17:00–22:00、土日 10:00–16:00、祝日休み、12/29〜1/3は休み",
    ),
    "yorisoi_hotline": ("24 hours", "24時間"),
    "police_consultation": ("Mon–Fri 08:30–17:15, closed on public holidays", "月〜金 08:30–17:15、祝日休み"),
    "emergency": ("24 hours", "24時間"),
}


@pytest.mark.parametrize(("resource_id", "texts"), DESCRIPTIONS.items())
def test_hours_are_described_in_english_and_japanese(
    policy: Policy, resource_id: str, texts: tuple[str, str]
) -> None:
    resource = next(r for r in policy.wellbeing if r.id == resource_id)
    assert (describe_hours(resource, "en"), describe_hours(resource, "ja-JP")) == texts


def test_scattered_days_are_listed(policy: Policy) -> None:
    resource = WellbeingResource.model_validate(
        {
            "id": "odd_days",
            "labels": {"en": "Odd days", "ja": "不定期"},
            "text": {"en": "Some days.", "ja": "一部の曜日のみ。"},
            "hours": [
                {"days": ["mon", "wed", "thu", "fri", "sun"], "from": "09:00", "to": "12:00"},
                {"days": list(("mon", "tue", "wed", "thu", "fri", "sat", "sun")), "from": "13:00", "to": "14:00"},
            ],
            "closed": ["05-05", "12-31"],
        }
    )
    assert describe_hours(resource, "en") == (
        "Mon, Wed–Fri, Sun 09:00–12:00, every day 13:00–14:00, closed 5/5, 12/31"
    )
    assert describe_hours(resource, "ja") == "月・水〜金・日 09:00–12:00、毎日 13:00–14:00、5/5・12/31は休み"
