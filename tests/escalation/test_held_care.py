"""Care on a report held for HR (spec 8.2, 8.3), in process on SQLite and PostgreSQL:
while held nothing is sent to anyone and the employee is told so honestly; the request
to talk and the raise are kept, and go out, with deadlines from that moment, when the
report is released (to the site's supervisors, or to a new HR channel)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.flows import moves
from bot.model.messages import Audience
from tests.escalation.conftest import REPORTER, World
from tests.support.recording import PLATFORM

CHANNELS = (Audience.SUPERVISORS, Audience.ESCALATION, Audience.HR)


async def held_report(world: World) -> str:
    ref = await world.form("sexual_harassment", description="he touched me in the stockroom")
    assert (await world.show(ref))["route"] == "held"
    return ref


def reply_text(result) -> str:  # type: ignore[no-untyped-def]
    [reply] = result.replies
    return str(reply.message.text)


def reply_actions(result) -> list[str]:  # type: ignore[no-untyped-def]
    [reply] = result.replies
    return [str(b.action) for b in reply.message.buttons]


def channel_posts(world: World) -> list[object]:
    return [s for s in world.messenger.sent if s.target is not None and s.target.audience in CHANNELS]


async def pending(world: World, ref: str) -> Counter[str]:
    return Counter(t["kind"] for t in (await world.show(ref))["timers"] if t["state"] == "pending")


async def test_while_held_in_danger_and_talk_now_send_nothing_and_say_so(world: World) -> None:
    ref = await held_report(world)
    danger = await world.press(REPORTER, "in_danger", ref, Audience.USER)
    assert "nobody could be alerted" in reply_text(danger) and "supervisors are being alerted" not in reply_text(danger)
    assert "route_supervisors" in reply_actions(danger)
    talk = await world.press(REPORTER, "talk_now", ref, Audience.USER)
    assert "nobody could be asked" in reply_text(talk) and "We have asked" not in reply_text(talk)
    assert {"route_supervisors", "talk_cancel"} <= set(reply_actions(talk))
    again = await world.press(REPORTER, "talk_now", ref, Audience.USER)
    assert "nobody could be asked" in reply_text(again), "still held: not 'we keep reminding'"

    await world.at(world.clock.now() + timedelta(hours=3))
    shown = await world.show(ref)
    assert channel_posts(world) == []
    assert all(row["audience"] == "user" and row["state"] != "dead" for row in shown["outbox"])
    assert await pending(world, ref) == Counter(), "no deadline runs while held"
    [talk_row] = shown["talk_requests"]
    assert talk_row["state"] == "open" and talk_row["route"] == "held"
    [asked] = [e for e in shown["events"] if e["kind"] == "talk_requested"]
    assert asked["detail"]["route"] == "held" and asked["detail"]["to"] == "nobody"
    assert shown["severity"] == "critical" and "in_danger" in shown["flags"]


async def test_sent_to_supervisors_the_kept_talk_request_goes_out_with_fresh_deadlines(world: World) -> None:
    ref = await held_report(world)
    await world.press(REPORTER, "in_danger", ref, Audience.USER)
    await world.press(REPORTER, "talk_now", ref, Audience.USER)
    await world.at(world.clock.now() + timedelta(hours=1))
    released_at = world.clock.now()
    await world.press(REPORTER, "route_supervisors", ref, Audience.USER)

    [asked] = world.sent("talk_request", Audience.SUPERVISORS)
    assert ref in asked.message.text and asked.message.buttons[0].action == "talk_accept"
    told = [s.message.text for s in world.messenger.to(Audience.USER, REPORTER)]
    assert any("sent to your supervisors" in text and "talk" in text for text in told)
    shown = await world.show(ref)
    [talk_row] = shown["talk_requests"]
    assert talk_row["route"] == "supervisors" and talk_row["state"] == "open"
    talk_due = {t["kind"]: t["due_at"] for t in shown["timers"] if t["kind"].startswith("talk")}
    assert talk_due == {"talk_renotify": (released_at + timedelta(minutes=30)).isoformat() + "Z",
                        "talk_page": (released_at + timedelta(hours=1)).isoformat() + "Z"}
    # one of each deadline (critical: one re-notification, the page, the join ask), from the release
    assert await pending(world, ref) == Counter(
        {"renotify": 1, "page": 1, "ask_join": 1, "talk_renotify": 1, "talk_page": 1})
    again = await world.press(REPORTER, "talk_now", ref, Audience.USER)
    assert "keep reminding your supervisors" in reply_text(again)

    await world.at(released_at + timedelta(minutes=5))  # critical: ack within 5 min
    asks = world.sent("ask_join", Audience.SUPERVISORS)
    assert len(asks) == 1, "the second responder is asked once"
    assert "other than -" not in asks[0].message.text and "Nobody has acknowledged" in asks[0].message.text


async def test_an_hr_channel_registered_later_gets_the_kept_talk_request(world: World) -> None:
    ref = await held_report(world)
    await world.press(REPORTER, "talk_now", ref, Audience.USER)
    world.messenger.reachable_audiences.add(Audience.HR)
    assert await moves.release_held(world.runtime.ctx, PLATFORM) == 1
    await world.runtime.dispatcher.drain()

    assert [s.target.audience for s in channel_posts(world)] == [Audience.HR, Audience.HR]  # type: ignore[attr-defined]
    [asked] = world.sent("talk_request", Audience.HR)
    assert "from HR" in asked.message.text
    told = [s.message.text for s in world.messenger.to(Audience.USER, REPORTER)]
    assert any("sent to HR" in text for text in told)
    shown = await world.show(ref)
    assert shown["route"] == "hr" and shown["talk_requests"][0]["route"] == "hr"
    assert (await pending(world, ref))["talk_page"] == 1


async def test_on_the_hr_route_a_talk_request_goes_to_hr_not_to_the_line_owner(world: World) -> None:
    world.messenger.reachable_audiences.add(Audience.HR)
    world.directory.hr.add("hrmember")
    ref = await world.form("denigration", description="the customer shouted at me")
    await world.press("sato", "acknowledge", ref)
    await world.press("sato", "move_to_hr", ref)
    talk = await world.press(REPORTER, "talk_now", ref, Audience.USER)
    assert "asked HR" in reply_text(talk) and "asked your supervisors" not in reply_text(talk)
    assert world.messenger.to(Audience.USER, "sato") == [], "the line owner is not asked"
    [asked] = world.sent("talk_request", Audience.HR)
    value = asked.message.buttons[0].value
    accepted = await world.press("hrmember", "talk_accept", value, Audience.HR)
    assert "Please reach out" in reply_text(accepted)
    # HR can act on the incident the line supervisor had taken over
    resolved = await world.press("hrmember", "resolve", ref, Audience.HR)
    assert not resolved.replies or "Only HR" not in reply_text(resolved)
    assert (await world.show(ref))["status"] == "resolved"


async def test_hr_route_wording_on_the_card_and_the_check_in(world: World) -> None:
    world.messenger.reachable_audiences.add(Audience.HR)
    ref = await world.form("sexual_harassment", description="he touched me in the stockroom")
    [card] = world.sent("alert", Audience.HR)
    assert card.message.text == "Waiting for HR"
    await world.at(world.clock.now() + timedelta(days=4))
    checkin = world.sent("checkin", Audience.USER)[0]
    assert ref in checkin.message.text and "supervisors" not in checkin.message.text
    assert "HR" in checkin.message.text
