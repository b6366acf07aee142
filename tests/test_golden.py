"""The golden-file check itself: a missing file fails, only HAVEN_UPDATE_GOLDEN=1 writes one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.golden import UPDATE_VARIABLE, check_golden


def test_a_missing_golden_file_fails_and_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPDATE_VARIABLE, raising=False)
    path = tmp_path / "alert.json"
    with pytest.raises(pytest.fail.Exception, match=rf"alert\.json is missing.*{UPDATE_VARIABLE}=1"):
        check_golden(path, {"blocks": []})
    assert not path.exists()


def test_a_changed_shape_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UPDATE_VARIABLE, raising=False)
    path = tmp_path / "alert.json"
    path.write_text('{"blocks": []}\n', encoding="utf-8")
    with pytest.raises(AssertionError, match=r"alert\.json differs"):
        check_golden(path, {"blocks": [1]})


def test_the_update_variable_writes_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(UPDATE_VARIABLE, "1")
    path = tmp_path / "golden" / "alert.json"
    check_golden(path, {"text": "アラート"})
    assert path.read_text(encoding="utf-8") == '{\n "text": "アラート"\n}\n'
    monkeypatch.setenv(UPDATE_VARIABLE, "0")
    check_golden(path, {"text": "アラート"})
