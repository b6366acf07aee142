"""Every identifier the desk shows has a name in English and Japanese: each event kind
Haven can write (found by reading the code that writes events, so a new kind without a
name fails here), each message kind, audience, delivery and check-in state, contact
channel, flag and route."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.hr import labels
from bot.model.forms import CONTACT_CHANNELS
from bot.model.i18n import catalog
from bot.model.messages import Audience, Kind
from policy.rules import IN_DANGER, REPEATED

BOT = Path(__file__).resolve().parents[2] / "bot"
WRITERS = {"add_event", "first_event", "next_event", "append_event"}  # what puts an event on a trail
FLOOR = {"reported", "acknowledged", "option_chosen", "triaged", "talk_accepted", "talk_cancelled", "hr_viewed",
         "hold_released", "moved_to_hr", "site_changed", "dead_letter", "checkin_sent", "renotified", "approved"}


def _strings(node: ast.AST | None) -> set[str] | None:
    """The string constants an expression can be, or None when it is not that simple."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _strings(node.body), _strings(node.orelse)
        return body | orelse if body is not None and orelse is not None else None
    return None


def _assigned(scope: ast.AST, name: str) -> set[str] | None:
    """Constants assigned to ``name`` in ``scope`` (plain and tuple assignments)."""
    found: set[str] = set()
    for node in ast.walk(scope):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                values = _strings(node.value)
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                names = [t.id if isinstance(t, ast.Name) else None for t in target.elts]
                values = _strings(node.value.elts[names.index(name)]) if name in names else set()
            else:
                continue
            if values is None:
                return None
            found |= values
    return found or None


def _passed(module: ast.Module, function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> set[str] | None:
    """Constants passed as parameter ``name`` wherever ``function`` is called in its module."""
    index = [a.arg for a in function.args.args].index(name)
    found: set[str] = set()
    for call in ast.walk(module):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == function.name):
            continue
        given = call.args[index] if index < len(call.args) else next(
            (k.value for k in call.keywords if k.arg == name), None)
        values = _strings(given)
        if values is None:
            return None
        found |= values
    return found


def _enclosing(module: ast.Module, target: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(n is target for n in ast.walk(node)):
            return node
    return None


def written_event_kinds() -> dict[str, str]:
    """kind → where it is written, for every event kind in ``bot/``."""
    kinds: dict[str, str] = {}
    for path in sorted(BOT.rglob("*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        for call in ast.walk(module):
            if not isinstance(call, ast.Call):
                continue
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            kind = next((k.value for k in call.keywords if k.arg == "kind"), None)
            if name not in WRITERS or kind is None:
                continue
            where = f"{path.relative_to(BOT.parent)}:{call.lineno}"
            values = _strings(kind)
            if values is None and isinstance(kind, ast.Name):
                function = _enclosing(module, call)
                if function is not None and kind.id in [a.arg for a in function.args.args]:
                    values = _passed(module, function, kind.id)
                else:
                    values = _assigned(function, kind.id) if function else None
                    values = values or _assigned(ast.Module(body=[s for s in module.body if isinstance(s, ast.Assign)],
                                                            type_ignores=[]), kind.id)
            assert values is not None, f"{where}: cannot tell which event kind this writes; name it plainly"
            kinds.update(dict.fromkeys(values, where))
    return kinds


def test_the_scan_finds_the_event_kinds_haven_writes() -> None:
    missing = FLOOR - set(written_event_kinds())
    assert not missing, missing


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_every_event_kind_haven_writes_has_a_name(locale: str) -> None:
    unnamed = {kind: where for kind, where in written_event_kinds().items() if f"event.{kind}" not in catalog(locale)}
    assert unnamed == {}, f"no event.<kind> in bot/locales/{locale}.yaml for: {unnamed}"


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_every_delivery_check_in_channel_flag_and_route_has_a_name(locale: str) -> None:
    strings = catalog(locale)
    keys = [f"hr.delivery.kind.{k.value}" for k in Kind] + [f"hr.delivery.audience.{a.value}" for a in Audience]
    keys += [f"hr.delivery.state.{s}" for s in ("pending", "sending", "sent", "dead")]
    keys += [f"hr.job_state.{s}" for s in ("pending", "claimed", "done", "cancelled")]
    keys += [f"contact_channel.{c}" for c in CONTACT_CHANNELS] + [f"alert.flag_{f}" for f in (IN_DANGER, REPEATED)]
    keys += [f"hr.route.{r}" for r in ("line", "hr", "held")]
    assert [k for k in keys if k not in strings] == []


def test_labels_read_the_chat_names_in_the_readers_language() -> None:
    assert labels.event("option_chosen", "ja") == "対応を選択"
    assert labels.contact("social_media", "ja") == "SNS" and labels.contact("in_person", "en") == "In person"
    sent = labels.delivery("reporter_update", "user", "post", "ja")
    assert sent == "報告者への経過連絡 → 個人宛て（ダイレクトメッセージ）"
    assert labels.event("made_up_kind", "ja") == "made_up_kind"  # older data: shown as stored, never a 500
