"""Re-triage on Teams over real HTTP: the same form as a card submitted with verb
``triage_submit``; a raise to critical mentions the channel."""

from __future__ import annotations

import json
from typing import Any

from bot.app.records import detail
from tests.teams import activities as act
from tests.teams.conftest import Teams

REF = "INC-2026-000001"


async def _invoke(teams: Teams, aad: str, data: dict[str, Any]) -> dict[str, Any]:
    response = await teams.post(act.card_action(teams.service_url, aad, data))
    assert response.status == 200
    return json.loads(await response.text())


async def test_a_supervisor_retriages_with_the_triage_card(teams: Teams) -> None:
    await teams.register()
    await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse the customer kept me on the phone"))
    await teams.drain()
    teams.connector.add_member(act.TEAM, act.SUPERVISOR)

    form = await _invoke(teams, act.SUPERVISOR, {"action": "triage", "incident": REF})
    card = form["value"]
    inputs = {item["id"]: item for item in card["body"] if item.get("id")}
    assert set(inputs) == {"category", "severity", "note"} and inputs["severity"]["value"] == "normal"
    [submit] = card["actions"]
    assert submit["verb"] == "triage_submit" and submit["data"] == {"action": "triage_submit", "metadata": REF}

    refreshed = await _invoke(teams, act.SUPERVISOR, {**submit["data"], "category": "violence",
                                                     "severity": "critical", "note": "a threat"})
    assert refreshed["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Critical report" in json.dumps(refreshed["value"])
    await teams.drain()
    [raised] = [c for c in teams.connector.posts() if "re-triaged" in c.text]
    assert raised.conversation.startswith(act.CHANNEL + ";messageid="), "in the alert's thread"
    assert raised.text.startswith("<at>Supervisors</at>"), "a raise to critical mentions the channel"
    record = await detail(teams.runtime.db, REF)
    assert record is not None and record["severity"] == "critical"
    assert [e["kind"] for e in record["events"]][-1] == "triaged"


async def test_a_stranger_gets_the_triage_card_refused(teams: Teams) -> None:
    await teams.register()
    await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse rude words"))
    await teams.drain()
    refused = await _invoke(teams, act.STRANGER, {"action": "triage", "incident": REF})
    assert "Only supervisors" in refused["value"]
    again = await _invoke(teams, act.STRANGER, {"action": "triage_submit", "metadata": REF,
                                               "category": "violence", "severity": "critical"})
    assert "Only supervisors" in json.dumps(again, ensure_ascii=False)
    record = await detail(teams.runtime.db, REF)
    assert record is not None and record["severity"] == "normal"
