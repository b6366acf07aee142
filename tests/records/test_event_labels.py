"""Every event kind Haven can write to an incident's trail has a label in the chat locales
(``event.*`` in bot/locales/en.yaml and ja.yaml), so ``:show`` never prints a raw kind.

The kinds are read from the code: each call that writes a trail event (``add_event``,
``first_event``, ``next_event``, ``append_event``, ``append_loaded``) and its ``kind``: a
literal, a module constant, a local assigned from literals, or a parameter whose callers
pass literals. A call whose kind cannot be told this way fails the test (say it plainly).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
import yaml

from bot.app.console import described
from policy.loader import default_policy

REPO = Path(__file__).resolve().parents[2]
WRITERS = {"add_event", "first_event", "next_event", "append_event", "append_loaded"}
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _strings(node: ast.AST | None) -> set[str]:
    """The string literals a value may be: a literal, either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    return set()


def _constants(tree: ast.Module) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and _strings(node.value):
                    found.setdefault(target.id, set()).update(_strings(node.value))
    return found


def _assigned(function: FunctionNode, name: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                found |= _strings(node.value)
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                for element, value in zip(target.elts, node.value.elts, strict=False):
                    if isinstance(element, ast.Name) and element.id == name:
                        found |= _strings(value)
    return found


def _passed(tree: ast.Module, function: FunctionNode, name: str) -> set[str]:
    """What callers in the module pass for parameter ``name`` of ``function``."""
    params = [a.arg for a in function.args.posonlyargs + function.args.args]
    if name not in params and name not in [a.arg for a in function.args.kwonlyargs]:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function.name:
            if name in params and params.index(name) < len(node.args):
                found |= _strings(node.args[params.index(name)])
            found |= {s for k in node.keywords if k.arg == name for s in _strings(k.value)}
    return found


@functools.cache
def written_kinds() -> dict[str, set[str]]:
    """Event kind → where it is written; unresolved calls under the kind ``?``."""
    everywhere: dict[str, set[str]] = {}
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted((REPO / "bot").rglob("*.py"))}
    for tree in trees.values():
        for name, values in _constants(tree).items():
            everywhere.setdefault(name, set()).update(values)
    kinds: dict[str, set[str]] = {}
    for path, tree in trees.items():
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        for function in functions:
            for call in ast.walk(function):
                func = getattr(call, "func", None)
                called = getattr(func, "attr", None) or getattr(func, "id", None)
                if not isinstance(call, ast.Call) or called not in WRITERS:
                    continue
                kind = next((k.value for k in call.keywords if k.arg == "kind"), None)
                found = _strings(kind)
                if isinstance(kind, ast.Name):
                    found = (_assigned(function, kind.id) or _passed(tree, function, kind.id)
                             or everywhere.get(kind.id, set()))
                where = f"{path.relative_to(REPO)}:{call.lineno}"
                for each in found or {"?"}:
                    kinds.setdefault(each, set()).add(where)
    return kinds


def test_the_walk_finds_the_kinds_written_in_every_way() -> None:
    kinds = written_kinds()
    assert "?" not in kinds, f"cannot tell which event kind these calls write: {sorted(kinds.get('?', ()))}"
    for kind in ("reported", "approved", "rejected", "site_changed", "triaged", "in_danger", "talk_paged",
                 "talk_renotified", "talk_accepted", "renotified", "page_failed", "checkin_sent", "hr_viewed"):
        assert kind in kinds, kind


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_every_event_kind_haven_writes_has_a_label(locale: str) -> None:
    labels = yaml.safe_load((REPO / "bot" / "locales" / f"{locale}.yaml").read_text(encoding="utf-8"))["event"]
    missing = {kind: sorted(where) for kind, where in written_kinds().items() if not labels.get(kind)}
    assert missing == {}, f"add these to bot/locales/{locale}.yaml under event: {missing}"


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_show_names_every_event_and_haven_s_own_release_hold_option(locale: str) -> None:
    kinds = sorted(written_kinds())
    events = [{"kind": kind, "actor": "sato", "at": "2026-12-01T02:00:00Z"} for kind in kinds]
    events.append({"kind": "proposed", "actor": "sato", "at": "2026-12-01T02:00:00Z", "option": "release_hold"})
    data = {"id": "INC-2026-000001", "status": "open", "severity": "normal", "category": "other",
            "reporter_id": "employee", "events": events}
    shown = described(data, default_policy(), locale)["shown"]
    labels = yaml.safe_load((REPO / "bot" / "locales" / f"{locale}.yaml").read_text(encoding="utf-8"))["event"]
    assert [e["name"] for e in shown["events"][:-1]] == [labels[kind] for kind in kinds]
    assert shown["events"][-1]["option"] == {"en": "Release the legal hold", "ja": "リーガルホールドを解除"}[locale]
