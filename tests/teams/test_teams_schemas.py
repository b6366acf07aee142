"""Cards and the app package against Microsoft's official schemas (copies in tests/schemas/).

Every card the Teams tests send is checked too: the fake Bot Connector checks each
posted or updated card when it closes, and ``Teams.post`` checks each invoke response
card (tests/support/cards.py says which ``msteams`` extensions are allowed).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from adapters.teams import render
from adapters.teams.manifest import PLACEHOLDER_ID, PLACEHOLDER_URL, build_manifest, localization
from bot.model.forms import report_form
from bot.model.messages import Button, Fact, Kind, Message
from policy.loader import load_policy
from tests.support.cards import card_problems

TEAMS_SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "teams-v1.17"
ALERT = Message(kind=Kind.ALERT, title="New report <@aad-1>", text="Severity: high",
                facts=(Fact("Category", "Violence"), Fact("Excerpt", "he said **this**", user_text=True)),
                buttons=(Button("acknowledge", "Acknowledge", "INC-2026-000001", style="primary"),),
                note="small print")


def _schema(name: str) -> Draft4Validator:
    return Draft4Validator(json.loads((TEAMS_SCHEMAS / name).read_text(encoding="utf-8")))


def test_an_alert_card_and_a_form_card_with_errors_are_valid() -> None:
    assert card_problems(render.message_card(ALERT, {"aad-1": "Sam"})) == []
    form = report_form(load_policy(None), "ja", Message(kind=Kind.WELLBEING, text="w"),
                       prefill={"held_minutes": "20", "description": "怒鳴られた"})
    form = type(form)(**{**form.__dict__, "errors": {"held_minutes": "整数で入力してください。"}})
    assert card_problems(render.form_card(form)) == []


def test_the_check_refuses_what_the_schema_or_teams_does_not_allow() -> None:
    card = render.form_card(report_form(load_policy(None), "en", Message(kind=Kind.WELLBEING, text="w"),
                                        prefill={"held_minutes": "12"}))
    number = next(b for b in card["body"] if b["type"] == "Input.Number")
    number["value"] = "12"  # what Haven sent before: a string
    assert any("'12' is not of type 'number'" in p for p in card_problems(card))
    alert = render.message_card(ALERT, {"aad-1": "Sam"})
    assert card_problems({**alert, "msteams": {"width": "Full", "wrap": True}}) == [
        "msteams.wrap is not a documented Teams extension"]
    ghost = {"type": "mention", "text": "<at>Ghost</at>", "mentioned": {"id": "aad-9", "name": "Ghost"}}
    assert card_problems({**alert, "msteams": {"entities": [ghost]}}) == [
        "mention <at>Ghost</at> does not appear in the card"]
    alert["body"][0]["markdown"] = True
    assert card_problems(alert)  # not a TextBlock property
    with pytest.raises(AssertionError, match="no official schema"):
        card_problems({**render.message_card(ALERT), "version": "1.6"})


def test_the_app_package_is_valid_for_its_manifest_version() -> None:
    manifest = build_manifest(url=PLACEHOLDER_URL, app_id=PLACEHOLDER_ID)
    assert manifest["manifestVersion"] == "1.17"
    assert list(_schema("MicrosoftTeams.schema.json").iter_errors(manifest)) == []
    ja = localization("ja")
    assert list(_schema("MicrosoftTeams.Localization.schema.json").iter_errors(ja)) == []
    broken = {**manifest, "bots": [{**manifest["bots"][0], "scopes": ["everyone"]}]}
    assert list(_schema("MicrosoftTeams.schema.json").iter_errors(broken))
