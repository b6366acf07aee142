"""The Teams messenger against Bot Connector faults, and the member look-up cache."""

from __future__ import annotations

import pytest

from bot.model.messages import Audience, Kind, Message
from bot.model.ports import DeliveryError, LookupFailed, Meta, PostRef, Target
from bot.app.records import detail
from tests.teams import activities as act
from tests.teams.conftest import Teams

META = Meta(kind="alert", incident=None, outbox_id=1)
HELLO = Message(kind=Kind.ALERT, text=f"hello <@{act.SUPERVISOR}>", title="Title")


def _messenger(teams: Teams):  # type: ignore[no-untyped-def]
    return teams.runtime.ctx.messengers["teams"]


async def test_an_unregistered_channel_is_not_reachable_and_a_post_there_is_permanent(teams: Teams) -> None:
    messenger = _messenger(teams)
    assert not await messenger.reachable(Audience.SUPERVISORS)
    with pytest.raises(DeliveryError) as error:
        await messenger.post(Target(Audience.SUPERVISORS), HELLO, meta=META)
    assert error.value.permanent


async def test_429_is_retried_after_the_retry_after_header(teams: Teams) -> None:
    await teams.register()
    teams.connector.fail(429, kind="send", retry_after=7)
    with pytest.raises(DeliveryError) as error:
        await _messenger(teams).post(Target(Audience.SUPERVISORS), HELLO, meta=META)
    assert error.value.retry_after == 7.0 and not error.value.permanent


async def test_403_bot_not_in_roster_is_permanent(teams: Teams) -> None:
    await teams.register()
    teams.connector.fail(403, kind="send", code="BotNotInConversationRoster")
    with pytest.raises(DeliveryError) as error:
        await _messenger(teams).post(Target(Audience.SUPERVISORS), HELLO, meta=META)
    assert error.value.permanent and "BotNotInConversationRoster" in error.value.reason


async def test_500_is_transient_and_not_retried_by_the_sdk(teams: Teams) -> None:
    await teams.register()
    teams.connector.fail(500, kind="send")
    with pytest.raises(DeliveryError) as error:
        await _messenger(teams).post(Target(Audience.SUPERVISORS), HELLO, meta=META)
    assert not error.value.permanent and error.value.retry_after is None
    assert teams.connector.posts_to(act.CHANNEL) == []  # one try: the SDK did not retry into success


async def test_an_unreachable_connector_is_transient(teams: Teams) -> None:
    await teams.register()
    ref = PostRef({"conversation": act.CHANNEL, "activity": "activity-9", "channel": True,
                   "serviceUrl": "http://127.0.0.1:9/", "tenantId": act.TENANT})
    with pytest.raises(DeliveryError) as error:
        await _messenger(teams).update(ref, HELLO, meta=META)
    assert not error.value.permanent


async def test_a_throttled_alert_is_delivered_after_the_outbox_backs_off(teams: Teams) -> None:
    await teams.register()
    teams.connector.fail(429, kind="send", retry_after=0)
    await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse shouted"))
    await teams.drain()
    assert [c for c in teams.connector.posts_to(act.CHANNEL) if "INC-2026-000001" in c.text]
    record = await detail(teams.runtime.db, "INC-2026-000001")
    assert record is not None
    (alert,) = [o for o in record["outbox"] if o["kind"] == "alert"]
    assert alert["state"] == "sent" and alert["attempts"] >= 2


async def test_a_mention_of_a_known_person_is_a_teams_mention(teams: Teams) -> None:
    await teams.register()
    await teams.post(act.personal(teams.service_url, act.SUPERVISOR, "help"))
    await _messenger(teams).post(Target(Audience.SUPERVISORS), HELLO, meta=META)
    card = teams.connector.posts_to(act.CHANNEL)[-1].cards[0]
    assert card["body"][1]["text"] == "hello <at>Sam Supervisor</at>"
    assert card["msteams"]["entities"][0]["mentioned"] == {"id": act.SUPERVISOR, "name": "Sam Supervisor"}


async def test_the_member_look_up_is_cached_and_fails_closed(teams: Teams) -> None:
    await teams.register()
    directory = teams.runtime.ctx.directories["teams"]
    clock = [100.0]
    directory.monotonic = lambda: clock[0]
    teams.connector.add_member(act.TEAM, act.SUPERVISOR)
    assert await directory.is_member(act.SUPERVISOR, Audience.SUPERVISORS)
    teams.connector.remove_member(act.TEAM, act.SUPERVISOR)
    assert await directory.is_member(act.SUPERVISOR, Audience.SUPERVISORS)  # cached
    clock[0] += 61
    assert not await directory.is_member(act.SUPERVISOR, Audience.SUPERVISORS)
    assert len(teams.connector.of("member")) == 2
    teams.connector.fail(503, kind="member")
    clock[0] += 61
    with pytest.raises(LookupFailed):
        await directory.is_member(act.SUPERVISOR, Audience.SUPERVISORS)
