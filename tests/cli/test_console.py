"""``haven console`` driven as a subprocess with piped input: report to approval."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.support.serve import haven_env

FLOW = [
    "/abuse he threatened me on the phone",  # receipt buttons 1-5, alert buttons 6-13
    ":as supervisor sato",
    "8",  # discontinue service: a proposal; approval request 14-15, the alert updated (its numbers kept)
    "14",  # the proposer cannot approve their own proposal
    ":as supervisor suzuki",
    "14",  # a second supervisor approves
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
    assert "[4] Talk to HR instead of my supervisors" in out, "the console has HR: the receipt offers it"
    assert "[8] Discontinue service (needs approval)" in out
    assert "[14] Approve" in out and "[15] Reject" in out
    assert "Another supervisor must approve or reject your own proposal." in out
    assert "@suzuki approved for INC-2026-000001" in out
    trail = out[out.index("INC-2026-000001  waiting for a supervisor"):]
    assert "2026-12-01 11:00 JST  proposed  Discontinue service (needs approval)  sato" in trail
    assert "approved  Discontinue service (needs approval)  suzuki" in trail
    assert "\x1b[" not in out, "no colour when stdin is not a terminal"


def test_console_in_japanese(tmp_path: Path) -> None:
    result = run_console(tmp_path, FLOW, "ja")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.index("まず、ご自身を大切にしてください") < out.index("INC-2026-000001 として記録しました")
    assert "[4] 上長ではなく人事と話したい" in out
    assert "[14] 承認" in out
    assert "ご自身の提案は、別の上長が承認または却下する必要があります。" in out
    assert "@suzuki が承認し、顧客への対応を打ち切りました。" in out


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


def test_an_updated_card_keeps_its_numbers_and_a_button_it_lost_is_refused_with_a_hint(tmp_path: Path) -> None:
    result = run_console(tmp_path, [*FLOW[:3], "8", "16", "7"], "en")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    update = out[out.index("--- updated #3 ---"):]
    assert "[6] Acknowledge / take over" in update and "[11] Mark resolved" in update
    assert "[8]" not in update and "[16]" not in update, "no renumbering"
    assert "Button 8 was on an earlier version of card #3; use the numbers on its latest version." in out
    assert "There is no button 16." in out
    assert "a supervisor firmly asked the customer to understand." in out, "7 still works"


def test_help_lists_the_commands_and_quit_ends_the_console(tmp_path: Path) -> None:
    result = run_console(tmp_path, [":help", "/abuse he shouted", ":quit", "/abuse never read"], "en")
    assert result.returncode == 0, result.stderr
    assert ":as supervisor NAME" in result.stdout and ":quit" in result.stdout
    assert "INC-2026-000001" in result.stdout and "INC-2026-000002" not in result.stdout


def test_the_date_question_shows_its_format_with_the_question(tmp_path: Path) -> None:
    result = run_console(tmp_path, ["/abuse", "1", "He shoved the counter"], "en")
    lines = result.stdout.splitlines()
    asked = lines.index("When did it happen?")
    assert lines[asked + 1].strip() == "(date and time, such as 2026-12-01 14:30)"


def test_a_japanese_name_is_mentioned_and_shown_as_typed(tmp_path: Path) -> None:
    lines = ["/abuse he threatened me on the phone", ":as supervisor 佐藤", "8", ":as supervisor 鈴木", "14",
             ":show inc-2026-000001"]
    result = run_console(tmp_path, lines, "ja")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "あなたは上長の 佐藤 です。" in out
    assert "@佐藤 が「" in out and "@鈴木 が承認し" in out
    assert "‹" not in out and "<@" not in out and "u-e4" not in out


def test_a_name_with_spaces_is_one_person(tmp_path: Path) -> None:
    lines = [":as employee Hanako Suzuki", "/abuse he threatened me on the phone",
             ":as supervisor Taro  Sato ", "6", ":show INC-2026-000001"]
    result = run_console(tmp_path, lines, "en")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "Unknown command" not in out
    assert "@Taro  Sato took over" in out
    assert "reported  Hanako Suzuki" in out


def test_show_speaks_japanese_in_local_time(tmp_path: Path) -> None:
    result = run_console(tmp_path, [*FLOW], "ja")
    out = result.stdout
    trail = out[out.index("INC-2026-000001  上長の対応待ち"):]
    assert "2026-12-01 11:00 JST  報告  employee" in trail  # 02:00 UTC
    assert "2026-12-01 11:00 JST  提案  対応を打ち切る（承認が必要）  sato" in trail
    assert "承認  対応を打ち切る（承認が必要）  suzuki" in trail
    assert "T02:00:00" not in trail and "proposed" not in trail


def _interrupt(tmp_path: Path, lines: list[str], wait_for: str) -> tuple[int, str, str]:
    """Type ``lines``, wait until ``wait_for`` is printed, then press Ctrl-C (SIGINT)."""
    clock = tmp_path / "clock"
    clock.write_text("2026-12-01T02:00:00Z")
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'console.db'}", HAVEN_CLOCK_FILE=str(clock))
    process = subprocess.Popen([sys.executable, "-m", "bot.app.cli", "console"], env=env, cwd=tmp_path,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    process.stdin.write("\n".join(lines) + "\n")
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while not any(wait_for in line for line in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # now waiting for the next line
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=20)
    assert time.monotonic() - started < 10, "Ctrl-C ends the console at once, not after the next Enter"
    reader.join(timeout=5)
    return code, "".join(seen), process.stderr.read() if process.stderr else ""


def test_ctrl_c_at_the_prompt_ends_the_console_without_a_traceback(tmp_path: Path) -> None:
    code, out, err = _interrupt(tmp_path, ["/abuse he shouted"], "Logged as INC-2026-000001")
    assert code == 130
    assert "Traceback" not in err and "CancelledError" not in err and "KeyboardInterrupt" not in err, err
    assert out.rstrip().endswith("Interrupted. Nothing half-typed was sent.")


def test_ctrl_c_inside_the_form_sends_nothing(tmp_path: Path) -> None:
    code, out, err = _interrupt(tmp_path, ["/abuse", "1"], "What happened?")
    assert code == 130 and "Traceback" not in err, err
    assert "Logged as" not in out


def test_console_supervisor_retriages(tmp_path: Path) -> None:
    lines = ["/abuse rude words", ":as supervisor sato",
             "12",  # re-triage: the form asks category, severity, note
             "1", "1", "a threat after all",  # Violent deeds or words, Critical
             ":show INC-2026-000001"]
    result = run_console(tmp_path, lines, "en")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "[12] Re-triage" in out and "== Re-triage ==" in out
    assert "@here" in out[out.index("== Re-triage =="):], "the raise to critical re-alerts the channel"
    assert "INC-2026-000001 was re-triaged as Critical · Violent deeds or words by @sato" in out
    assert "INC-2026-000001  waiting for a supervisor  Critical  Violent deeds or words" in out
    assert "2026-12-01 11:00 JST  re-triaged  sato" in out


def test_console_hr_route_only_hr_acts(tmp_path: Path) -> None:
    form = ["/abuse", "7", "he touched me at the counter", "", "", "", "", "", "", "", "", "", "",
            "2", "", ""]  # sexual harassment, site 2 (Shibuya store), not to_hr, no reported_for
    result = run_console(tmp_path, [*form, ":as supervisor sato", "4", ":as hr mori", "4",
                                    ":show INC-2026-000001"], "en")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "--- to the HR channel ---" in out and "--- to the supervisors' channel ---" not in out
    assert "Only HR may act on this report." in out
    assert "@mori took over" in out
