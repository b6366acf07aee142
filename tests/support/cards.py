"""Adaptive Cards checked against Microsoft's official schema for the version they declare.

The schemas in ``tests/schemas/adaptive-cards/`` are unmodified copies of
github.com/microsoft/AdaptiveCards ``schemas/<version>/adaptive-card.json`` (see
``tests/schemas/README.md``). The schema's ``AdaptiveCard`` allows no extra property, so
the one Teams extension Haven uses, the card-level ``msteams`` object, is checked here
and removed before validation. Only what Microsoft documents for it is allowed
(learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format):

- ``"width": "Full"`` (full-width Adaptive Cards);
- ``"entities"``: mention entities ``{"type": "mention", "text": "<at>…</at>",
  "mentioned": {"id", "name"}}`` whose ``text`` appears in the card's text ("Mention
  support within Adaptive Cards").
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "adaptive-cards"
CARD = "application/vnd.microsoft.card.adaptive"
_AT = re.compile(r"^<at>[^<>]+</at>$")


@cache
def _validator(version: str) -> Draft6Validator:
    path = SCHEMAS / f"{version}.0.json"
    if not path.exists():
        raise AssertionError(f"no official schema copied for Adaptive Cards {version}")
    return Draft6Validator(json.loads(path.read_text(encoding="utf-8")))


def _msteams_problems(msteams: Any, card_text: str) -> list[str]:
    if not isinstance(msteams, dict):
        return ["msteams is not an object"]
    problems = [f"msteams.{key} is not a documented Teams extension" for key in msteams
                if key not in ("width", "entities")]
    if "width" in msteams and msteams["width"] != "Full":
        problems.append("msteams.width must be Full")
    for entity in msteams.get("entities", []):
        mentioned = entity.get("mentioned") if isinstance(entity, dict) else None
        if (not isinstance(entity, dict) or set(entity) != {"type", "text", "mentioned"}
                or entity["type"] != "mention" or not _AT.match(str(entity["text"]))
                or not isinstance(mentioned, dict) or set(mentioned) != {"id", "name"}
                or not all(isinstance(v, str) and v for v in mentioned.values())):
            problems.append(f"msteams entity is not a documented mention: {entity!r}")
        elif entity["text"] not in card_text:
            problems.append(f"mention {entity['text']} does not appear in the card")
    return problems


def card_problems(card: Any) -> list[str]:
    """Everything wrong with ``card`` (empty when it is valid), by schema path."""
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return ["not an AdaptiveCard"]
    version = str(card.get("version", ""))
    if not re.fullmatch(r"1\.\d", version):
        return [f"unexpected version {version!r}"]
    plain = copy.deepcopy(card)
    msteams = plain.pop("msteams", None)
    problems = _msteams_problems(msteams, json.dumps(plain, ensure_ascii=False)) if msteams is not None else []
    for error in _validator(version).iter_errors(plain):
        for leaf in _causes(error):
            where = "/".join(str(p) for p in leaf.absolute_path)
            problems.append(f"{where or '(card)'}: {leaf.message[:200]}")
    return sorted(set(problems), key=problems.index)


def _causes(error: ValidationError) -> list[ValidationError]:
    """The errors that explain ``error``: inside an ``anyOf`` of element types, only the
    branch for the element's own type counts (not "'Input.Number' is not one of ['Container']")."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else None, []).extend(_causes(sub))
    own = [leaves for leaves in branches.values()
           if not any(leaf.validator == "enum" and list(leaf.absolute_path)[-1:] == ["type"] for leaf in leaves)]
    return [leaf for leaves in own for leaf in leaves] or [error]


def assert_valid_cards(cards: list[Any]) -> int:
    """Assert every card is valid; returns how many were checked."""
    for card in cards:
        problems = card_problems(card)
        assert not problems, f"invalid Adaptive Card: {problems}\n{json.dumps(card, ensure_ascii=False)[:2000]}"
    return len(cards)


def cards_in(body: Any) -> list[Any]:
    """The cards of an activity (attachments) or of an invoke response body."""
    if not isinstance(body, dict):
        return []
    if body.get("type") == CARD and "statusCode" in body:
        return [body.get("value")]
    return [a.get("content") for a in body.get("attachments") or []
            if isinstance(a, dict) and a.get("contentType") == CARD]
