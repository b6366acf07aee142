"""Every user-facing text has English and Japanese, and the texts say what they must."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy.loader import DEFAULT_POLICY_PATH
from policy.model import Policy
from policy.types import Text
from policy.resources import HOURS_TEXT_PATH, contact_in, is_configured

JAPANESE = re.compile(r"[\u3040-\u309f\u30a0-\u30ff\u4e00-\u9fff]")


def _pairs(node: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, en, ja) for every mapping in the file that has an ``en`` key."""
    if isinstance(node, dict):
        if "en" in node and not isinstance(node["en"], dict | list):  # lists: triage phrases
            yield path, node["en"], node.get("ja")
        for key, value in node.items():
            yield from _pairs(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            name = value.get("id", index) if isinstance(value, dict) else index
            yield from _pairs(value, f"{path}.{name}")


@pytest.mark.parametrize("path", [DEFAULT_POLICY_PATH, HOURS_TEXT_PATH], ids=lambda p: Path(p).name)
def test_every_english_text_has_a_japanese_twin(path: Path) -> None:
    pairs = list(_pairs(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert len(pairs) >= 10, "the walk found the texts"
    for where, en, ja in pairs:
        assert isinstance(en, str) and en.strip(), where
        assert isinstance(ja, str) and JAPANESE.search(ja), f"{where}: ja missing or not Japanese: {ja!r}"


def test_the_default_policy_has_the_texts_the_product_relies_on(policy: Policy) -> None:
    texts = list(_pairs(yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))))
    assert len(texts) >= 45  # 8 categories x2, 3 severities, 7 options x2, 6 lines x2
    for category in policy.categories:
        assert category.description is not None, category.id
    for option in policy.options:
        assert option.labels is not None and option.done is not None, option.id


def test_hours_punctuation_exists_for_both_languages() -> None:
    marks = yaml.safe_load(HOURS_TEXT_PATH.read_text(encoding="utf-8"))["punctuation"]
    assert set(marks) == {"en", "ja"}
    assert set(marks["en"]) == set(marks["ja"])


def _wellbeing_text(policy: Policy, locale: str) -> str:
    return "\n".join(f"{r.labels.get(locale)} {r.text.get(locale)}" for r in policy.wellbeing)


@pytest.mark.parametrize(
    ("locale", "phrases"),
    [
        ("en", ["not an emergency service", "110", "119", "not to blame", "disadvantageously", "不利益取扱いの禁止"]),
        # Japanese: the policy's lines give the numbers; Haven's own note says the rest once
        # (tests/policy/test_japanese.py reads the whole message)
        ("ja", ["110番", "119番", "責められることはありません"]),
    ],
)
def test_the_wellbeing_message_says_it_plainly(policy: Policy, locale: str, phrases: list[str]) -> None:
    text = _wellbeing_text(policy, locale)
    for phrase in phrases:
        assert phrase in text, phrase


@pytest.mark.parametrize(
    ("resource_id", "contact"),
    [
        ("kokoro_no_mimi", "0120-565-455"),
        ("yorisoi_hotline", "0120-279-338"),
        ("police_consultation", "#9110"),
        ("emergency", "110 (police) / 119 (ambulance)"),
    ],
)
def test_contact_numbers(policy: Policy, resource_id: str, contact: str) -> None:
    assert contact_in(next(r for r in policy.wellbeing if r.id == resource_id), "en") == contact


def test_a_contact_in_japanese_has_no_english_left(policy: Policy) -> None:
    emergency = next(r for r in policy.wellbeing if r.id == "emergency")
    assert contact_in(emergency, "ja") == "110（警察）／119（救急）"
    for resource in filter(is_configured, policy.wellbeing):  # a placeholder is never shown
        assert not re.search(r"[A-Za-z]", contact_in(resource, "ja") or ""), resource.id


def test_the_file_tells_admins_to_confirm_numbers_before_going_live() -> None:
    head = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")[:600]
    assert "confirm every phone number and opening hour" in head


@pytest.mark.parametrize(("locale", "expected"),
                         [("en", "Critical"), ("ja", "緊急"), ("ja-JP", "緊急"), ("fr", "Critical")])
def test_text_get_picks_the_language(locale: str, expected: str) -> None:
    assert Text(en="Critical", ja="緊急").get(locale) == expected
