"""Priority in the outbox: a critical report is never stuck behind a backlog or a flood."""

from __future__ import annotations

from datetime import timedelta

from bot.app.records import detail
from bot.model.inbound import Actor, FormIn, ReportIn
from bot.model.messages import Audience
from tests.reliability.conftest import World
from tests.support.recording import PLATFORM


async def quick(world: World, who: str, n: int) -> str:
    outcome = await world.runtime.haven.report(ReportIn(actor=Actor(PLATFORM, who, "en"), text=f"report {n}",
                                                        intake_key=f"{who}-{n}"))
    assert outcome.ref is not None
    return outcome.ref


async def in_danger(world: World, who: str) -> str:
    """A form report "I am in danger now" (critical), and its receipt queued by DM."""
    actor = Actor(PLATFORM, who, "en")
    outcome = await world.runtime.haven.submit_form(FormIn(
        actor=actor, values={"category": "violence", "description": "he has a knife", "in_danger": "true"},
        intake_key=f"form-{who}"))
    assert outcome.ref is not None and outcome.receipt is not None
    await world.runtime.haven.tell(platform=PLATFORM, user_id=who, message=outcome.receipt)
    return outcome.ref


def alerts(world: World) -> list[str]:
    return [str(s.message.incident) for s in world.messenger.to(Audience.SUPERVISORS) if s.meta.kind == "alert"]


def digests(world: World) -> list[str]:
    return [s.message.title or "" for s in world.messenger.to(Audience.SUPERVISORS) if s.meta.kind == "digest"]


async def test_a_flood_is_logged_but_alerts_past_ten_a_minute_fold_into_one_digest(world: World) -> None:
    refs = [await quick(world, "flooder", n) for n in range(25)]
    await world.runtime.dispatcher.drain()
    assert alerts(world) == refs[:10], "the first ten alert on their own"
    assert digests(world) == []
    world.wall.advance(timedelta(minutes=1))
    await world.runtime.dispatcher.drain()
    assert alerts(world) == refs[:10]
    assert digests(world) == ["15 reports from one person in 1 minute"]
    record = await detail(world.runtime.db, refs[-1])
    assert record is not None and [(o["kind"], o["state"]) for o in record["outbox"]] == [("alert", "digested")]


async def test_an_in_danger_report_from_a_flooding_person_still_alerts_on_its_own(world: World) -> None:
    for n in range(12):
        await quick(world, "flooder", n)
    ref = await in_danger(world, "flooder")
    await world.runtime.dispatcher.drain()
    assert ref in alerts(world)


async def test_a_critical_report_goes_out_first_and_whole_ahead_of_a_channel_backlog(world: World) -> None:
    world.messenger.pace_per_second = 1.0  # type: ignore[attr-defined]
    backlog = [await quick(world, f"emp{n}", n) for n in range(60)]
    ref = await in_danger(world, "victim")
    await world.runtime.dispatcher.drain(rounds=1)
    supervisors = world.messenger.to(Audience.SUPERVISORS)
    assert supervisors[0].meta.kind == "alert" and supervisors[0].message.incident == ref
    receipts = world.messenger.to(Audience.USER, "victim")
    assert [r.message.incident for r in receipts] == [ref], "the receipt did not wait behind the backlog"
    assert backlog[0] not in alerts(world), "the backlog is folded (or waits), never ahead"


async def test_the_japanese_flood_digest_is_natural_japanese(world: World) -> None:
    from bot.model.i18n import t
    assert t("ja", "digest.flood", count=15) == "同じ方から 1 分間に 15 件の報告がありました"
