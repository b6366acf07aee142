"""Registration, alerts in the registered channel, and supervisors' buttons, over real HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.flows.links import load_link, registered_channel
from bot.model.messages import Audience
from bot.app.records import detail
from tests.fakes.bot_connector import Call
from tests.teams import activities as act
from tests.teams.conftest import Teams

REF = "INC-2026-000001"


async def _report(teams: Teams, text: str = "abuse he threatened me") -> Call:
    """Register, report, deliver: returns the alert post."""
    await teams.register()
    await teams.post(act.personal(teams.service_url, act.REPORTER, text))
    await teams.drain()
    alerts = [c for c in teams.connector.posts_to(act.CHANNEL) if REF in c.text]
    assert len(alerts) == 1
    return alerts[0]


async def _press(teams: Teams, aad: str, action: str, value: str = REF, **kw: Any) -> dict[str, Any]:
    data = {"action": action, "incident": value.split(":")[0]}
    if ":" in value:
        data["value"] = value
    response = await teams.post(act.card_action(teams.service_url, aad, data, **kw))
    assert response.status == 200
    return json.loads(await response.text())


async def test_only_an_admin_can_register_a_channel(teams: Teams) -> None:
    refused = await teams.post(act.channel_mention(teams.service_url, act.STRANGER, "register supervisors"))
    assert refused.status == 200
    refusal = teams.connector.posts()[-1].text
    assert "HAVEN_TEAMS_ADMINS" in refusal and act.STRANGER in refusal, "the reason names the variable and the id"
    assert await registered_channel(teams.runtime.ctx, "teams", Audience.SUPERVISORS) is None

    await teams.register()
    assert "now receives the supervisors of Head office" in teams.connector.posts()[-1].text
    stored = await registered_channel(teams.runtime.ctx, "teams", Audience.SUPERVISORS)
    assert stored is not None
    assert stored["channelId"] == act.CHANNEL  # ;messageid= stripped
    assert (stored["teamId"], stored["tenantId"], stored["serviceUrl"]) == (act.TEAM, act.TENANT, teams.service_url)


async def test_the_alert_is_a_new_top_level_post_in_the_registered_channel(teams: Teams) -> None:
    alert = await _report(teams)
    assert alert.kind == "send" and alert.conversation == act.CHANNEL  # not a reply in the register thread
    card = alert.cards[0]
    assert "he threatened me" in alert.text
    assert "Rei Reporter" in json.dumps(card)  # the reporter, as a mention
    buttons = {a["verb"]: a for a in card["actions"]}
    assert {"acknowledge", "resolve", "discontinue_service"} <= set(buttons)
    assert buttons["acknowledge"]["type"] == "Action.Execute"
    assert buttons["acknowledge"]["data"] == {"action": "acknowledge", "incident": REF}


async def test_a_non_member_is_refused_and_nothing_changes(teams: Teams) -> None:
    await _report(teams)
    before = len(teams.connector.calls)
    body = await _press(teams, act.STRANGER, "acknowledge")
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "Only supervisors" in body["value"]
    await teams.drain()
    assert [c.kind for c in teams.connector.calls[before:]] == ["member"]
    record = await detail(teams.runtime.db, REF)
    assert record is not None and record["status"] == "open"
    assert [e["kind"] for e in record["events"]] == ["reported"]


async def test_a_failed_member_look_up_refuses_the_action(teams: Teams) -> None:
    await _report(teams)
    teams.connector.add_member(act.TEAM, act.SUPERVISOR)
    teams.connector.fail(500, kind="member")
    body = await _press(teams, act.SUPERVISOR, "acknowledge")
    assert "couldn't verify" in body["value"]
    record = await detail(teams.runtime.db, REF)
    assert record is not None and record["status"] == "open"


async def test_acknowledging_refreshes_the_card_and_tells_the_reporter(teams: Teams) -> None:
    alert = await _report(teams)
    teams.connector.add_member(act.TEAM, act.SUPERVISOR)
    body = await _press(teams, act.SUPERVISOR, "acknowledge")
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    card = json.dumps(body["value"], ensure_ascii=False)
    assert "<at>Sam Supervisor</at>" in card
    mentioned = [e["mentioned"] for e in body["value"]["msteams"]["entities"]]
    assert {"id": act.SUPERVISOR, "name": "Sam Supervisor"} in mentioned
    assert "acknowledge" not in [a["verb"] for a in body["value"]["actions"]]

    await teams.drain()
    updates = teams.connector.of("update")
    assert [(u.conversation, u.activity_id) for u in updates] == [(act.CHANNEL, alert.activity_id)]
    told = [c for c in teams.connector.posts_to(f"a:personal-{act.REPORTER}") if "Update on your report" in c.text]
    assert len(told) == 1 and REF in told[0].text
    record = await detail(teams.runtime.db, REF)
    assert record is not None and record["status"] == "acknowledged"
    assert record["events"][-1]["actor"] == act.SUPERVISOR


async def test_the_same_data_as_an_action_submit_value_is_accepted(teams: Teams) -> None:
    await _report(teams)
    teams.connector.add_member(act.TEAM, act.SUPERVISOR)
    response = await teams.post(act.card_submit(teams.service_url, act.SUPERVISOR,
                                                {"action": "acknowledge", "incident": REF}))
    assert response.status == 200
    record = await detail(teams.runtime.db, REF)
    assert record is not None and record["status"] == "acknowledged"


async def test_an_option_needing_approval_is_approved_by_another_supervisor(teams: Teams) -> None:
    alert = await _report(teams)
    for member in (act.SUPERVISOR, act.SECOND):
        teams.connector.add_member(act.TEAM, member)
    await _press(teams, act.SUPERVISOR, "discontinue_service")
    await teams.drain()
    thread = f"{act.CHANNEL};messageid={alert.activity_id}"
    (request,) = [c for c in teams.connector.posts_to(thread) if c.cards and "actions" in c.cards[0]]
    approve = {a["verb"]: a for a in request.cards[0]["actions"]}["approve"]
    value = approve["data"]["value"]
    assert approve["data"]["incident"] == REF and value.startswith(f"{REF}:")

    own = await _press(teams, act.SUPERVISOR, "approve", value)
    assert "Another supervisor" in own["value"]
    approved = await _press(teams, act.SECOND, "approve", value)
    assert approved["statusCode"] == 200
    await teams.drain()
    record = await detail(teams.runtime.db, REF)
    assert record is not None
    assert [e["kind"] for e in record["events"]][-2:] == ["proposed", "approved"]
    told = [c.text for c in teams.connector.posts_to(f"a:personal-{act.REPORTER}") if "Update on your report" in c.text]
    assert len(told) == 1 and REF in told[0]
    assert any(u.activity_id == request.activity_id for u in teams.connector.of("update"))


async def test_talk_now_reaches_an_owner_who_never_wrote_to_the_bot(teams: Teams) -> None:
    await _report(teams)
    teams.connector.add_member(act.TEAM, act.SUPERVISOR)
    await _press(teams, act.SUPERVISOR, "acknowledge")
    await teams.drain()
    body = await _press(teams, act.REPORTER, "talk_now", channel=None)
    assert REF in body["value"]
    await teams.drain()
    (created,) = teams.connector.of("create")
    assert created.body["members"][0]["aadObjectId"] == act.SUPERVISOR
    assert created.body["channelData"] == {"tenant": {"id": act.TENANT}}
    assert created.body["members"][0]["id"] == f"29:{act.SUPERVISOR}"
    (talk,) = [c for c in teams.connector.posts() if "would like to talk" in c.text]
    assert talk.conversation is not None and talk.conversation.startswith("a:personal-")
    assert talk.conversation != f"a:personal-{act.REPORTER}"
    assert REF in talk.text
    stored = await load_link(teams.runtime.ctx, "teams", f"user:{act.SUPERVISOR}")
    assert stored is not None and stored["conversationId"] == talk.conversation


async def test_a_private_refusal_whose_dm_fails_is_not_posted_in_the_channel(
        teams: Teams, caplog: pytest.LogCaptureFixture) -> None:
    await _report(teams)
    before = len(teams.connector.posts())
    teams.connector.fail(502, kind="create")  # the 1:1 chat carrying the refusal cannot be opened
    response = await teams.post(act.card_submit(teams.service_url, act.STRANGER,
                                                {"action": "acknowledge", "incident": REF}))
    assert response.status == 200
    assert teams.connector.posts()[before:] == []  # nothing public, no "unexpected error"
    failed = [r.getMessage() for r in caplog.records if "private reply" in r.getMessage()]
    assert failed and act.STRANGER in failed[0] and "502" in failed[0]
    assert not any(act.NAMES[act.STRANGER] in r.getMessage() for r in caplog.records)
    record = await detail(teams.runtime.db, REF)
    assert record is not None and record["status"] == "open"


async def test_a_page_in_the_escalation_channel_can_be_acknowledged_by_that_teams_members(teams: Teams) -> None:
    await teams.register()
    response = await teams.post(act.channel_mention(teams.service_url, act.ADMIN, "register escalation",
                                                    channel=act.ESCALATION_CHANNEL, team=act.ESCALATION_TEAM))
    assert response.status == 200
    await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse he threatened me"))
    await teams.drain()
    teams.runtime.ctx.clock.advance(timedelta(hours=2, minutes=1))  # type: ignore[attr-defined]
    await teams.runtime.sweeper.tick()
    await teams.drain()
    [page] = [c for c in teams.connector.posts_to(act.ESCALATION_CHANNEL) if REF in c.text]
    teams.connector.add_member(act.ESCALATION_TEAM, act.MANAGER)  # not in the supervisors' team
    here = {"channel": act.ESCALATION_CHANNEL, "team": act.ESCALATION_TEAM, "reply_to": page.activity_id}
    body = await _press(teams, act.MANAGER, "acknowledge", **here)
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    record = await detail(teams.runtime.db, REF)
    assert record is not None and record["status"] == "acknowledged"
    assert record["events"][-1]["actor"] == act.MANAGER
    await teams.drain()
    assert (act.ESCALATION_CHANNEL, page.activity_id) in {(u.conversation, u.activity_id)
                                                          for u in teams.connector.of("update")}
    body = await _press(teams, act.MANAGER, "request_understanding")  # but not on the supervisors' alert
    assert "Only supervisors" in body["value"]
