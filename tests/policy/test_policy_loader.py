"""Loading policy files: the default is valid, and every broken file says where and why."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy.loader import DEFAULT_POLICY_PATH, PolicyError, check, load_policy
from policy.model import Policy

Mutation = Callable[[dict[str, Any]], None]


def _default_data() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _errors_for(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.errors, "a PolicyError lists its problems"
    assert all(line.startswith(f"{path}: ") for line in caught.value.errors)
    return [line.removeprefix(f"{path}: ") for line in caught.value.errors]


def _set(*keys: str | int, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return mutate


def _delete(*keys: str | int) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return mutate


def test_the_bundled_default_loads() -> None:
    policy = load_policy()
    assert policy.version == "2025-04-01"
    assert policy.timezone == "Asia/Tokyo"
    assert load_policy(DEFAULT_POLICY_PATH) == policy


def test_a_policy_survives_a_json_round_trip(policy: Policy) -> None:
    snapshot = policy.model_dump(mode="json", by_alias=True)
    assert snapshot["severities"][0]["ack_within"] == "PT5M"
    assert Policy.model_validate(snapshot) == policy


BROKEN: list[tuple[str, Mutation, str]] = [
    ("bad duration", _set("severities", 0, "ack_within", value="5 minutes"), "severities.critical.ack_within: "),
    ("bare number duration", _set("severities", 1, "resolve_within", value=3600), "severities.high.resolve_within: "),
    ("zero duration", _set("rules", "repeated", "window", value="PT0S"), "rules.repeated.window: must be a positive"),
    (
        "unknown severity in a category",
        _set("categories", 0, "default_severity", value="urgent"),
        "categories.violence.default_severity: unknown severity 'urgent'",
    ),
    (
        "unknown severity in an option",
        _set("options", 4, "severities", value=["critical", "urgent"]),
        "options.contact_police.severities.1: unknown severity 'urgent'",
    ),
    ("unknown in_danger severity", _set("rules", "in_danger", value="dire"), "rules.in_danger: unknown severity"),
    ("unknown top-level key", _set("timzone", value="Asia/Tokyo"), "timzone: unknown key"),
    ("unknown nested key", _set("severities", 2, "ack_witin", value="PT1H"), "severities.normal.ack_witin: unknown key"),
    ("bad timezone", _set("timezone", value="Asia/Tokio"), "timezone: 'Asia/Tokio' is not an IANA time zone"),
    ("bad business hours", _set("follow_ups", "business_hours", "from", value="9am"), "follow_ups.business_hours.from: '9am'"),
    ("hour 25", _set("wellbeing", 2, "hours", 0, "to", value="25:00"), "wellbeing.kokoro_no_mimi.hours.0.to: '25:00'"),
    ("closes before it opens", _set("follow_ups", "business_hours", "to", value="09:00"), "follow_ups.business_hours: opens at 10:00 but closes at 09:00"),
    ("bad MM-DD", _set("follow_ups", "closed", 0, value="29-12"), "follow_ups.closed.0: '29-12' is not a day as MM-DD"),
    ("impossible day", _set("wellbeing", 2, "closed", 0, value="02-30"), "wellbeing.kokoro_no_mimi.closed.0: '02-30' is not a day of the year"),
    ("missing ja text", _delete("categories", 0, "labels", "ja"), "categories.violence.labels.ja: required key is missing"),
    ("missing ja wellbeing text", _delete("wellbeing", 0, "text", "ja"), "wellbeing.step_away.text.ja: required key is missing"),
    ("missing key", _delete("rules"), "rules: required key is missing"),
    ("unknown holidays country", _set("follow_ups", "holidays", value="XX"), "follow_ups.holidays: 'XX' is not a country code"),
    ("wrong type", _set("severities", 1, "page", value="maybe"), "severities.high.page: "),
    ("bad weekday", _set("follow_ups", "working_days", 0, value="monday"), "follow_ups.working_days.0: "),
    ("bad hours", _set("wellbeing", 3, "hours", value="sometimes"), 'wellbeing.yorisoi_hotline.hours: must be "always" or a list'),
    ("duplicate id", lambda d: d["options"].append(copy.deepcopy(d["options"][0])), "options.7.id: 'acknowledge' appears more than once"),
    ("no acknowledge option", _set("options", 0, "id", value="take_over"), "options: the 'acknowledge' option is required"),
    ("zero reports a minute", _set("limits", "reports_per_minute", value=0), "limits.reports_per_minute: "),
    ("unknown limits key", _set("limits", "reports_per_hour", value=5), "limits.reports_per_hour: unknown key"),
]


def test_without_limits_one_person_may_report_ten_times_a_minute(tmp_path: Path) -> None:
    data = _default_data()
    del data["limits"]
    assert load_policy(_write(tmp_path, data)).limits.reports_per_minute == 10


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in BROKEN])
def test_a_broken_file_names_the_field_and_the_problem(tmp_path: Path, mutate: Mutation, expected: str) -> None:
    data = _default_data()
    mutate(data)
    errors = _errors_for(_write(tmp_path, data))
    assert any(line.startswith(expected) for line in errors), errors


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = _default_data()
    data["timezone"] = "Mars/Olympus"
    data["severities"][0]["ack_within"] = "soon"
    errors = _errors_for(_write(tmp_path, data))
    assert [line.split(":")[0] for line in errors] == ["timezone", "severities.critical.ack_within"]


def test_several_cross_reference_problems_are_each_a_line(tmp_path: Path) -> None:
    data = _default_data()
    data["categories"][0]["default_severity"] = "urgent"
    data["rules"]["repeated"]["at_least"] = "higher"
    errors = _errors_for(_write(tmp_path, data))
    assert [line.split(":")[0] for line in errors] == [
        "categories.violence.default_severity",
        "rules.repeated.at_least",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: '1'\n  timezone: [\n", "line 2, column "),
        ("- a list\n- not a mapping\n", "the file must be a mapping"),
        ("", "the file must be a mapping"),
        ("timezone: Asia/Tokyo\ntimezone: UTC\n", "line 2, column 1: invalid YAML: duplicate key 'timezone'"),
    ],
)
def test_a_file_that_is_not_a_policy_mapping(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    assert any(expected in line for line in _errors_for(path))


def test_a_missing_file(tmp_path: Path) -> None:
    assert _errors_for(tmp_path / "nope.yaml") == ["file not found"]


def test_unquoted_times_and_dates_are_read_as_written(tmp_path: Path) -> None:
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    text = text.replace('version: "2025-04-01"', "version: 2025-04-01")
    text = text.replace('business_hours: {from: "10:00", to: "19:00"}', "business_hours: {from: 10:00, to: 19:00}")
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    policy = load_policy(path)
    assert policy.version == "2025-04-01"
    assert policy.follow_ups.business_hours.from_ == "10:00"


def test_check_says_ok_for_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert check(DEFAULT_POLICY_PATH) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("ok\n", "")


def test_check_prints_each_error_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _default_data()
    data["severities"][0]["ack_within"] = "5 minutes"
    data["timezone"] = "Nowhere/City"
    path = _write(tmp_path, data)
    assert check(path) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}: timezone: ")
    assert lines[1].startswith(f"{path}: severities.critical.ack_within: ")


def test_check_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(tmp_path / "missing.yaml") == 1
    assert capsys.readouterr().err == f"{tmp_path / 'missing.yaml'}: file not found\n"
