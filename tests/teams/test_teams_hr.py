"""The HR route on Teams over real HTTP (spec 8.2): a restricted report reaches only the
registered HR channel; no line channel post or update carries its id, text or reporter,
including after a re-notification, a page and a talk request; only HR members act."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.app.records import detail
from tests.teams import activities as act
from tests.teams.conftest import Teams

HR_CHANNEL = "19:hr@thread.tacv2"
HR_TEAM = "19:team-hr@thread.tacv2"
HR_MEMBER = "aad-hr-0007"
REF = "INC-2026-000001"
SECRET_TEXT = "he grabbed my arm and made sexual comments"


async def setup_channels(teams: Teams) -> None:
    await teams.register()  # the supervisors' channel (default site)
    await teams.register("escalation", channel=act.ESCALATION_CHANNEL)
    response = await teams.post(act.channel_mention(teams.service_url, act.ADMIN, "register hr",
                                                    channel=HR_CHANNEL, team=HR_TEAM))
    assert response.status == 200
    assert "now receives HR" in teams.connector.posts()[-1].text
    teams.connector.add_member(act.TEAM, act.SUPERVISOR)
    teams.connector.add_member(HR_TEAM, HR_MEMBER)
    teams.connector.calls.clear()  # the registrations' confirmations are not about any report


async def report(teams: Teams, **extra: Any) -> None:
    data = {"action": "report_form", "metadata": "", "category": "sexual_harassment",
            "description": SECRET_TEXT, **extra}
    response = await teams.post(act.card_action(teams.service_url, act.REPORTER, data, channel=None))
    assert response.status == 200
    await teams.drain()


def line_traffic(teams: Teams) -> str:
    line = (act.CHANNEL, act.ESCALATION_CHANNEL)
    calls = [c.body for c in teams.connector.calls
             if c.kind in ("send", "reply", "update") and (c.conversation or "").split(";")[0] in line]
    return json.dumps(calls, ensure_ascii=False)


async def press(teams: Teams, user: str, action: str, channel: str, team: str) -> dict[str, Any]:
    response = await teams.post(act.card_action(teams.service_url, user, {"action": action, "incident": REF},
                                                channel=channel, team=team))
    return json.loads(await response.text())


async def test_a_restricted_report_reaches_only_the_hr_channel_and_only_hr_acts(teams: Teams) -> None:
    await setup_channels(teams)
    await report(teams)
    hr_posts = [c for c in teams.connector.posts() if (c.conversation or "").startswith(HR_CHANNEL) and REF in c.text]
    assert len(hr_posts) == 1 and SECRET_TEXT in hr_posts[0].text

    refused = await press(teams, act.SUPERVISOR, "acknowledge", HR_CHANNEL, HR_TEAM)
    assert "Only HR" in refused["value"]
    await teams.post(act.card_action(teams.service_url, act.REPORTER, {"action": "talk_now", "incident": REF},
                                     channel=None))
    for minutes in (16, 15):  # the re-notification, then the page
        teams.runtime.ctx.clock.advance(timedelta(minutes=minutes))  # type: ignore[attr-defined]
        await teams.runtime.sweeper.tick()
        await teams.drain()
    record = await detail(teams.runtime.db, REF)
    assert record is not None
    assert {"talk_requested", "renotified", "paged"} <= {e["kind"] for e in record["events"]}

    accepted = await press(teams, HR_MEMBER, "acknowledge", HR_CHANNEL, HR_TEAM)
    assert accepted["type"] == "application/vnd.microsoft.card.adaptive"
    await teams.drain()
    traffic = line_traffic(teams)
    for secret in (REF, SECRET_TEXT, act.REPORTER, "Rei Reporter"):
        assert secret not in traffic, f"{secret!r} reached a line channel"
    assert (await detail(teams.runtime.db, REF))["status"] == "acknowledged"  # type: ignore[index]


async def test_without_an_hr_channel_a_to_hr_report_is_held_then_released_when_hr_registers(teams: Teams) -> None:
    await teams.register()
    teams.connector.calls.clear()
    await report(teams, category="denigration", to_hr="true")
    assert (await detail(teams.runtime.db, REF))["route"] == "held"  # type: ignore[index]
    assert line_traffic(teams) == "[]"
    response = await teams.post(act.channel_mention(teams.service_url, act.ADMIN, "register hr",
                                                    channel=HR_CHANNEL, team=HR_TEAM))
    assert response.status == 200
    await teams.drain()
    assert any((c.conversation or "").startswith(HR_CHANNEL) and REF in c.text for c in teams.connector.posts())
    assert (await detail(teams.runtime.db, REF))["route"] == "hr"  # type: ignore[index]
    assert line_traffic(teams) == "[]"


def executes(card: Any) -> list[dict[str, Any]]:
    """Every Action.Execute's data in a card (or an invoke body holding one)."""
    found: list[dict[str, Any]] = []
    if isinstance(card, dict):
        if card.get("type") == "Action.Execute":
            found.append(card["data"])
        for value in card.values():
            found += executes(value)
    elif isinstance(card, list):
        for value in card:
            found += executes(value)
    return found


async def test_talk_hr_asks_the_hr_channel_and_only_an_hr_member_accepts(teams: Teams) -> None:
    await setup_channels(teams)
    data = {"action": "report_form", "metadata": "", "category": "denigration", "description": "he insulted me"}
    response = await teams.post(act.card_action(teams.service_url, act.REPORTER, data, channel=None))
    receipt = json.loads(await response.text())
    assert "talk_hr" in [d["action"] for d in executes(receipt)], "an HR channel exists: the receipt offers HR"
    await teams.drain()

    asked = await press(teams, act.REPORTER, "talk_hr", "", "")  # from the personal chat
    assert "asked HR" in json.dumps(asked)
    await teams.drain()
    [request] = [c for c in teams.connector.posts() if (c.conversation or "").startswith(HR_CHANNEL)
                 and any(d["action"] == "talk_accept" for d in executes(c.body))]
    assert "from HR, not their line supervisors" in json.dumps(request.body, ensure_ascii=False)
    value = next(d["value"] for d in executes(request.body) if d["action"] == "talk_accept")

    accept = {"action": "talk_accept", "incident": REF, "value": value}
    refused = await teams.post(act.card_action(teams.service_url, act.SUPERVISOR, accept, channel=HR_CHANNEL,
                                               team=HR_TEAM))
    assert "Only HR" in await refused.text()
    taken = await teams.post(act.card_action(teams.service_url, HR_MEMBER, accept, channel=HR_CHANNEL, team=HR_TEAM))
    assert taken.status == 200
    await teams.drain()
    told = [c for c in teams.connector.posts() if (c.conversation or "").startswith(f"a:personal-{act.REPORTER}")
            or "will reach out" in c.text]
    assert any("will reach out" in c.text for c in told)
    events = [e["kind"] for e in (await detail(teams.runtime.db, REF))["events"]]  # type: ignore[index]
    assert events.count("talk_requested") == 1 and "talk_accepted" in events
    assert "talk" not in line_traffic(teams).lower(), "the line channels never hear of it"
