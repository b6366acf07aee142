"""Small counts that stay hidden even beside a total.

A count under :data:`SMALL` is shown as "<5" (:data:`MASK`). That alone can be undone:
"Head office 55" beside "57 reports" makes Shibuya's "<5" exactly 2. So each group of
cells whose total a reader can know is protected as if that total were shown:

- a month's column in each table (the month's total is the same in every table): when a
  "<5" could still be worked out, the smallest other counts of the column are hidden too
  (:data:`HIDDEN`, "≥5") until every "<5" could be at least two numbers; a column that
  cannot be protected that way is hidden whole, in every table, and the total is not shown;
- the months together, and the statuses (both add up to the page's total): when a month
  or a status could be worked out from the total, the total is not shown, and at least
  one status is hidden so that the statuses do not add up to it either."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product

SMALL = 5
MASK = "<5"
HIDDEN = "≥5"  # hidden so that a "<5" beside it cannot be worked out
_EXACT_SEARCH = 6  # with more "<5" cells than this in one group, many combinations fit anyway

Cell = tuple[str, str]  # (row key, month)


def protect(counts: Sequence[int], forced: frozenset[int] = frozenset()) -> tuple[set[int], bool]:
    """Indexes to hide in a group whose total is known (the small ones, ``forced``, and as
    few others as needed), and whether some small cell could still be worked out."""
    hidden = {i for i, n in enumerate(counts) if 0 < n < SMALL} | {i for i in forced if counts[i]}
    others = sorted((n, i) for i, n in enumerate(counts) if n >= SMALL and i not in hidden)
    while _pinned([counts[i] for i in hidden]):
        if not others:
            return hidden, True
        hidden.add(others.pop(0)[1])
    return hidden, False


def _pinned(values: list[int]) -> bool:
    """Knowing their sum, can a reader tell one small value exactly? Each small value is
    1–4 to the reader, each hidden large one at least 5."""
    small = [n for n in values if n < SMALL]
    large = len(values) - len(small)
    if not small or len(small) > _EXACT_SEARCH:
        return False
    total = sum(values)
    possible: list[set[int]] = [set() for _ in small]
    for guess in product(range(1, SMALL), repeat=len(small)):
        rest = total - sum(guess)
        if (rest >= SMALL * large) if large else rest == 0:
            for seen, value in zip(possible, guess, strict=True):
                seen.add(value)
    return any(len(seen) < 2 for seen in possible)


@dataclass(frozen=True)
class Protected:
    hidden: list[set[Cell]]  # per table, the cells not shown exactly
    statuses: set[int]  # indexes of the statuses not shown exactly
    total_shown: bool


def protect_all(tables: Sequence[tuple[Sequence[str], Mapping[Cell, int]]], months: Sequence[str],
                statuses: Sequence[int]) -> Protected:
    """The tables (row keys, counts) share the months; the statuses add up to the total."""
    whole: set[str] = set()
    hidden: list[set[Cell]] = [set() for _ in tables]
    for t, (keys, counts) in enumerate(tables):
        for month in months:
            column = [counts.get((k, month), 0) for k in keys]
            shut, pinned = protect(column)
            hidden[t] |= {(keys[i], month) for i in shut}
            if pinned:
                whole.add(month)
    for t, (keys, counts) in enumerate(tables):
        hidden[t] |= {(k, m) for k in keys for m in whole if counts.get((k, m), 0)}
    keys0, counts0 = tables[0] if tables else ((), {})
    unknown = [m for m in months if all(any(c[1] == m for c in cells) for cells in hidden)]  # in no table exact
    months_pinned = _pinned([sum(counts0.get((k, m), 0) for k in keys0) for m in unknown])
    shut, statuses_pinned = protect(statuses)
    total_shown = not whole and not months_pinned and not statuses_pinned  # a month hidden whole: the total gives it
    if not total_shown and not shut and any(statuses):  # the statuses must not add up to the total
        shut = {min((n, i) for i, n in enumerate(statuses) if n)[1]}
    return Protected(hidden=hidden, statuses=shut, total_shown=total_shown)


def shown(count: int, hidden: bool) -> str:
    if not hidden:
        return str(count)
    return MASK if count < SMALL else HIDDEN
