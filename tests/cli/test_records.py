"""HR's CLI: list, show, export (CSV with a BOM), purge, policy check, db upgrade."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from tests.cli.test_console import run_console
from tests.support.serve import haven_env


def haven(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'console.db'}", **env)
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], env=full, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)


def test_list_show_and_export(tmp_path: Path) -> None:
    run_console(tmp_path, ["/abuse he said he would find where I live", ":as supervisor sato", "6"], "en")
    listed = json.loads(haven(tmp_path, "incidents", "list", "--json").stdout)
    assert [sorted(row) for row in listed] == [sorted(
        ["id", "status", "severity", "category", "flags", "platform", "reporter_id", "reported_at"])]
    assert listed[0]["status"] == "acknowledged" and listed[0]["reported_at"].endswith("Z")
    assert "find where I live" not in json.dumps(listed), "no free text in the list"

    shown = json.loads(haven(tmp_path, "incidents", "show", "INC-2026-000001", "--json").stdout)
    assert shown["description"] == "he said he would find where I live"
    assert shown["triage"] == ["threat_to_life"] and shown["severity"] == "critical"
    assert shown["category"] == "violence", "a quick report takes the first matching rule's category"
    assert [e["kind"] for e in shown["events"]] == ["reported", "acknowledged"]
    assert shown["events"][1]["option"] == "acknowledge" and shown["events"][1]["actor"] == "sato"
    assert {"timers", "checkins", "outbox"} <= set(shown)
    assert all({"kind", "state", "attempts"} <= set(row) for row in shown["outbox"])
    assert len(shown["checkins"]) == 3

    out = tmp_path / "export.csv"
    assert haven(tmp_path, "incidents", "export", "--format", "csv", "--out", str(out)).returncode == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["id"] == "INC-2026-000001" and rows[0]["description"] == "he said he would find where I live"


def test_show_unknown_incident_fails_cleanly(tmp_path: Path) -> None:
    result = haven(tmp_path, "incidents", "show", "INC-2099-999999", "--json")
    assert result.returncode == 1 and "no incident" in result.stderr and "Traceback" not in result.stderr


def test_purge_dry_run_deletes_nothing(tmp_path: Path) -> None:
    run_console(tmp_path, ["/abuse rude words", ":as supervisor sato", "11"], "en")  # 11 = resolve
    clock = tmp_path / "clock"
    clock.write_text("2030-01-01T00:00:00Z")
    result = haven(tmp_path, "purge", "--dry-run", HAVEN_CLOCK_FILE=str(clock))
    assert result.returncode == 0 and "would purge 1: INC-2026-000001" in result.stdout
    assert json.loads(haven(tmp_path, "incidents", "list", "--json").stdout)[0]["status"] == "resolved"
    result = haven(tmp_path, "purge", HAVEN_CLOCK_FILE=str(clock))
    assert "purged 1: INC-2026-000001" in result.stdout
    assert json.loads(haven(tmp_path, "incidents", "list", "--json").stdout) == []


def test_policy_check_and_db_upgrade(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    ok = haven(tmp_path, "policy", "check", str(root / "policy" / "default.yaml"))
    assert ok.returncode == 0 and ok.stdout.strip() == "ok"
    broken = tmp_path / "broken.yaml"
    broken.write_text((root / "policy" / "default.yaml").read_text(encoding="utf-8").replace("PT5M", "five minutes"))
    bad = haven(tmp_path, "policy", "check", str(broken))
    assert bad.returncode == 1 and "severities.critical.ack_within" in bad.stderr
    assert haven(tmp_path, "db", "upgrade").stdout.strip() == "ok"
