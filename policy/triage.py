"""Triage from the words (spec 8.1): which of the policy's phrase rules a report matches.

Text and phrases are NFKC-normalised and case-folded. An English phrase matches whole
words (``spat`` is not in "spatula"); a trailing ``*`` lets its last word go on
(``threaten*`` matches "threatening"). A Japanese phrase matches as a substring. Both
languages' phrases always apply, whatever the reporter's language.

The rules are compiled once per policy into look-up tables, so a report costs one pass
over its words plus one regex scan for the first characters of Japanese phrases
(``python -m bench.triage``: a 2,000-character report against 500 rules).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise
from dataclasses import dataclass, field

from policy.handling import TriageRule
from policy.model import Policy

WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """NFKC, then case-folded: the form both reports and phrases are compared in."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Triage:
    """What the words say: the matching rule ids in policy order, the first matching
    rule's category, and the most severe matching rule's severity (None when none)."""

    rules: tuple[str, ...] = ()
    category: str | None = None
    severity: str | None = None


KEY = 3  # an open-ended English word is looked up by its first KEY letters
JA_KEY = 4  # a Japanese phrase by its first JA_KEY characters (or all of a shorter one)


@dataclass
class Matcher:
    """The compiled phrases of a list of triage rules.

    Look-ups are set intersections and dict hits (they run in C); only a hit is checked
    in full, so the cost grows with the report rather than with the rules:
    - English single words: the report's set of words; open-ended (``*``) by their first
      ``KEY`` letters; phrases of several words by their first two words (an open-ended
      second word by its first ``KEY`` letters), then word by word;
    - Japanese: at each position where some phrase's first character occurs, the next
      1..``JA_KEY`` characters against the phrases' beginnings.
    """

    rules: Sequence[TriageRule]
    _words: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _phrases: dict[tuple[str, str], list[tuple[tuple[str, ...], bool, int]]] = field(
        default_factory=lambda: defaultdict(list))
    _stems: dict[str, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    _japanese: dict[str, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    _japanese_starts: re.Pattern[str] | None = None

    @classmethod
    def compile(cls, rules: Sequence[TriageRule]) -> Matcher:
        matcher = cls(rules)
        for index, rule in enumerate(rules):
            for phrase in rule.match.en:
                matcher._add_english(fold(phrase).strip(), index)
            for phrase in rule.match.ja:
                text = fold(phrase).strip()
                if text:
                    matcher._japanese[text[:JA_KEY]].append((text, index))
        if matcher._japanese:
            starts = "".join(re.escape(char) for char in sorted({key[0] for key in matcher._japanese}))
            matcher._japanese_starts = re.compile(f"[{starts}]")
        return matcher

    def _add_english(self, phrase: str, rule: int) -> None:
        words = tuple(WORD.findall(phrase.rstrip("*")))
        open_end = phrase.endswith("*")
        if not words:
            return
        if len(words) > 1:  # by the first two words (an open second word: its first KEY letters)
            second = words[1][:KEY] if open_end and len(words) == 2 else words[1]
            self._phrases[(words[0], second)].append((words, open_end, rule))
        elif open_end:
            self._stems[words[0][:KEY]].append((words[0], rule))
        else:
            self._words[words[0]].add(rule)

    def match(self, text: str) -> set[int]:
        """Indexes of the rules whose phrases occur in ``text`` (already folded)."""
        found: set[int] = set()
        words = WORD.findall(text)
        present = set(words)
        for word in present.intersection(self._words):
            found |= self._words[word]
        if self._stems:
            for key in {word[:KEY] for word in present}.intersection(self._stems):
                found.update(rule for stem, rule in self._stems[key]
                             if rule not in found and any(w.startswith(stem) for w in present))
        if self._phrases:
            pairs = self._phrases
            for i, (first, second) in enumerate(pairwise(words)):
                candidates = pairs.get((first, second), [])
                if len(second) > KEY:
                    candidates = candidates + pairs.get((first, second[:KEY]), [])
                for phrase, open_end, rule in candidates:
                    if rule not in found and _follows(words, i, phrase, open_end):
                        found.add(rule)
        if self._japanese_starts is not None:
            self._match_japanese(text, found)
        return found

    def _match_japanese(self, text: str, found: set[int]) -> None:
        assert self._japanese_starts is not None
        for start in self._japanese_starts.finditer(text):
            at = start.start()
            for length in range(1, JA_KEY + 1):
                for written, rule in self._japanese.get(text[at:at + length], ()):
                    if rule not in found and text.startswith(written, at):
                        found.add(rule)


def _follows(words: list[str], i: int, phrase: tuple[str, ...], open_end: bool) -> bool:
    """``phrase`` at ``words[i:]`` (its last word may go on when ``open_end``)."""
    n = len(phrase)
    if i + n > len(words):
        return False
    for k in range(1, n):
        word, wanted = words[i + k], phrase[k]
        if word != wanted and not (open_end and k == n - 1 and word.startswith(wanted)):
            return False
    return True


_MATCHERS: dict[int, tuple[Policy, Matcher]] = {}


def matcher_for(policy: Policy) -> Matcher:
    """The policy's compiled rules (compiled once per loaded policy)."""
    entry = _MATCHERS.get(id(policy))
    if entry is None or entry[0] is not policy:
        if len(_MATCHERS) > 8:
            _MATCHERS.clear()
        entry = _MATCHERS[id(policy)] = (policy, Matcher.compile(policy.triage))
    return entry[1]


def triage(policy: Policy, *texts: str | None) -> Triage:
    """Which rules the report's words match (description, exact words...)."""
    text = "\n".join(fold(t) for t in texts if t)
    if not text or not policy.triage:
        return Triage()
    matched = sorted(matcher_for(policy).match(text))
    if not matched:
        return Triage()
    rules = [policy.triage[i] for i in matched]
    severity = min((r.severity for r in rules), key=policy.rank)
    return Triage(rules=tuple(r.id for r in rules), category=rules[0].category, severity=severity)
