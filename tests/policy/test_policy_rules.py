"""assess, most_severe, options_for: the policy's rules as a table."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from policy.model import Policy
from policy.rules import Assessment, assess, most_severe, options_for, repeated_window_start

CATEGORY_DEFAULTS = {
    "violence": "critical",
    "repeated_demands": "high",
    "denigration": "high",
    "excessive_demands": "normal",
    "online_defamation": "high",
    "privacy_invasion": "high",
    "sexual_harassment": "high",
    "other": "normal",
}

ALL_OPTIONS = [
    "acknowledge",
    "request_understanding",
    "discontinue_service",
    "consult_attorney",
    "contact_police",
    "external_specialist",
    "resolve",
]
WITHOUT_POLICE = [o for o in ALL_OPTIONS if o != "contact_police"]


def test_the_default_policy_has_exactly_the_eight_categories(policy: Policy) -> None:
    assert [c.id for c in policy.categories] == list(CATEGORY_DEFAULTS)


@pytest.mark.parametrize(("category", "expected"), CATEGORY_DEFAULTS.items())
def test_a_plain_report_gets_the_category_default(policy: Policy, category: str, expected: str) -> None:
    assert assess(policy, category=category, in_danger=False, earlier_reports=0) == Assessment(
        severity=expected, flags=()
    )


@pytest.mark.parametrize("category", CATEGORY_DEFAULTS)
def test_in_danger_makes_any_report_critical(policy: Policy, category: str) -> None:
    result = assess(policy, category=category, in_danger=True, earlier_reports=0)
    assert result.severity == "critical"
    assert result.flags == ("in_danger",)


def test_one_report_short_of_the_repeated_rule_is_not_repeated(policy: Policy) -> None:
    count = policy.rules.repeated.count
    result = assess(policy, category="other", in_danger=False, earlier_reports=count - 2)
    assert result == Assessment(severity="normal", flags=())


@pytest.mark.parametrize(
    ("category", "expected"),
    [("other", "high"), ("excessive_demands", "high"), ("denigration", "high"), ("violence", "critical")],
)
def test_the_report_that_reaches_the_count_is_repeated_and_at_least_high(
    policy: Policy, category: str, expected: str
) -> None:
    count = policy.rules.repeated.count
    for earlier in (count - 1, count + 5):
        result = assess(policy, category=category, in_danger=False, earlier_reports=earlier)
        assert result == Assessment(severity=expected, flags=("repeated",))


def test_in_danger_and_repeated_both_flag(policy: Policy) -> None:
    result = assess(policy, category="other", in_danger=True, earlier_reports=10)
    assert result == Assessment(severity="critical", flags=("in_danger", "repeated"))


def test_an_unknown_category_is_a_key_error(policy: Policy) -> None:
    with pytest.raises(KeyError):
        assess(policy, category="rudeness", in_danger=False, earlier_reports=0)


@pytest.mark.parametrize(
    ("ids", "expected"),
    [(("normal",), "normal"), (("normal", "high"), "high"), (("high", "critical", "normal"), "critical")],
)
def test_most_severe(policy: Policy, ids: tuple[str, ...], expected: str) -> None:
    assert most_severe(policy, *ids) == expected


def test_most_severe_rejects_unknown_and_empty(policy: Policy) -> None:
    with pytest.raises(KeyError):
        most_severe(policy, "high", "urgent")
    with pytest.raises(ValueError):
        most_severe(policy)


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("critical", ALL_OPTIONS), ("high", ALL_OPTIONS), ("normal", WITHOUT_POLICE)],
)
def test_open_incidents_get_every_option_of_their_severity_in_order(
    policy: Policy, severity: str, expected: list[str]
) -> None:
    assert [o.id for o in options_for(policy, severity=severity, status="open")] == expected


@pytest.mark.parametrize("severity", ["critical", "high", "normal"])
def test_acknowledged_incidents_no_longer_offer_acknowledge(policy: Policy, severity: str) -> None:
    ids = [o.id for o in options_for(policy, severity=severity, status="acknowledged")]
    assert "acknowledge" not in ids
    assert "resolve" in ids


@pytest.mark.parametrize("severity", ["critical", "high", "normal"])
def test_resolved_incidents_offer_nothing(policy: Policy, severity: str) -> None:
    assert options_for(policy, severity=severity, status="resolved") == []


def test_chosen_options_are_not_offered_again(policy: Policy) -> None:
    ids = [
        o.id
        for o in options_for(
            policy, severity="high", status="acknowledged", chosen={"contact_police", "consult_attorney"}
        )
    ]
    assert ids == ["request_understanding", "discontinue_service", "external_specialist", "resolve"]


def test_options_for_an_unknown_severity_is_a_key_error(policy: Policy) -> None:
    with pytest.raises(KeyError):
        options_for(policy, severity="urgent", status="open")


def test_discontinue_service_needs_approval(policy: Policy) -> None:
    assert [o.id for o in policy.options if o.needs_approval] == ["discontinue_service"]


def test_repeated_window_starts_thirty_days_back(policy: Policy) -> None:
    now = datetime(2026, 12, 1, 3, 0)
    assert repeated_window_start(policy, now) == now - timedelta(days=30)
