"""Pure tests: Teams activities → commands and button data; messages and forms → cards."""

from __future__ import annotations

import json

import pytest

from adapters.teams import parse, render
from bot.model.forms import FIELD_IDS, report_form
from bot.model.messages import Button, Fact, Kind, Message
from policy.loader import load_policy


@pytest.mark.parametrize("text,expected", [
    ("abuse", parse.Command("report")),
    ("/abuse", parse.Command("report")),
    ("ABUSE he shouted", parse.Command("report", text="he shouted")),
    ("／ａｂｕｓｅ　怒鳴られた", parse.Command("report", text="怒鳴られた")),
    ("報告", parse.Command("report")),
    ("報告 怒鳴られた", parse.Command("report", text="怒鳴られた")),
    ("カスハラ：ずっと電話で", parse.Command("report", text="ずっと電話で")),
    ("<at>Haven</at> abuse x", parse.Command("report", text="x")),
    ("abusers", parse.Command("unknown", text="abusers")),
    ("help", parse.Command("help")),
    ("<at>Haven</at>&nbsp;register  Supervisors", parse.Command("register", audience="supervisors")),
    ("<at>Haven</at> register escalation", parse.Command("register", audience="escalation")),
    ("register everyone", parse.Command("unknown", text="register everyone")),
])
def test_commands_are_read_after_nfkc_and_mention_removal(text: str, expected: parse.Command) -> None:
    assert parse.parse_command(text) == expected


def test_a_channel_id_loses_its_message_id() -> None:
    assert parse.strip_message_id("19:abc@thread.tacv2;messageid=1700000") == "19:abc@thread.tacv2"
    assert parse.strip_message_id("19:abc@thread.tacv2") == "19:abc@thread.tacv2"


def test_action_execute_and_action_submit_carry_the_same_data() -> None:
    data = {"action": "approve", "incident": "INC-2026-000001", "value": "INC-2026-000001:4"}
    invoke = {"type": "invoke", "value": {"action": {"type": "Action.Execute", "verb": "approve", "data": data}}}
    message = {"type": "message", "value": data}
    expected = parse.ActionData("approve", "INC-2026-000001:4")
    assert parse.action_data(invoke) == expected == parse.action_data(message)
    plain = {"type": "message", "value": {"action": "acknowledge", "incident": "INC-2026-000001"}}
    assert parse.action_data(plain) == parse.ActionData("acknowledge", "INC-2026-000001")
    form = {"type": "invoke", "value": {"action": {"verb": "report_form",
                                                   "data": {"action": "report_form", "metadata": "",
                                                            "category": "other"}}}}
    assert parse.action_data(form) == parse.ActionData("report_form", "", {"category": "other"})
    assert parse.action_data({"type": "message", "value": "x"}) is None
    assert parse.action_data({"type": "invoke", "value": {"action": "x"}}) is None


def test_the_shape_check_refuses_what_the_sdk_would_coerce() -> None:
    good = {"type": "message", "serviceUrl": "https://smba.trafficmanager.net/jp/", "conversation": {"id": "a:1"}}
    assert parse.shape_problem(good) is None
    assert parse.shape_problem([]) is not None
    assert parse.shape_problem({**good, "type": 5}) is not None
    assert parse.shape_problem({**good, "conversation": {"id": 7}}) is not None
    assert parse.shape_problem({**good, "serviceUrl": "file:///etc"}) is not None
    assert parse.shape_problem({**good, "from": "x"}) is not None


def test_alert_buttons_are_action_execute_with_the_spec_data() -> None:
    buttons = (Button("acknowledge", "Acknowledge", "INC-2026-000001", style="primary"),
               Button("approve", "Approve", "INC-2026-000001:12", style="danger"))
    card = render.message_card(Message(kind=Kind.ALERT, text="t", buttons=buttons))
    assert card["version"] == "1.4"
    assert card["actions"] == [
        {"type": "Action.Execute", "title": "Acknowledge", "verb": "acknowledge", "style": "positive",
         "data": {"action": "acknowledge", "incident": "INC-2026-000001"}},
        {"type": "Action.Execute", "title": "Approve", "verb": "approve", "style": "destructive",
         "data": {"action": "approve", "incident": "INC-2026-000001", "value": "INC-2026-000001:12"}},
    ]


