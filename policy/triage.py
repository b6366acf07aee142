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
from dataclasses import dataclass, field

from policy.model import Policy, TriageRule

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


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    open_end: bool  # trailing "*": the last word may go on
    rule: int


@dataclass
class Matcher:
    """The compiled phrases of a list of triage rules."""

    rules: Sequence[TriageRule]
    _by_first_word: dict[str, list[_Phrase]] = field(default_factory=lambda: defaultdict(list))
    _prefixes: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _prefix_lengths: tuple[int, ...] = ()
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
                    matcher._japanese[text[0]].append((text, index))
        matcher._prefix_lengths = tuple(sorted({len(p) for p in matcher._prefixes}))
        if matcher._japanese:
            starts = "".join(re.escape(char) for char in sorted(matcher._japanese))
            matcher._japanese_starts = re.compile(f"[{starts}]")
        return matcher

    def _add_english(self, phrase: str, rule: int) -> None:
        open_end = phrase.endswith("*")
        words = tuple(WORD.findall(phrase.rstrip("*")))
        if not words:
            return
        if len(words) == 1 and open_end:
            self._prefixes[words[0]].add(rule)
        else:
            self._by_first_word[words[0]].append(_Phrase(words, open_end, rule))

    def match(self, text: str) -> set[int]:
        """Indexes of the rules whose phrases occur in ``text`` (already folded)."""
        found: set[int] = set()
        words = WORD.findall(text)
        for i, word in enumerate(words):
            for phrase in self._by_first_word.get(word, ()):
                if phrase.rule not in found and _follows(words, i, phrase):
                    found.add(phrase.rule)
            for length in self._prefix_lengths:
                if length > len(word):
                    break
                found |= self._prefixes.get(word[:length], set())
        if self._japanese_starts is not None:
            for start in self._japanese_starts.finditer(text):
                at = start.start()
                for written, rule in self._japanese[text[at]]:
                    if rule not in found and text.startswith(written, at):
                        found.add(rule)
        return found


def _follows(words: list[str], i: int, phrase: _Phrase) -> bool:
    """The phrase's words at ``words[i:]`` (the last one may go on when open-ended)."""
    n = len(phrase.words)
    if i + n > len(words):
        return False
    for k in range(1, n):
        word, wanted = words[i + k], phrase.words[k]
        if word != wanted and not (phrase.open_end and k == n - 1 and word.startswith(wanted)):
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
