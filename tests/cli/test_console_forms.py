"""The console's forms: defaults shown by their labels, a wrong choice asked again at once,
and the Add-details form under its own title."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_console import run_console


def skip(count: int) -> list[str]:
    """Enter on ``count`` questions (the form has 15)."""
    return [""] * count


def test_a_wrong_number_is_asked_again_at_once(tmp_path: Path) -> None:
    result = run_console(tmp_path, ["/abuse", "9", "1", "He shoved the counter", *skip(13)], "en")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "  ! Type a number from 1 to 8." in out
    assert out.index("  ! Type a number from 1 to 8.") < out.index("What happened?"), "before the next question"
    assert "Logged as INC-2026-000001" in out and "Critical report INC-2026-000001: Violent deeds or words" in out


def test_a_wrong_yes_or_no_is_asked_again_in_japanese(tmp_path: Path) -> None:
    answers = ["/abuse", "x", "1", "カウンターを叩かれた", "", "", "", "たぶん", "n", *skip(9)]
    result = run_console(tmp_path, answers, "ja")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "  ! 1 から 8 までの番号を入力してください。" in out
    assert "  ! y（はい）か n（いいえ）を入力してください。" in out
    assert "INC-2026-000001 として記録しました" in out


def test_the_add_details_form_has_its_own_title_and_shows_defaults_by_label(tmp_path: Path) -> None:
    result = run_console(tmp_path, ["/abuse he threatened me on the phone", "1", *skip(12)], "en")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    form = out[out.index("== Add details =="):]
    assert "Report customer abuse" not in form
    assert "  (Enter keeps: Other harassment)" in form
    assert "  (Enter keeps: Head office)" in form
    assert "(other_harassment)" not in form and "(head_office)" not in form


def test_defaults_by_label_in_japanese(tmp_path: Path) -> None:
    result = run_console(tmp_path, ["/abuse 電話で脅された", "1", *skip(12)], "ja")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    form = out[out.index("== 詳細を追加 =="):]
    assert "  （Enter で「本社」のまま）" in form
    assert "(head_office)" not in form and "(y/n)" not in form and "（y/n）" in form


def test_the_retriage_form_shows_the_severity_by_its_label(tmp_path: Path) -> None:
    result = run_console(tmp_path, ["/abuse rude words", ":as supervisor sato", "12", ""], "en")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    form = out[out.index("== Re-triage =="):]
    assert "(Enter keeps: Normal)" in form and "(normal)" not in form
