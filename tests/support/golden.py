"""Golden files: a rendered shape compared with a reviewed JSON file next to the test.

A missing golden file fails the test. ``HAVEN_UPDATE_GOLDEN=1`` (and only that) writes
or rewrites them; review the diff and commit the files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

UPDATE_VARIABLE = "HAVEN_UPDATE_GOLDEN"


def as_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def check_golden(path: Path, data: Any) -> None:
    """``data`` equals the JSON in ``path``; with ``HAVEN_UPDATE_GOLDEN=1`` it is written first."""
    if os.environ.get(UPDATE_VARIABLE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(as_text(data), encoding="utf-8")
    if not path.exists():
        pytest.fail(f"golden file {path.name} is missing in {path.parent}; "
                    f"run with {UPDATE_VARIABLE}=1 to write it, then review and commit it", pytrace=False)
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert expected == data, f"{path.name} differs; if the change is intended, rerun with {UPDATE_VARIABLE}=1"
