"""Cross-reference checks of the triage rules and the response ladder.

Each problem is one line ``dotted.path: problem`` (the loader names list items by id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policy.handling import Option
    from policy.model import Policy


def triage_problems(policy: Policy) -> list[str]:
    """Unknown categories or severities in ``triage``, and repeated rule ids."""
    problems: list[str] = []
    categories = {c.id for c in policy.categories}
    severities = {s.id for s in policy.severities}
    seen: set[str] = set()
    for i, rule in enumerate(policy.triage):
        if rule.id in seen:
            problems.append(f"triage.{i}.id: {rule.id!r} appears more than once")
        seen.add(rule.id)
        if rule.category not in categories:
            problems.append(f"triage.{i}.category: unknown category {rule.category!r} "
                            f"(known: {', '.join(sorted(categories))})")
        if rule.severity not in severities:
            problems.append(f"triage.{i}.severity: unknown severity {rule.severity!r} "
                            f"(known: {', '.join(sorted(severities))})")
    return problems


def ladder_problems(options: Sequence[Option]) -> list[str]:
    """``requires`` names known options, never the option itself, and has no loop."""
    problems: list[str] = []
    known = {o.id: i for i, o in enumerate(options)}
    for i, option in enumerate(options):
        for j, required in enumerate(option.requires):
            if required not in known:
                problems.append(f"options.{i}.requires.{j}: unknown option {required!r}")
            elif required == option.id:
                problems.append(f"options.{i}.requires.{j}: an option cannot require itself")
    loop = _loop(options)
    if loop:
        start = known[loop[0]]
        problems.append(f"options.{start}.requires: a loop ({' -> '.join([*loop, loop[0]])}); "
                        "no option in it could ever be chosen")
    return problems


def _loop(options: Sequence[Option]) -> list[str]:
    """One cycle of ``requires`` (ids in order), or an empty list."""
    graph = {o.id: [r for r in o.requires if r != o.id] for o in options}
    state: dict[str, int] = {}  # 1 on the path, 2 finished
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return path[path.index(nxt):]
            if nxt in graph and not state.get(nxt):
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return []

    for option in options:
        if not state.get(option.id):
            found = visit(option.id)
            if found:
                return list(found)
    return []
