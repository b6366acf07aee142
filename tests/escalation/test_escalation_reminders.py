"""Acknowledged is not done: resolution reminders, and asking for a second responder."""

from __future__ import annotations

from datetime import timedelta

from bot.model.messages import Audience, Kind
from tests.escalation.conftest import SECOND, World

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


async def test_owner_then_channel_reminded_past_resolve_within(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.form("violence")  # critical: resolve_within 4 h, ack_within 5 min
    await world.at(t0 + 2 * MINUTE)
    await world.press("sato", "acknowledge", ref)
    acked = t0 + 2 * MINUTE

    await world.at(acked + 4 * HOUR - SECOND)
    assert world.sent(Kind.REMIND_OWNER, Audience.USER) == []
    await world.at(acked + 4 * HOUR)
    [owner] = world.sent(Kind.REMIND_OWNER, Audience.USER)
    assert owner.target is not None and owner.target.user_id == "sato", "the owner, by DM"
    assert ref in owner.message.text
    assert owner.meta.kind == "reminder", "on the wire every reminder is a haven_reminder (the contract)"

    channel = world.sent(Kind.REMIND_CHANNEL, Audience.SUPERVISORS)
    assert channel == []
    await world.at(acked + 4 * HOUR + 5 * MINUTE - SECOND)
    assert world.sent(Kind.REMIND_CHANNEL, Audience.SUPERVISORS) == []
    await world.at(acked + 4 * HOUR + 5 * MINUTE)
    [channel_reminder] = world.sent(Kind.REMIND_CHANNEL, Audience.SUPERVISORS)
    assert channel_reminder.thread == world.alert_ref(ref)
    assert "sato" in channel_reminder.message.mentions
    reminded = [e.get("detail", {}).get("to") for e in (await world.show(ref))["events"] if e["kind"] == "reminded"]
    assert "owner" in reminded and "channel" in reminded


async def test_resolving_stops_the_reminders(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.form("violence")
    await world.press("sato", "acknowledge", ref)
    await world.press("suzuki", "join", ref)
    await world.at(t0 + HOUR)
    await world.press("sato", "resolve", ref)
    await world.at(t0 + 10 * HOUR)
    assert world.sent(Kind.REMIND_OWNER) == world.sent(Kind.REMIND_CHANNEL) == world.sent(Kind.ASK_JOIN) == []
    states = {t["kind"]: t["state"] for t in (await world.show(ref))["timers"]}
    assert states["remind_owner"] == "cancelled" and states["remind_channel"] == "cancelled"


async def test_join_is_asked_every_ack_within_until_someone_other_than_the_owner_joins(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.form("violence")  # critical: responders 2, ack_within 5 min
    await world.press("sato", "acknowledge", ref)

    def asks() -> list[object]:
        return world.sent(Kind.ASK_JOIN, Audience.SUPERVISORS)

    await world.at(t0 + 5 * MINUTE - SECOND)
    assert asks() == []
    await world.at(t0 + 5 * MINUTE)
    assert len(asks()) == 1
    first = asks()[0]
    assert "join" in [b.action for b in first.message.buttons]  # type: ignore[attr-defined]
    assert first.thread == world.alert_ref(ref)  # type: ignore[attr-defined]
    await world.at(t0 + 10 * MINUTE - SECOND)
    assert len(asks()) == 1
    await world.at(t0 + 10 * MINUTE)
    assert len(asks()) == 2

    refused = await world.press("sato", "join", ref)
    assert not refused.changed, "the owner is not a second responder"
    await world.at(t0 + 15 * MINUTE)
    assert len(asks()) == 3

    assert (await world.press("suzuki", "join", ref)).changed
    await world.at(t0 + 20 * MINUTE)
    await world.at(t0 + 2 * HOUR)
    assert len(asks()) == 3, "joining stops the asking"
    data = await world.show(ref)
    assert data["second_responder_id"] == "suzuki"
    assert not [t for t in data["timers"] if t["kind"] == "ask_join" and t["state"] == "pending"]


async def test_one_responder_severities_never_ask_to_join(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.quick()  # normal: responders 1
    await world.press("sato", "acknowledge", ref)
    await world.at(t0 + 3 * HOUR)
    assert [t for t in (await world.show(ref))["timers"] if t["kind"] == "ask_join"] == []
