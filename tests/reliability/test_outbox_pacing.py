"""Pacing, digests, long retries and dead letters in the outbox dispatcher (in-process)."""

from __future__ import annotations

from datetime import timedelta

from bot.model.inbound import Actor, PressIn, ReportIn
from bot.model.messages import Audience
from bot.delivery.pacing import Pacer
from bot.model.ports import DeliveryError
from bot.app.records import detail
from bot.flows.retention import purge
from tests.reliability.conftest import World
from tests.support.recording import PLATFORM

SATO = Actor(PLATFORM, "sato", "en")


async def report(world: World, text: str, who: str = "emp1") -> str:
    outcome = await world.runtime.haven.report(ReportIn(actor=Actor(PLATFORM, who, "en"), text=text))
    assert outcome.ref is not None
    return outcome.ref


def listed(world: World) -> list[str]:
    """Every incident id that reached the supervisors: one per alert post, one per digest line."""
    refs: list[str] = []
    for sent in world.messenger.to(Audience.SUPERVISORS):
        if sent.meta.kind == "alert":
            refs.append(str(sent.message.incident))
        elif sent.meta.kind == "digest":
            refs.extend(f.label.split(" ", 1)[0] for f in sent.message.facts)
    return refs


async def test_an_alert_backlog_for_one_channel_is_posted_as_one_digest_listing_every_incident(world: World) -> None:
    world.messenger.pace_per_second = 1.0  # type: ignore[attr-defined]
    refs = [await report(world, f"burst report {i} ✉ عربى 日本語", who=f"emp{i}") for i in range(25)]
    await world.runtime.dispatcher.drain()
    world.wall.advance(timedelta(seconds=1))  # the second digest waits for the channel's next slot
    await world.runtime.dispatcher.drain()
    posts = world.messenger.to(Audience.SUPERVISORS)
    assert [p.meta.kind for p in posts] == ["digest", "digest"], "20 per digest, not 25 posts"
    assert sorted(listed(world)) == sorted(refs), "every report is in exactly one digest"
    first = posts[0].message
    assert [b.value for b in first.buttons] == [f.label.split(" ", 1)[0] for f in first.facts]
    assert all(b.action == "acknowledge" for b in first.buttons)
    data = await detail(world.runtime.db, refs[0])
    assert data is not None and [(o["kind"], o["state"]) for o in data["outbox"]] == [("alert", "digested")]
    assert b"haven_digests_total 2.0" in world.runtime.metrics.render()
    assert b'haven_alerts_delivered_total{platform="test"} 25.0' in world.runtime.metrics.render()


async def test_acknowledging_from_a_digest_posts_the_full_alert_once_and_later_edits_it(world: World) -> None:
    ticks = [0.0]
    world.messenger.pace_per_second = 1.0  # type: ignore[attr-defined]
    world.runtime.dispatcher.pacer = Pacer(clock=lambda: ticks[0])
    refs = [await report(world, f"burst {i}") for i in range(5)]
    await world.runtime.dispatcher.drain()
    assert [s.meta.kind for s in world.messenger.sent] == ["digest"]
    ticks[0] += 10
    await world.runtime.haven.press(PressIn(actor=SATO, action="acknowledge", value=refs[2]))
    await world.runtime.dispatcher.drain()
    cards = [s for s in world.messenger.sent if s.meta.kind == "alert"]
    assert len(cards) == 1 and cards[0].op == "post" and cards[0].message.incident == refs[2]
    assert "sato" in " ".join(cards[0].message.mentions), "rendered from the current state"
    ticks[0] += 10
    await world.runtime.haven.press(PressIn(actor=SATO, action="resolve", value=refs[2]))
    await world.runtime.dispatcher.drain()
    edits = [s for s in world.messenger.sent if s.meta.kind == "alert" and s.op == "update"]
    assert len(edits) == 1 and edits[0].ref == cards[0].ref, "later updates edit that card in place"
    assert len([s for s in world.messenger.sent if s.meta.kind == "alert" and s.op == "post"]) == 1


