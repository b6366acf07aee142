"""The Slack messenger and directory against the fake Web API: posts, threads, updates,
and Slack's failures mapped to retry, wait or dead letter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.api import make_client
from adapters.slack.directory import SlackDirectory
from adapters.slack.messenger import SlackMessenger
from bot.flows.permissions import may_act
from bot.model.messages import Audience, Kind, Message
from bot.model.ports import DeliveryError, LookupFailed, Meta, PostRef, Target
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.slack.support import ESCALATION, SUPERVISORS

META = Meta(kind="alert", incident="INC-2026-000007", outbox_id=42)
ALERT = Message(kind=Kind.ALERT, title="Normal report INC-2026-000007", text="Waiting", incident="INC-2026-000007")


@pytest.fixture
async def client(fake_slack: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    yield make_client(BOT_TOKEN, fake_slack.api_url.rstrip("/"))


@pytest.fixture
def messenger(client: AsyncWebClient) -> SlackMessenger:
    return SlackMessenger(client, supervisors=SUPERVISORS, escalation=None)


async def test_a_post_goes_to_the_audiences_channel_with_metadata(
        messenger: SlackMessenger, fake_slack: FakeSlack) -> None:
    ref = await messenger.post(Target(Audience.SUPERVISORS), ALERT, meta=META)
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.args["channel"] == SUPERVISORS
    assert call.args["metadata"] == {"event_type": "haven_alert",
                                     "event_payload": {"outbox_id": 42, "incident": "INC-2026-000007"}}
    assert ref.data["channel"] == SUPERVISORS
    assert (SUPERVISORS, ref.data["ts"]) in fake_slack.messages


async def test_a_direct_message_goes_to_the_user_id_and_can_be_updated(
        messenger: SlackMessenger, fake_slack: FakeSlack) -> None:
    ref = await messenger.post(Target(Audience.USER, "UEMPLOYEE"), ALERT, meta=META)
    assert fake_slack.calls_to("chat.postMessage")[0].args["channel"] == "UEMPLOYEE"
    assert ref.data["channel"] == "DEMPLOYEE"  # the DM channel Slack answered with
    await messenger.update(ref, ALERT, meta=META)
    [update] = fake_slack.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (ref.data["channel"], ref.data["ts"])
    assert update.args["metadata"]["event_type"] == "haven_alert"


async def test_a_channel_mention_in_a_thread_is_broadcast(messenger: SlackMessenger, fake_slack: FakeSlack) -> None:
    parent = await messenger.post(Target(Audience.SUPERVISORS), ALERT, meta=META)
    urgent = Message(kind=Kind.RENOTIFY, text="Still waiting", mention_channel=True)
    await messenger.post(Target(Audience.SUPERVISORS), urgent, meta=META, thread=parent)
    quiet = Message(kind=Kind.APPROVAL_REQUEST, text="Approve?")
    await messenger.post(Target(Audience.SUPERVISORS), quiet, meta=META, thread=parent)
    _, loud, calm = fake_slack.calls_to("chat.postMessage")
    assert loud.args["thread_ts"] == parent.data["ts"] and loud.args["reply_broadcast"] is True
    assert loud.args["text"].startswith("<!here>")
    assert calm.args["thread_ts"] == parent.data["ts"] and "reply_broadcast" not in calm.args


async def test_rate_limits_wait_for_retry_after(messenger: SlackMessenger, fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit("chat.postMessage", retry_after=7)
    with pytest.raises(DeliveryError) as caught:
        await messenger.post(Target(Audience.SUPERVISORS), ALERT, meta=META)
    assert caught.value.retry_after == 7 and not caught.value.permanent


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived", "invalid_auth"])
async def test_permanent_slack_errors_go_to_dead_letter(
        messenger: SlackMessenger, fake_slack: FakeSlack, error: str) -> None:
    fake_slack.fail("chat.postMessage", error)
    with pytest.raises(DeliveryError) as caught:
        await messenger.post(Target(Audience.SUPERVISORS), ALERT, meta=META)
    assert caught.value.permanent and error in caught.value.reason


async def test_server_errors_and_unknown_errors_are_retried(messenger: SlackMessenger, fake_slack: FakeSlack) -> None:
    fake_slack.script("chat.postMessage", status=503, body={"ok": False, "error": "service_unavailable"})
    with pytest.raises(DeliveryError) as caught:
        await messenger.post(Target(Audience.SUPERVISORS), ALERT, meta=META)
    assert not caught.value.permanent and caught.value.retry_after is None
    fake_slack.script("chat.update", status=500, body={"ok": False})
    with pytest.raises(DeliveryError) as caught:
        await messenger.update(PostRef({"channel": SUPERVISORS, "ts": "1.2"}), ALERT, meta=META)
    assert not caught.value.permanent


async def test_a_timeout_is_retried(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, timeout=0.2)
    fake_slack.delay("chat.postMessage", 1.0)
    with pytest.raises(DeliveryError) as caught:
        await SlackMessenger(client, supervisors=SUPERVISORS, escalation=None).post(
            Target(Audience.SUPERVISORS), ALERT, meta=META)
    assert not caught.value.permanent


async def test_an_unconfigured_escalation_channel_is_unreachable(messenger: SlackMessenger) -> None:
    assert await messenger.reachable(Audience.SUPERVISORS)
    assert not await messenger.reachable(Audience.ESCALATION)
    with pytest.raises(DeliveryError) as caught:
        await messenger.post(Target(Audience.ESCALATION), ALERT, meta=META)
    assert caught.value.permanent


async def test_membership_is_every_page_of_the_audience_channel(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    directory = SlackDirectory(client, supervisors=SUPERVISORS, escalation=ESCALATION)
    assert await directory.is_member("USUP3", Audience.SUPERVISORS)
    assert not await directory.is_member("UMANAGER", Audience.SUPERVISORS)
    assert await directory.is_member("UMANAGER", Audience.ESCALATION)
    assert not await directory.is_member("USUP3", Audience.USER)


async def test_escalation_members_may_act_only_on_pages(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    directory = SlackDirectory(client, supervisors=SUPERVISORS, escalation=ESCALATION)
    assert not await may_act(directory, "UMANAGER", audience=Audience.SUPERVISORS)
    assert await may_act(directory, "UMANAGER", audience=Audience.ESCALATION)
    assert await may_act(directory, "USUP1", audience=Audience.ESCALATION)
    assert not await may_act(directory, "UNOBODY", audience=Audience.ESCALATION)


async def test_membership_is_looked_up_again_after_sixty_seconds(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    now = [1000.0]
    directory = SlackDirectory(client, supervisors=SUPERVISORS, escalation=None, monotonic=lambda: now[0])
    assert not await directory.is_member("UNEW", Audience.SUPERVISORS)
    fake_slack.channels[SUPERVISORS].members.append("UNEW")
    now[0] += 59
    assert not await directory.is_member("UNEW", Audience.SUPERVISORS)
    now[0] += 2
    assert await directory.is_member("UNEW", Audience.SUPERVISORS)


async def test_a_failed_page_fails_closed(client: AsyncWebClient, fake_slack: FakeSlack) -> None:
    directory = SlackDirectory(client, supervisors=SUPERVISORS, escalation=None)
    fake_slack.script("conversations.members", body={"ok": True, "members": ["USUP1", "USUP2"],
                                                     "response_metadata": {"next_cursor": "2"}})
    fake_slack.rate_limit("conversations.members", retry_after=1)
    with pytest.raises(LookupFailed):
        await directory.is_member("USUP1", Audience.SUPERVISORS)


async def test_a_slow_membership_lookup_fails_closed_in_time(client: AsyncWebClient, fake_slack: FakeSlack,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import adapters.slack.directory as directory_module

    monkeypatch.setattr(directory_module, "LOOKUP_SECONDS", 0.2)
    fake_slack.delay("conversations.members", 1.0)
    with pytest.raises(LookupFailed):
        await SlackDirectory(client, supervisors=SUPERVISORS, escalation=None).is_member(
            "USUP1", Audience.SUPERVISORS)
