"""Triage from the words (pure): which rule a report's words match, the false positives
the bundled lists must avoid, and bad triage / ladder data refused by path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from policy.loader import DEFAULT_POLICY_PATH, PolicyError, load_policy
from policy.model import Policy
from policy.rules import assess, blocked_by, next_step
from policy.triage import Matcher, triage


@pytest.mark.parametrize(
    ("text", "rule", "category"),
    [
        ("he said he would find where I live", "threat_to_life", "violence"),
        ("he grabbed my arm", "physical", "violence"),
        ("殺すぞと言われた", "threat_to_life", "violence"),
        ("「ぶっ殺してやる」と怒鳴られた", "threat_to_life", "violence"),
        ("コロスと言われました", "threat_to_life", "violence"),
        ("家を突き止めてやると言われた", "threat_to_life", "violence"),
        ("腕をつかまれた", "physical", "violence"),
        ("胸ぐらを掴まれて揺さぶられた", "physical", "violence"),
        ("He THREW a cup at me", "physical", "violence"),
        ("ＫＩＬＬ ＹＯＵ he wrote", "threat_to_life", "violence"),  # full-width, upper case
        ("he told me to kneel", "kneel", "denigration"),
        ("he wanted me kneeling on the floor", "kneel", "denigration"),  # "kneel*" goes on
        ("土下座しろと言われた", "kneel", "denigration"),
        ("ＳＮＳに晒してやると言われた", "online", "online_defamation"),
        ("he touched me on the shoulder", "sexual", "sexual_harassment"),
        ("体を触られた", "sexual", "sexual_harassment"),
        ("he waited for me outside after my shift", "privacy", "privacy_invasion"),
        ("何度も同じ要求を繰り返された", "repeated", "repeated_demands"),
        ("慰謝料を払えと言われた", "excessive", "excessive_demands"),
    ],
)
def test_words_match_the_rule_that_decides_the_category(policy: Policy, text: str, rule: str, category: str) -> None:
    found = triage(policy, text)
    assert found.rules[0] == rule and found.category == category


@pytest.mark.parametrize(
    "text",
    [
        "he said he was just here to kill time",
        "she asked where the spatula was",
        "殺風景な売り場だと言われた",
        "それは殺し文句ですねと笑われた",
        "電話につかまってしまい、休憩が取れなかった",
        "要求を一蹴したら不機嫌になった",
        "言葉が胸に刺さった",
        "he asked about stable prices",
        "燃やすゴミの日を聞かれた",
        "he threatened to complain to head office",
    ],
)
def test_harmless_words_do_not_make_a_report_critical(policy: Policy, text: str) -> None:
    found = triage(policy, text)
    assert found.severity != "critical", (text, found)
    assessed = assess(policy, category=found.category or "other", in_danger=False, earlier_reports=0,
                      triaged=found.severity)
    assert assessed.severity != "critical"


def test_kill_time_stays_normal(policy: Policy) -> None:
    found = triage(policy, "kill time")
    assert found.rules == () and found.category is None
    assert assess(policy, category="other", in_danger=False, earlier_reports=0, triaged=None).severity == "normal"


def test_severity_is_the_most_severe_of_category_rules_and_flags(policy: Policy) -> None:
    found = triage(policy, "he grabbed my arm and said he'd post it online")
    assert found.rules == ("physical", "online")  # policy order
    assert found.severity == "critical" and found.category == "violence"
    # a form report keeps its chosen category, the words still raise the severity
    assert assess(policy, category="excessive_demands", in_danger=False, earlier_reports=0,
                  triaged=triage(policy, "土下座しろ").severity).severity == "high"


def test_both_languages_apply_whatever_the_language_of_the_report(policy: Policy) -> None:
    assert triage(policy, "the customer said 殺す twice").rules == ("threat_to_life",)
    assert triage(policy, "お客様に grabbed されました").rules == ("physical",)


def test_english_phrases_match_whole_words_and_an_asterisk_allows_longer_words() -> None:
    policy = _policy_with_rules([{"id": "w", "category": "violence", "severity": "critical",
                                  "match": {"en": ["spat", "threaten*", "kill you"]}}])
    assert triage(policy, "he spat").rules == ("w",)
    assert triage(policy, "a spatula").rules == ()
    assert triage(policy, "he was threatening me").rules == ("w",)
    assert triage(policy, "i'll KILL   you").rules == ("w",)
    assert triage(policy, "skill yours").rules == ()


def test_empty_text_and_no_rules_match_nothing(policy: Policy) -> None:
    assert triage(policy).rules == ()
    assert triage(policy, None, "").rules == ()
    assert Matcher.compile([]).match("anything") == set()


# -- bad policy data, named by path ------------------------------------------------------


def _data() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))


def _policy_with_rules(rules: list[dict[str, Any]]) -> Policy:
    data = _data()
    data["triage"] = rules
    return Policy.model_validate(data)


def _errors(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return [line.removeprefix(f"{path}: ") for line in caught.value.errors]


def test_an_unknown_category_in_a_rule_is_named_by_path(tmp_path: Path) -> None:
    data = _data()
    data["triage"][1]["category"] = "violense"
    [line] = _errors(tmp_path, data)
    assert line.startswith("triage.physical.category: unknown category 'violense'")


def test_an_empty_match_list_is_refused(tmp_path: Path) -> None:
    data = _data()
    data["triage"][0]["match"] = {"en": [], "ja": []}
    [line] = _errors(tmp_path, data)
    assert line.startswith("triage.threat_to_life.match:") and "at least one phrase" in line


def test_a_blank_phrase_is_refused(tmp_path: Path) -> None:
    data = _data()
    data["triage"][0]["match"]["ja"].append("  ")
    [line] = _errors(tmp_path, data)
    assert line.startswith("triage.threat_to_life.match.ja: '  ' is not a phrase")


def test_an_unknown_severity_and_a_repeated_rule_id_are_refused(tmp_path: Path) -> None:
    data = _data()
    data["triage"][2]["severity"] = "urgent"
    data["triage"][3]["id"] = "threat_to_life"
    lines = _errors(tmp_path, data)
    assert any(line.startswith("triage.sexual.severity: unknown severity 'urgent'") for line in lines), lines
    assert any("'threat_to_life' appears more than once" in line for line in lines), lines


def test_a_requires_loop_is_refused_by_policy_check(tmp_path: Path) -> None:
    data = _data()
    options = {o["id"]: o for o in data["options"]}
    options["request_understanding"]["requires"] = ["discontinue_service"]
    options["discontinue_service"]["requires"] = ["request_understanding"]
    path = tmp_path / "loop.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "policy", "check", str(path)],
                            capture_output=True, text=True, timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 1 and result.stdout == ""
    assert "options.request_understanding.requires: a loop " in result.stderr
    assert "request_understanding -> discontinue_service -> request_understanding" in result.stderr


def test_requires_naming_an_unknown_option_is_refused(tmp_path: Path) -> None:
    data = _data()
    data["options"][2]["requires"] = ["ask_nicely"]
    [line] = _errors(tmp_path, data)
    assert line == "options.discontinue_service.requires.0: unknown option 'ask_nicely'"


# -- the ladder and care ------------------------------------------------------------------


def test_the_bundled_ladder_requires_nothing_and_recommends_the_first_step_not_taken(policy: Policy) -> None:
    assert all(option.requires == [] for option in policy.options)
    first = next_step(policy, severity="critical", status="open", done=set())
    assert first is not None and first.id == "acknowledge"
    later = next_step(policy, severity="critical", status="acknowledged", done={"acknowledge", "request_understanding"})
    assert later is not None and later.id == "discontinue_service"
    assert next_step(policy, severity="critical", status="resolved", done=set()) is None


def test_requires_blocks_an_option_until_its_steps_are_done() -> None:
    data = _data()
    data["options"][2]["requires"] = ["request_understanding"]
    policy = Policy.model_validate(data)
    assert blocked_by(policy, "discontinue_service", done={"acknowledge"}) == ["request_understanding"]
    assert blocked_by(policy, "discontinue_service", done={"request_understanding"}) == []
    step = next_step(policy, severity="normal", status="acknowledged", done={"acknowledge", "consult_attorney"})
    assert step is not None and step.id == "request_understanding"


def test_care_responds_within_thirty_minutes_by_default(policy: Policy) -> None:
    assert policy.care.respond_within.total_seconds() == 30 * 60
    data = _data()
    del data["care"]
    assert Policy.model_validate(data).care.respond_within.total_seconds() == 30 * 60
