"""``:show`` in the console follows who is typing, with the buttons' rules: an employee sees
their own reports, a supervisor what they may act on (never the HR route; "Name not
shared" when the reporter chose so), HR the HR route. A refusal never says whether the
incident exists."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_console import run_console

HR_FORM = ["/abuse", "7", "he touched me at the counter", "", "", "", "", "", "", "", "", "", "",
           "2", "", ""]  # sexual harassment (HR only), Shibuya store
NAMELESS_FORM = ["/abuse", "2", "he kept demanding a refund", "", "", "", "", "n", "", "", "", "", "",
                 "", "", ""]  # repeated demands, "Share my name" = n, the line route
REFUSED_EN = "You cannot see INC-2026-000001: it is not your report nor one you may act on, or it does not exist."
REFUSED_JA = "INC-2026-000001 は表示できません。ご自身の報告でも対応できる報告でもないか、存在しない番号です。"


def after(out: str, marker: str) -> str:
    return out[out.index(marker):]


def test_a_line_supervisor_cannot_show_an_hr_only_report(tmp_path: Path) -> None:
    result = run_console(tmp_path, [*HR_FORM, ":as supervisor sato", ":show INC-2026-000001"], "en")
    assert result.returncode == 0, result.stderr
    shown = after(result.stdout, "You are supervisor sato.")
    assert REFUSED_EN in shown
    assert "Sexual harassment" not in shown and "reported" not in shown and "employee" not in shown


def test_hr_shows_an_hr_only_report_and_the_reporter_their_own(tmp_path: Path) -> None:
    lines = [*HR_FORM, ":as hr mori", ":show INC-2026-000001", ":as employee employee", ":show inc-2026-000001"]
    result = run_console(tmp_path, lines, "en")
    assert result.returncode == 0, result.stderr
    hr = after(result.stdout, "You are HR member mori.")
    assert "INC-2026-000001  waiting for a supervisor  High  Sexual harassment" in hr
    assert "2026-12-01 11:00 JST  reported  employee" in hr, "HR may see names"
    own = after(result.stdout, "You are employee employee.")
    assert "INC-2026-000001  waiting for a supervisor  High  Sexual harassment" in own
    assert "You cannot see" not in result.stdout


def test_a_supervisor_sees_name_not_shared_as_the_alert_does(tmp_path: Path) -> None:
    result = run_console(tmp_path, [*NAMELESS_FORM, ":as supervisor sato", ":show INC-2026-000001"], "en")
    assert result.returncode == 0, result.stderr
    assert "Reporter: Name not shared" in result.stdout
    shown = after(result.stdout, "You are supervisor sato.")
    assert "2026-12-01 11:00 JST  reported  Name not shared" in shown
    assert "employee" not in shown


def test_another_employee_is_refused_exactly_as_for_an_incident_that_does_not_exist(tmp_path: Path) -> None:
    lines = [*NAMELESS_FORM, ":as employee tanaka", ":show INC-2026-000001", ":show INC-2026-000002"]
    result = run_console(tmp_path, lines, "en")
    assert result.returncode == 0, result.stderr
    shown = after(result.stdout, "You are employee tanaka.")
    assert REFUSED_EN in shown
    assert REFUSED_EN.replace("000001", "000002") in shown
    assert "Repeated unreasonable demands" not in shown and "waiting" not in shown


def test_the_same_rules_in_japanese(tmp_path: Path) -> None:
    lines = [*HR_FORM, ":as supervisor 佐藤", ":show INC-2026-000001", ":as hr 森", ":show INC-2026-000001"]
    result = run_console(tmp_path, lines, "ja")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    refused = out[out.index("あなたは上長の 佐藤 です。"):out.index("あなたは人事担当者の 森 です。")]
    assert REFUSED_JA in refused
    assert "セクシュアルハラスメント" not in refused and "報告  employee" not in refused
    assert "INC-2026-000001  上長の対応待ち" in after(result.stdout, "あなたは人事担当者の 森 です。")


def test_a_japanese_supervisor_sees_name_not_shared(tmp_path: Path) -> None:
    result = run_console(tmp_path, [*NAMELESS_FORM, ":as supervisor 佐藤", ":show INC-2026-000001"], "ja")
    assert result.returncode == 0, result.stderr
    shown = after(result.stdout, "あなたは上長の 佐藤 です。")
    assert "報告  氏名は非公開" in shown and "employee" not in shown
