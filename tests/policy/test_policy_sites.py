"""Sites and routes in the policy: validated by path; business time per site."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy.calendar import BusinessCalendar
from policy.loader import DEFAULT_POLICY_PATH, PolicyError, load_policy


def _load_with(tmp_path: Path, **changes: Any) -> Any:
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _errors(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return [line.removeprefix(f"{path}: ") for line in caught.value.errors]


def test_the_default_policy_has_sites_and_sends_sexual_harassment_to_hr_only() -> None:
    policy = load_policy(None)
    assert [s.id for s in policy.sites] == ["head_office", "store_shibuya"]
    assert policy.default_site is not None and policy.default_site.id == "head_office"
    assert policy.is_restricted("sexual_harassment") and not policy.is_restricted("violence")
    assert policy.site("nowhere") is policy.default_site


def test_a_policy_without_sites_keeps_one_place_and_the_follow_ups_hours(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    del data["sites"], data["routes"]
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    policy = load_policy(path)
    assert policy.sites == [] and policy.default_site is None and policy.routes.restricted == []
    assert BusinessCalendar.for_site(policy, None) == BusinessCalendar.from_policy(policy)


def _site(site_id: str, days: list[str], opens: str = "10:00", closes: str = "19:00") -> dict[str, Any]:
    return {"id": site_id, "labels": {"en": site_id, "ja": f"{site_id}店"},
            "hours": {"days": days, "from": opens, "to": closes}}


@pytest.mark.parametrize(("changes", "expected"), [
    ({"routes": {"restricted": ["sexual_harassment", "shouting"]}},
     "routes.restricted.1: unknown category 'shouting'"),
    ({"sites": [_site("a", ["mon"]), _site("a", ["tue"])]}, "sites.1.id: 'a' appears more than once"),
    ({"sites": [_site("a", ["mon"], "19:00", "10:00")]}, "sites.a.hours: opens at 19:00 but closes at 10:00"),
    ({"sites": [_site("a", [])]}, "sites.a.hours.days"),
])
def test_bad_sites_and_routes_name_their_path(tmp_path: Path, changes: dict[str, Any], expected: str) -> None:
    errors = _errors(_load_with(tmp_path, **changes))
    assert any(line.startswith(expected) for line in errors), errors


def test_business_time_follows_the_sites_hours_with_the_policys_holidays() -> None:
    policy = load_policy(None)
    store = BusinessCalendar.for_site(policy, "store_shibuya")
    office = BusinessCalendar.for_site(policy, "head_office")
    sunday_11 = datetime(2026, 12, 6, 2, 0)  # 11:00 in Tokyo
    assert store.add_business_time(sunday_11, timedelta(hours=1)) == datetime(2026, 12, 6, 3, 0)
    assert office.add_business_time(sunday_11, timedelta(hours=1)) == datetime(2026, 12, 7, 2, 0)
    evening = datetime(2026, 12, 7, 11, 0)  # Monday 20:00: the store is open until 21:00, the office closed
    assert store.is_business_time(evening) and not office.is_business_time(evening)
    new_year = datetime(2026, 12, 31, 3, 0)  # a closure day (12-31) for every site
    assert not store.is_business_time(new_year)
    holiday = datetime(2026, 11, 23, 3, 0)  # Labour Thanksgiving Day, a public holiday in Japan
    assert not store.is_business_time(holiday)
