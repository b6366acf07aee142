"""Reporting in Teams personal chat, over real HTTP to /api/messages."""

from __future__ import annotations

import json

import pytest

from bot.model.forms import FIELD_IDS
from bot.model.i18n import t
from bot.app.records import detail
from tests.teams import activities as act
from tests.teams.conftest import Teams


def _inputs(card: dict) -> list[str]:
    return [item["id"] for item in card["body"] if item["type"].startswith("Input.")]


async def test_quick_report_sends_the_wellbeing_card_first_then_the_receipt(teams: Teams) -> None:
    await teams.register()
    teams.connector.calls.clear()
    response = await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse he threatened me on the phone"))
    assert response.status == 200
    first, second = teams.connector.posts()
    assert first.conversation == f"a:personal-{act.REPORTER}"
    assert first.cards[0]["body"][0]["text"] == "First, take care of yourself"
    assert "110" in first.text  # not an emergency service: call 110 / 119
    assert "Logged as INC-2026-000001" in second.text
    verbs = [a["verb"] for a in second.cards[0]["actions"]]
    assert verbs == ["add_details", "in_danger", "talk_now", "change_site"]
    assert second.cards[0]["actions"][0]["data"] == {"action": "add_details", "incident": "INC-2026-000001"}


@pytest.mark.parametrize("text", ["／ａｂｕｓｅ 怒鳴られました", "報告 怒鳴られました", "カスハラ 怒鳴られました",
                                  "abuse 怒鳴られました"])
async def test_japanese_words_and_full_width_input_report_in_japanese(teams: Teams, text: str) -> None:
    await teams.post(act.personal(teams.service_url, act.REPORTER, text, locale="ja-JP"))
    wellbeing, receipt = teams.connector.posts()
    assert wellbeing.cards[0]["body"][0]["text"] == "まず、ご自身を大切にしてください"
    assert "INC-2026-000001" in receipt.text
    assert receipt.cards[0]["actions"][0]["title"] == t("ja", "button.add_details")
    record = await detail(teams.runtime.db, "INC-2026-000001")
    assert record is not None and record["description"] == "怒鳴られました"


async def test_the_word_alone_opens_the_form_card_with_the_spec_field_ids(teams: Teams) -> None:
    await teams.post(act.personal(teams.service_url, act.REPORTER, "/abuse"))
    wellbeing, form = teams.connector.posts()
    assert wellbeing.cards[0]["body"][0]["text"] == "First, take care of yourself"
    card = form.cards[0]
    assert _inputs(card) == list(FIELD_IDS)
    assert card["actions"][0]["type"] == "Action.Execute" and card["actions"][0]["verb"] == "report_form"
    assert await detail(teams.runtime.db, "INC-2026-000001") is None


async def test_form_errors_are_shown_on_the_card_and_a_valid_form_is_logged(teams: Teams) -> None:
    data = {"action": "report_form", "metadata": "", "category": "violence", "description": "",
            "held_minutes": "many"}
    response = await teams.post(act.card_action(teams.service_url, act.REPORTER, data, channel=None))
    assert response.status == 200
    body = json.loads(await response.text())
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    errors = [b["text"] for b in body["value"]["body"] if b.get("color") == "Attention"]
    assert "Please fill this in." in errors
    assert any("whole number" in e for e in errors)
    assert await detail(teams.runtime.db, "INC-2026-000001") is None

    data.update(description="He threw a cup at me", held_minutes="20")
    response = await teams.post(act.card_action(teams.service_url, act.REPORTER, data, channel=None))
    body = json.loads(await response.text())
    assert "INC-2026-000001" in json.dumps(body["value"], ensure_ascii=False)
    record = await detail(teams.runtime.db, "INC-2026-000001")
    assert record is not None and record["category"] == "violence" and record["severity"] == "critical"


async def test_a_report_with_no_registered_channel_is_logged_and_the_reporter_told(teams: Teams) -> None:
    await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse shouted at me"))
    _, receipt = teams.connector.posts()
    assert "no supervisors' channel is set up yet" in receipt.text
    assert (await detail(teams.runtime.db, "INC-2026-000001")) is not None


async def test_the_same_activity_delivered_twice_is_one_incident(teams: Teams) -> None:
    activity = act.personal(teams.service_url, act.REPORTER, "abuse shouted at me")
    await teams.post(activity)
    await teams.post(activity)
    assert await detail(teams.runtime.db, "INC-2026-000001") is not None
    assert await detail(teams.runtime.db, "INC-2026-000002") is None


async def test_installing_in_personal_chat_says_how_to_report(teams: Teams) -> None:
    response = await teams.post(act.installed_personal(teams.service_url, act.REPORTER))
    assert response.status == 200
    (hello,) = teams.connector.posts()
    assert "abuse" in hello.text and hello.conversation == f"a:personal-{act.REPORTER}"


async def test_add_details_opens_the_form_in_place_and_its_submission_fills_the_incident(teams: Teams) -> None:
    await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse shouted"))
    data = {"action": "add_details", "incident": "INC-2026-000001"}
    response = await teams.post(act.card_action(teams.service_url, act.REPORTER, data, channel=None))
    body = json.loads(await response.text())
    form = body["value"]
    assert body["type"] == "application/vnd.microsoft.card.adaptive" and _inputs(form) == list(FIELD_IDS)
    submit = form["actions"][0]["data"]
    assert submit == {"action": "report_form", "metadata": "INC-2026-000001"}
    filled = {**submit, "category": "denigration", "description": "shouted", "customer_ref": "ACME-7"}
    response = await teams.post(act.card_action(teams.service_url, act.REPORTER, filled, channel=None))
    body = json.loads(await response.text())
    assert "INC-2026-000001" in json.dumps(body["value"])
    record = await detail(teams.runtime.db, "INC-2026-000001")
    assert record is not None and record["category"] == "denigration"
    assert await detail(teams.runtime.db, "INC-2026-000002") is None


async def test_someone_else_cannot_press_the_reporters_buttons(teams: Teams) -> None:
    await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse shouted"))
    data = {"action": "in_danger", "incident": "INC-2026-000001"}
    response = await teams.post(act.card_action(teams.service_url, act.STRANGER, data, channel=None))
    body = json.loads(await response.text())
    assert "Only the person who made the report" in body["value"]
    record = await detail(teams.runtime.db, "INC-2026-000001")
    assert record is not None and record["severity"] == "normal"
