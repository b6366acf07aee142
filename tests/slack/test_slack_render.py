"""Block Kit rendering (pure): golden files for the main shapes, and the rules —
escaping, mentions, limits with "(truncated)", Slack dates."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import render
from adapters.slack import modals as views
from bot.model.forms import report_form
from bot.model.messages import Button, Fact, Kind, Message
from bot.model.views import wellbeing
from policy.loader import load_policy
from tests.support.golden import check_golden

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 12, 1, 1, 0)


def golden(name: str, data: Any) -> None:
    """Compare with ``golden/<name>.json`` (missing fails; ``HAVEN_UPDATE_GOLDEN=1`` writes it)."""
    check_golden(GOLDEN / f"{name}.json", data)


@pytest.fixture(scope="module")
def policy():  # type: ignore[no-untyped-def]
    return load_policy(None)


ALERT = Message(
    kind=Kind.ALERT, title="Critical report INC-2026-000003: Violent deeds or words",
    text="Owned by <@USUP1>", mention_channel=True, incident="INC-2026-000003",
    facts=(Fact("Reporter", "<@UEMPLOYEE>"), Fact("Customer", "ACME <Ltd> & co", user_text=True),
           Fact("What happened", "<!channel> he said *this* & <https://x.example|that>", user_text=True)),
    buttons=(Button("acknowledge", "Acknowledge", "INC-2026-000003", "primary"),
             Button("discontinue_service", "Discontinue service", "INC-2026-000003", "danger"),
             Button("resolve", "Resolve", "INC-2026-000003")),
    note="<@USUP1> took over (2026-12-01 10:03 JST)", timestamp="2026-12-01T01:00:00Z",
)


def test_alert_blocks_golden() -> None:
    golden("alert", {"blocks": render.blocks(ALERT), "text": render.fallback(ALERT)})


def test_user_text_is_escaped_and_only_the_neutral_mention_survives() -> None:
    text = json.dumps(render.blocks(ALERT))
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "ACME &lt;Ltd&gt; &amp; co" in text
    assert "&lt;https://x.example|that&gt;" in text
    assert "<@USUP1>" in text and "<@UEMPLOYEE>" in text
    assert render.blocks(ALERT)[1]["text"]["text"].startswith("<!here> ")
    # a mention token typed by a person stays text
    typed = Message(kind=Kind.ALERT, text="x", facts=(Fact("What", "<@USUP1>", user_text=True),))
    assert "&lt;@USUP1&gt;" in json.dumps(render.blocks(typed))


def test_buttons_carry_action_id_value_and_style() -> None:
    [actions] = [b for b in render.blocks(ALERT) if b["type"] == "actions"]
    assert [(e["action_id"], e["value"], e.get("style")) for e in actions["elements"]] == [
        ("acknowledge", "INC-2026-000003", "primary"), ("discontinue_service", "INC-2026-000003", "danger"),
        ("resolve", "INC-2026-000003", None)]


def test_dates_are_slack_date_tokens_with_a_fallback() -> None:
    assert render.slack_date("2026-12-01T01:00:00Z") == (
        "<!date^1796086800^{date_short_pretty} {time}|2026-12-01 01:00 UTC>")


def test_long_text_is_cut_to_block_kit_limits_with_truncated() -> None:
    long = "a&b<c>" * 2000
    message = Message(kind=Kind.ALERT, title="T" * 400, text=long,
                      facts=(Fact("Said", long, user_text=True),),
                      buttons=(Button("acknowledge", "L" * 200, "INC-1"),))
    out = render.blocks(message)
    header, section, fields, actions = out
    assert len(header["text"]["text"]) == 150 and header["text"]["text"].endswith("(truncated)")
    assert len(section["text"]["text"]) <= 3000 and section["text"]["text"].endswith("(truncated)")
    assert len(fields["fields"][0]["text"]) <= 2000 and fields["fields"][0]["text"].endswith("(truncated)")
    assert len(actions["elements"][0]["text"]["text"]) <= 75
    assert len(render.fallback(message)) <= 3000


@pytest.mark.parametrize("limit", range(20, 40))
def test_cutting_never_splits_an_entity_or_a_mention(limit: int) -> None:
    text = render.neutral("x" * 10 + "<@U12345> & <tag> " * 5)
    cut = render.cut(text, limit)
    assert len(cut) <= limit
    head = cut.removesuffix(" (truncated)")
    assert head.count("<") == head.count(">")
    assert all(head[i:].startswith(("&amp;", "&lt;", "&gt;")) for i in range(len(head)) if head[i] == "&")


def test_many_fields_and_buttons_are_split_within_limits() -> None:
    message = Message(kind=Kind.DIGEST, text="x", facts=tuple(Fact(f"f{i}", "v") for i in range(23)),
                      buttons=tuple(Button(f"a{i}", "b", "v") for i in range(30)))
    out = render.blocks(message)
    assert [len(b["fields"]) for b in out if "fields" in b] == [10, 10, 3]
    assert [len(b["elements"]) for b in out if b["type"] == "actions"] == [25, 5]
    many = Message(kind=Kind.DIGEST, text="x", facts=tuple(Fact(f"f{i}", "v") for i in range(600)))
    assert len(render.blocks(many)) == 50


def test_wellbeing_answer_golden_in_english_and_japanese(policy) -> None:  # type: ignore[no-untyped-def]
    for locale in ("en", "ja"):
        golden(f"wellbeing_{locale}", render.ephemeral(wellbeing(policy, locale, NOW)))


def test_report_form_modal_golden(policy) -> None:  # type: ignore[no-untyped-def]
    form = report_form(policy, "en", wellbeing(policy, "en", NOW),
                       prefill={"exact_words": "you <are> useless", "evidence": "https://x.example/p1",
                                "occurred_at": "2026-12-01T00:30:00Z", "held_minutes": "15", "category": "violence"})
    modal = views.modal(form)
    golden("report_form_en", modal)
    assert modal["callback_id"] == "report_form" and modal["notify_on_close"] is True
    assert all(len(modal[k]["text"]) <= 24 for k in ("title", "submit", "close"))
    assert len(modal["blocks"]) <= 100
    fields = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert fields["occurred_at"]["initial_date_time"] == 1796085000
    assert fields["category"]["initial_option"]["value"] == "violence"
    assert fields["share_name"]["initial_options"][0]["value"] == "true"
    assert "initial_options" not in fields["in_danger"]


def test_japanese_form_titles_fit() -> None:
    policy = load_policy(None)
    modal = views.modal(report_form(policy, "ja", wellbeing(policy, "ja", NOW)))
    assert modal["title"]["text"] == "カスハラを報告"