def test_mentions_use_known_names_and_stay_plain_otherwise() -> None:
    message = Message(kind=Kind.DECISION, text="<@aad-1> and <@aad-2>")
    card = render.message_card(message, {"aad-1": "Sam"})
    assert card["body"][0]["text"] == "<at>Sam</at> and aad-2"
    assert card["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Sam</at>", "mentioned": {"id": "aad-1", "name": "Sam"}}]


def test_user_text_is_a_text_run_shown_as_written_and_truncated_visibly() -> None:
    hostile = "<at>CEO</at> **bold** [link](http://x) teams-marker_1 " + "x" * 2000
    facts = (Fact("Category", "Violence"), Fact("Excerpt", hostile, user_text=True), Fact("Severity", "High"))
    card = render.message_card(Message(kind=Kind.ALERT, text="t", locale="ja", facts=facts))
    kinds = [block["type"] for block in card["body"]]
    assert kinds == ["TextBlock", "FactSet", "TextBlock", "RichTextBlock", "FactSet"]
    assert card["body"][2]["text"] == "Excerpt"
    (run,) = card["body"][3]["inlines"]
    value = run["text"]
    assert run["type"] == "TextRun" and "\\" not in value  # no markdown escaping: a TextRun is never markdown
    assert "**bold** [link](http://x) teams-marker_1" in value
    assert "<at>" not in value and "</at>" not in value  # cannot pose as a mention
    assert value.endswith("（以下省略）") and len(value) < 1200
    assert "msteams" in card and "entities" not in card["msteams"]


def test_a_prefilled_number_is_a_json_number() -> None:
    policy = load_policy(None)
    form = report_form(policy, "en", Message(kind=Kind.WELLBEING, text="w"), prefill={"held_minutes": "12"})
    (number,) = [b for b in render.form_card(form)["body"] if b["type"] == "Input.Number"]
    assert number["value"] == 12 and isinstance(number["value"], int)
    unreadable = report_form(policy, "en", Message(kind=Kind.WELLBEING, text="w"), prefill={"held_minutes": "many"})
    (number,) = [b for b in render.form_card(unreadable)["body"] if b["type"] == "Input.Number"]
    assert "value" not in number


def test_the_form_card_has_every_spec_field_and_shows_errors_in_place() -> None:
    policy = load_policy(None)
    intro = Message(kind=Kind.WELLBEING, text="w")
    form = report_form(policy, "en", intro, prefill={"description": "he shouted"})
    form = type(form)(**{**form.__dict__, "errors": {"category": "Please fill this in."}})
    card = render.form_card(form)
    inputs = [b for b in card["body"] if b["type"].startswith("Input.")]
    assert [i["id"] for i in inputs] == list(FIELD_IDS)
    assert {i["id"] for i in inputs if i.get("isRequired")} == {"category", "description"}
    assert next(i for i in inputs if i["id"] == "description")["value"] == "he shouted"
    position = [b.get("id") for b in card["body"]].index("category")
    assert card["body"][position + 1] == {"type": "TextBlock", "text": "Please fill this in.", "wrap": True,
                                          "color": "Attention", "size": "Small", "spacing": "None"}
    assert card["actions"][0]["verb"] == "report_form"
    json.dumps(card)  # plain JSON


def test_the_wellbeing_card_lists_resources_with_open_state() -> None:
    from datetime import datetime

    from bot.model.views import wellbeing

    message = wellbeing(load_policy(None), "ja", datetime(2026, 12, 1, 5, 0))
    card = render.message_card(message)
    text = json.dumps(card, ensure_ascii=False)
    assert card["body"][0]["text"] == message.title
    assert "0120-279-338" in text and "受付中" in text  # よりそいホットライン is open 24 h


def test_invoke_bodies_have_the_shape_teams_expects() -> None:
    assert render.invoke_card({"type": "AdaptiveCard"}) == {
        "statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": {"type": "AdaptiveCard"}}
    assert render.invoke_message("no")["type"] == "application/vnd.microsoft.activity.message"