async def test_a_dead_digest_dead_letters_every_alert_it_listed_visibly(world: World) -> None:
    world.messenger.pace_per_second = 1.0  # type: ignore[attr-defined]
    world.messenger.failures = [DeliveryError("slack channel_not_found", permanent=True)]
    refs = [await report(world, f"burst {i}") for i in range(6)]
    await world.runtime.dispatcher.drain()
    for ref in refs:
        data = await detail(world.runtime.db, ref)
        assert data is not None
        assert [(o["kind"], o["state"]) for o in data["outbox"]] == [("alert", "dead")]
        assert [e["kind"] for e in data["events"]].count("dead_letter") == 1
    metrics = world.runtime.metrics.render()
    assert b'haven_outbox_dead_letters_total{kind="digest",platform="test"} 1.0' in metrics
    assert b'haven_outbox_dead_letters_total{kind="alert",platform="test"} 6.0' in metrics


async def test_transient_failures_retry_for_more_than_a_day_and_dead_letter_after_two(world: World) -> None:
    world.messenger.failures = [DeliveryError("slack http_503")] * 1000
    ref = await report(world, "he shouted")
    attempts = 0
    while world.wall.now() - world.clock.now() < timedelta(hours=30):
        await world.runtime.dispatcher.drain()
        world.wall.advance(timedelta(minutes=20))
    data = await detail(world.runtime.db, ref)
    assert data is not None and data["outbox"][0]["state"] == "pending", "still retrying after 30 h"
    attempts = data["outbox"][0]["attempts"]
    assert attempts > 50
    world.wall.advance(timedelta(hours=19))
    await world.runtime.dispatcher.drain()
    data = await detail(world.runtime.db, ref)
    assert data is not None and data["outbox"][0]["state"] == "dead"
    assert any(e["kind"] == "dead_letter" for e in data["events"])


async def test_an_incident_stuck_in_retries_never_holds_back_another(world: World) -> None:
    world.messenger.failures = [DeliveryError("slack http_500")]
    stuck = await report(world, "first")
    other = await report(world, "second")
    await world.runtime.dispatcher.drain()
    await world.runtime.haven.press(PressIn(actor=SATO, action="acknowledge", value=stuck))
    third = await report(world, "third")
    await world.runtime.dispatcher.drain()
    assert [s.message.incident for s in world.messenger.to(Audience.SUPERVISORS)] == [other, third]
    world.wall.advance(timedelta(minutes=15))
    await world.runtime.dispatcher.drain()
    mine = [(s.op, s.meta.kind) for s in world.messenger.sent if s.message.incident == stuck
            and s.meta.kind == "alert"]
    assert mine == [("post", "alert"), ("update", "alert")], "the alert before its update"


async def test_waiting_for_a_channel_slot_is_not_counted_as_an_attempt(world: World) -> None:
    ticks = [0.0]
    world.messenger.pace_per_second = 0.2  # type: ignore[attr-defined]  # one every 5 s
    world.runtime.dispatcher.pacer = Pacer(clock=lambda: ticks[0])
    ref = await report(world, "he shouted")
    await world.runtime.dispatcher.drain()
    await world.runtime.haven.press(PressIn(actor=SATO, action="acknowledge", value=ref))
    await world.runtime.dispatcher.drain()
    data = await detail(world.runtime.db, ref)
    assert data is not None
    update = next(o for o in data["outbox"] if o["op"] == "update")
    assert (update["state"], update["attempts"]) == ("pending", 0)
    ticks[0] += 6
    world.wall.advance(timedelta(seconds=6))
    await world.runtime.dispatcher.drain()
    data = await detail(world.runtime.db, ref)
    assert data is not None
    update = next(o for o in data["outbox"] if o["op"] == "update")
    assert (update["state"], update["attempts"]) == ("sent", 1)


async def test_purge_removes_the_incident_line_from_the_digest_that_listed_it(world: World) -> None:
    world.messenger.pace_per_second = 1.0  # type: ignore[attr-defined]
    refs = [await report(world, f"secret words {i}") for i in range(5)]
    await world.runtime.dispatcher.drain()
    await world.runtime.haven.press(PressIn(actor=SATO, action="resolve", value=refs[1]))
    await world.runtime.dispatcher.drain()
    world.clock.advance(timedelta(days=3 * 366 + 1))
    result = await purge(world.runtime.ctx)
    assert result.purged == (refs[1],)
    world.wall.advance(timedelta(seconds=10))
    await world.runtime.dispatcher.drain()
    edits = [s for s in world.messenger.sent if s.op == "update" and s.meta.kind == "digest"]
    assert len(edits) == 1
    text = str(edits[0].message)
    assert "secret words 1" not in text and "secret words 0" in text
    assert refs[1] not in [b.value for b in edits[0].message.buttons]
    assert await detail(world.runtime.db, refs[1]) is None
