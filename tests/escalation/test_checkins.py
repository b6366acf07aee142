"""Check-ins: at the policy's offsets moved into business time; each answer does what it says."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.model.messages import Audience
from tests.escalation.conftest import REPORTER, SECOND, World, jst, make_world


def checkins(world: World) -> list[object]:
    return world.sent("checkin", Audience.USER)


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        pytest.param(jst(2026, 12, 4, 15, 0),  # Friday afternoon: +1 day is a Saturday
                     [jst(2026, 12, 7, 10, 0), jst(2026, 12, 7, 15, 0), jst(2026, 12, 18, 15, 0)], id="weekend"),
        pytest.param(jst(2026, 12, 1, 22, 0),  # Tuesday night: each lands at night
                     [jst(2026, 12, 3, 10, 0), jst(2026, 12, 7, 10, 0), jst(2026, 12, 16, 10, 0)], id="night"),
        pytest.param(jst(2026, 12, 28, 12, 0),  # closure 12/29-1/3, then 2027-01-11 (Coming of Age Day)
                     [jst(2027, 1, 4, 10, 0), jst(2027, 1, 5, 10, 0), jst(2027, 1, 12, 10, 0)],
                     id="closure-and-holiday"),
    ],
)
async def test_checkins_are_sent_in_business_time_and_not_a_second_early(
    fresh_database_url: str, reported: datetime, expected: list[datetime]
) -> None:
    world = await make_world(fresh_database_url, reported)
    try:
        ref = await world.quick()
        planned = [c["due_at"] for c in (await world.show(ref))["checkins"]]
        assert planned == [e.isoformat() + "Z" for e in expected]
        for n, due in enumerate(expected, start=1):
            await world.at(due - SECOND)
            assert len(checkins(world)) == n - 1
            await world.at(due)
            assert len(checkins(world)) == n
            sent = checkins(world)[-1]
            assert sent.target.user_id == REPORTER  # type: ignore[attr-defined]
            actions = [b.action for b in sent.message.buttons]  # type: ignore[attr-defined]
            assert actions == ["followup_ok", "followup_talk", "followup_stop"]
        assert (await world.events(ref)).count("checkin_sent") == 3
    finally:
        await world.runtime.db.dispose()


async def _first_checkin(world: World) -> tuple[str, str, datetime]:
    t0 = world.clock.now()
    ref = await world.quick("he followed me to my car")
    dues = [c["due_at"] for c in (await world.show(ref))["checkins"]]
    first = datetime.fromisoformat(dues[0].removesuffix("Z"))
    await world.at(first)
    value = checkins(world)[-1].message.buttons[0].value  # type: ignore[attr-defined]
    assert value.startswith(f"{ref}:")
    return ref, value, t0


async def test_ok_is_stored_and_audited_and_the_next_checkin_still_comes(world: World) -> None:
    ref, value, _ = await _first_checkin(world)
    result = await world.press(REPORTER, "followup_ok", value, Audience.USER)
    assert result.replies[0].private and "Thank you" in result.replies[0].message.text
    data = await world.show(ref)
    assert data["checkins"][0]["answer"] == "ok" and data["checkins"][0]["answered_at"]
    assert [e["detail"]["answer"] for e in data["events"] if e["kind"] == "checkin_answered"] == ["ok"]
    again = await world.press(REPORTER, "followup_ok", value, Audience.USER)
    assert "already answered" in again.replies[0].message.text
    second = datetime.fromisoformat(data["checkins"][1]["due_at"].removesuffix("Z"))
    await world.at(second)
    assert len(checkins(world)) == 2


async def test_stop_cancels_the_remaining_checkins(world: World) -> None:
    ref, value, _ = await _first_checkin(world)
    result = await world.press(REPORTER, "followup_stop", value, Audience.USER)
    assert "won't check in" in result.replies[0].message.text
    await world.at(jst(2027, 2, 1, 12, 0))
    assert len(checkins(world)) == 1
    data = await world.show(ref)
    assert [c["state"] for c in data["checkins"]] == ["done", "cancelled", "cancelled"]
    assert data["checkins"][0]["answer"] == "stop"


async def test_talk_privately_alerts_the_owner(world: World) -> None:
    ref, value, _ = await _first_checkin(world)
    await world.press("sato", "acknowledge", ref)
    result = await world.press(REPORTER, "followup_talk", value, Audience.USER)
    assert result.replies[0].private
    [request] = world.sent("talk_request")
    assert request.target is not None and request.target.audience == Audience.USER
    assert request.target.user_id == "sato", "a DM to the owner"
    data = await world.show(ref)
    assert data["checkins"][0]["answer"] == "talk"
    kinds = [e["kind"] for e in data["events"]]
    assert "checkin_answered" in kinds and "talk_requested" in kinds


async def test_talk_without_an_owner_tells_the_channel_without_details(world: World) -> None:
    ref, value, _ = await _first_checkin(world)
    await world.press(REPORTER, "followup_talk", value, Audience.USER)
    [request] = world.sent("talk_request")
    assert request.target is not None and request.target.audience == Audience.SUPERVISORS
    assert ref in request.message.text
    assert "car" not in request.message.text and not request.message.facts, "no details in the channel"
    assert REPORTER not in request.message.text and not request.message.mentions


async def test_only_the_reporter_may_answer_a_checkin(world: World) -> None:
    ref, value, _ = await _first_checkin(world)
    result = await world.press("sato", "followup_stop", value, Audience.USER)
    assert not result.changed
    assert (await world.show(ref))["checkins"][1]["state"] == "pending"


async def test_checkins_go_on_after_the_incident_is_resolved(world: World) -> None:
    t0 = world.clock.now()
    ref = await world.quick()
    await world.press("sato", "acknowledge", ref)
    await world.press("sato", "resolve", ref)
    for checkin in (await world.show(ref))["checkins"]:
        await world.at(datetime.fromisoformat(checkin["due_at"].removesuffix("Z")))
    assert len(checkins(world)) == 3
    assert t0 < world.clock.now()


async def test_a_burst_of_checkins_offers_hr_where_an_hr_channel_exists(world: World) -> None:
    """Many check-ins due at once are written as one batch; each offers HR when the
    platform has an HR channel, and only on the line route."""
    world.messenger.reachable_audiences.add(Audience.HR)
    line = [await world.quick(f"he insulted me, time {i}", user=f"emp{i}") for i in range(3)]
    to_hr = await world.form("denigration", user="emp9", to_hr="true")
    dues = [datetime.fromisoformat((await world.show(ref))["checkins"][0]["due_at"].removesuffix("Z"))
            for ref in [*line, to_hr]]
    await world.at(max(dues))
    sent = {s.message.incident: [b.action for b in s.message.buttons] for s in checkins(world)}  # type: ignore[attr-defined]
    assert set(sent) == {*line, to_hr}
    assert all("talk_hr" in sent[ref] for ref in line)
    assert "talk_hr" not in sent[to_hr], "already with HR"
