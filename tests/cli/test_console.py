"""``haven console`` driven as a subprocess with piped input: report to approval."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.serve import haven_env

FLOW = [
    "/abuse he threatened me on the phone",  # receipt buttons 1-4, alert buttons 5-11
    ":as supervisor sato",
    "7",  # discontinue service: a proposal; approval request 12-13, then the alert update
    "12",  # the proposer cannot approve their own proposal
    ":as supervisor suzuki",
    "12",  # a second supervisor approves
    ":show INC-2026-000001",
]


def run_console(tmp_path: Path, lines: list[str], locale: str) -> subprocess.CompletedProcess[str]:
    clock = tmp_path / "clock"
    clock.write_text("2026-12-01T02:00:00Z")
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
                    HAVEN_LOCALE=locale, HAVEN_CLOCK_FILE=str(clock))
    return subprocess.run([sys.executable, "-m", "bot.app.cli", "console"], input="\n".join(lines) + "\n",
                          env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_console_report_to_approval_in_english(tmp_path: Path) -> None:
    result = run_console(tmp_path, FLOW, "en")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.index("First, take care of yourself") < out.index("Logged as INC-2026-000001")
    assert "[7] Discontinue service (needs approval)" in out
    assert "[12] Approve" in out and "[13] Reject" in out
    assert "Another supervisor must approve or reject your own proposal." in out
    assert "@suzuki approved for INC-2026-000001" in out
    trail = out[out.index("INC-2026-000001  open"):]
    assert "proposed discontinue_service  sato" in trail and "approved discontinue_service  suzuki" in trail
    assert "\x1b[" not in out, "no colour when stdin is not a terminal"


def test_console_in_japanese(tmp_path: Path) -> None:
    result = run_console(tmp_path, FLOW, "ja")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.index("まず、ご自身を大切にしてください") < out.index("INC-2026-000001 として記録しました")
    assert "[12] 承認" in out
    assert "ご自身の提案は、別の上長が承認または却下する必要があります。" in out
    assert "@suzuki が「" in out and "を承認しました" in out


def test_console_form_without_text(tmp_path: Path) -> None:
    answers = ["/abuse", "1", "He shoved the counter and shouted", "", "1", "ACME-42", "y", "", "", "", "", "", "",
               "", "", ""]  # site (the default), to_hr, reported_for
    result = run_console(tmp_path, answers, "en")
    assert result.returncode == 0, result.stderr
    assert "Report customer abuse" in result.stdout
    assert "Logged as INC-2026-000001" in result.stdout
    assert "Critical report INC-2026-000001: Violent deeds or words" in result.stdout
    assert "@here" in result.stdout


def test_console_eof_exits_zero(tmp_path: Path) -> None:
    result = run_console(tmp_path, [], "en")
    assert result.returncode == 0 and "Haven console" in result.stdout


def test_console_eof_inside_the_form_exits_zero(tmp_path: Path) -> None:
    result = run_console(tmp_path, ["/abuse", "1"], "en")
    assert result.returncode == 0
    assert "Logged as" not in result.stdout and len(result.stdout.splitlines()) < 200


def test_console_hr_route_only_hr_acts(tmp_path: Path) -> None:
    form = ["/abuse", "7", "he touched me at the counter", "", "", "", "", "", "", "", "", "", "",
            "2", "", ""]  # sexual harassment, site 2 (Shibuya store), not to_hr, no reported_for
    result = run_console(tmp_path, [*form, ":as supervisor sato", "4", ":as hr mori", "4",
                                    ":show INC-2026-000001"], "en")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "--- to the HR channel ---" in out and "--- to the supervisors' channel ---" not in out
    assert "Only HR may act on this report." in out
    trail = out[out.index("INC-2026-000001  acknowledged"):]
    assert "acknowledged acknowledge  mori" in trail
