"""Spec 8.4: the full export, the spec's columns in the spec's order, local times Excel reads."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from datetime import timedelta

import pytest

from bot.app.export import COLUMNS, ExportError, build_rows, parse_filter, to_csv
from policy.loader import load_policy
from tests.core.test_core_flows import press, quick, sup
from tests.cli.test_console import run_console
from tests.cli.test_records import haven

SPEC_COLUMNS = (  # the spec's text, verbatim  # noqa: SIM905
    "id, site, status, severity, category, triage, flags, platform, reporter_id, reported_for, reported_at, "
    "occurred_at, contact_channel, customer_ref, description, exact_words, demands, held_minutes, location, "
    "evidence, owner, acknowledged_at, resolved_at, minutes_to_acknowledge, minutes_to_resolve, decisions, "
    "legal_hold, policy_version"
).split(", ")
FLOW = ["/abuse he said he would find where I live", ":as supervisor sato", "6",  # acknowledge
        "/abuse =HYPERLINK(\"x\") rude"]


def _csv(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    text = raw.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == SPEC_COLUMNS, "exact columns, exact order"
    return list(csv.DictReader(io.StringIO(text)))


def test_export_opens_with_every_column_and_local_times(tmp_path: Path) -> None:
    assert list(COLUMNS) == SPEC_COLUMNS
    assert run_console(tmp_path, FLOW, "en").returncode == 0
    out = tmp_path / "export.csv"
    result = haven(tmp_path, "incidents", "export", "--format", "csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    first, second = _csv(out.read_bytes())
    assert first["id"] == "INC-2026-000001" and first["description"] == "he said he would find where I live"
    assert first["reported_at"] == "2026-12-01 11:00", "Asia/Tokyo, YYYY-MM-DD HH:MM"
    assert first["acknowledged_at"] == "2026-12-01 11:00" and first["minutes_to_acknowledge"] == "0"
    assert first["owner"] == "sato" and "acknowledged acknowledge by sato" in first["decisions"]
    assert first["status"] == "acknowledged" and first["legal_hold"] == "false" and first["policy_version"]
    assert second["description"].startswith("'="), "a report's words never run as a formula"

    as_json = json.loads(haven(tmp_path, "incidents", "export", "--format", "json").stdout)
    assert [list(row) for row in as_json] == [SPEC_COLUMNS, SPEC_COLUMNS]
    assert as_json[0]["decisions"] and as_json[0]["reported_at"] == "2026-12-01 11:00"


async def test_export_filters_by_status_and_local_dates(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, clock = world
    first = (await quick(runtime)).ref
    await press(runtime, sup("sato"), "acknowledge", first)
    clock.advance(timedelta(hours=14))  # 2026-12-02 01:00 in Tokyo, still 12-01 in UTC
    second = (await quick(runtime, "she insulted me")).ref

    async def ids(**filters: str) -> list[str]:
        where = parse_filter(runtime.policy, **filters)
        return [row["id"] for row in await build_rows(runtime.db, runtime.policy, where)]

    assert await ids(status="acknowledged") == [first]
    assert await ids(status="open") == [second]
    assert await ids(start="2026-12-01", end="2026-12-01") == [first], "days are local days"
    assert await ids(start="2026-12-02") == [second]
    assert await ids(end="2026-11-30") == []
    assert await ids() == [first, second]


def test_bad_filters_name_the_option() -> None:
    policy = load_policy(None)
    cases = [
        ({"start": "tomorrow"}, "--from: 'tomorrow' is not a date as YYYY-MM-DD"),
        ({"start": "20261130"}, "--from: '20261130' is not a date as YYYY-MM-DD"),
        ({"end": "2026-W48-1"}, "--to: '2026-W48-1' is not a date as YYYY-MM-DD"),
        ({"start": "0001-01-01"}, "--from: 0001-01-01 is out of range (1900-01-01 to 9998-12-31)"),
        ({"end": "9999-12-31"}, "--to: 9999-12-31 is out of range (1900-01-01 to 9998-12-31)"),
        ({"start": "2026-12-02", "end": "2026-12-01"}, "--from 2026-12-02 is after --to 2026-12-01"),
        ({"status": "closed"}, "--status: 'closed' is not one of open, acknowledged, resolved"),
        ({"site": "nowhere"}, "--site: 'nowhere'"),
    ]
    for filters, expected in cases:
        with pytest.raises(ExportError) as caught:
            parse_filter(policy, **filters)
        assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_a_bad_filter_or_path_is_one_clear_line(tmp_path: Path) -> None:
    for args, expected in [(["--status", "closed"], "--status: 'closed'"),
                           (["--out", str(tmp_path / "missing" / "x.csv")], "--out: the folder")]:
        result = haven(tmp_path, "incidents", "export", *args)
        assert result.returncode == 2 and expected in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert result.stdout == ""


def test_csv_cells_quote_commas_newlines_and_japanese() -> None:
    row = dict.fromkeys(SPEC_COLUMNS, None) | {"id": "INC-2026-000009", "description": "殴られた,\n二度",
                                                "flags": ["a", "b"], "legal_hold": True, "decisions": []}
    parsed = _csv(to_csv([row]).encode("utf-8"))
    assert parsed[0]["description"] == "殴られた,\n二度" and parsed[0]["flags"] == "a; b"
    assert parsed[0]["legal_hold"] == "true" and parsed[0]["owner"] == ""
