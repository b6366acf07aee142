"""The Japanese a user reads: no English left inside a ``ja`` string (Haven's locale file
and every policy file), the terms used consistently, and the wellbeing message saying
each thing once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.model.views import wellbeing
from policy.loader import default_policy

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "bot" / "locales" / "ja.yaml"
POLICY_FILES = sorted((ROOT / "policy").glob("*.yaml"))

# What may stay in ASCII inside Japanese: things typed or read as they are.
LITERALS = [
    r"\{[a-z_]+\}",                                # placeholders
    r"@Haven register (?:supervisors|escalation)",  # Teams commands, typed as shown
    # console and slash commands
    r":as (?:employee|supervisor|hr)", r":(?:as|show|help|quit|check)\b", r"/abuse", r"/haven",
    r"INC-\S*", r"https?://", r"Ctrl-[A-Z]",
    r"\b(?:HAVEN|SLACK|MICROSOFT)_[A-Z0-9_]+(?:=\S*)?",  # environment variables, for operators
]
ALLOWED_WORDS = {
    "Haven", "Slack", "Teams",        # product names
    "SNS", "ID", "URL", "OK",         # acronyms Japanese business writing uses as they are
    "Enter",                          # the key
    "abuse",                          # the Teams command word, typed as it is
    # the words of /haven (and the same words on Teams), typed as they are
    "check", "hr", "help", "register", "unregister", "registrations", "supervisors", "escalation",
}
TERMS = {"チャネル": "チャンネル", "上司": "上長", "管理者の対応": "上長の対応"}


def ja_strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) of every string under a ``ja`` key (policy) or every leaf (locale)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "ja" and isinstance(value, str):
                yield f"{path}.ja", value
            else:
                yield from ja_strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from ja_strings(item, f"{path}[{i}]")


def locale_strings() -> Iterator[tuple[str, str]]:
    def leaves(node: Any, path: str) -> Iterator[tuple[str, str]]:
        for key, value in node.items():
            if isinstance(value, dict):
                yield from leaves(value, f"{path}.{key}")
            else:
                yield f"{path}.{key}", str(value)
    yield from leaves(yaml.safe_load(LOCALE.read_text(encoding="utf-8")), "ja.yaml")


def policy_strings() -> Iterator[tuple[str, str]]:
    for file in POLICY_FILES:
        yield from ja_strings(yaml.safe_load(file.read_text(encoding="utf-8")), file.name)


def english_in(text: str) -> list[str]:
    for literal in LITERALS:
        text = re.sub(literal, " ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_WORDS]


ALL = list(locale_strings()) + list(policy_strings())


def test_the_japanese_files_are_read() -> None:
    assert len(ALL) > 200 and any(where.startswith("default.yaml") for where, _ in ALL)


def test_no_english_is_left_inside_a_japanese_string() -> None:
    left = [f"{where}: {english_in(text)}" for where, text in ALL if english_in(text)]
    assert left == [], "\n".join(left)


def test_the_terms_are_the_ones_slack_and_the_company_use() -> None:
    wrong = [f"{where}: {bad} → {right}" for where, text in ALL for bad, right in TERMS.items() if bad in text]
    assert wrong == [], "\n".join(wrong)


def test_the_checker_catches_english_but_not_commands_or_placeholders() -> None:
    assert english_in("(truncated・以下省略)") == ["truncated"]
    assert english_in("{ref} は {owner} が担当") == []
    assert english_in("「@Haven register supervisors」と送る、:as supervisor 佐藤、Ctrl-D で終了") == []
    assert english_in("SNS や URL、ID を入力") == []


def test_the_wellbeing_message_says_each_thing_once_in_japanese() -> None:
    message = wellbeing(default_policy(), "ja", datetime(2026, 12, 1, 2, 0))
    text = "\n".join([message.title or "", message.text, message.note or "",
                      *(f"{r.label} {r.text}" for r in message.resources)])
    once = ("緊急通報サービスではありません", "不利益な取扱いを受けることはありません", "あなたのせいではありません")
    for phrase in once:
        assert text.count(phrase) == 1, phrase
    for phrase in ("110番", "119番", "不利益取扱いの禁止"):
        assert phrase in text, phrase
