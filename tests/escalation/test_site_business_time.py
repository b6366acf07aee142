"""Spec 8.2: business time is the incident's site's. A report moved to another site
(``change_site``) has its pending deadlines, reminders and check-ins planned again from
the report in the new site's hours; steps already sent are not repeated (SQLite and
PostgreSQL, in process, on a fake clock).

The bundled policy: head office 10:00–19:00 Mon–Fri, Shibuya store 10:00–21:00 every
day; a report of category ``other`` is ``normal``: business hours only, re-notified after
1 h, paged after 2 h; check-ins at 1, 3 and 14 days.
"""

from __future__ import annotations

from datetime import datetime

from bot.model.clock import iso
from bot.model.inbound import Actor, FormIn
from bot.model.messages import SITE_FORM, Audience
from tests.escalation.conftest import REPORTER, SECOND, World, jst
from tests.support.recording import PLATFORM


async def _move(world: World, ref: str, site: str) -> str:
    told = await world.runtime.haven.submit_site(FormIn(Actor(PLATFORM, REPORTER), {"site": site},
                                                         metadata=ref, form=SITE_FORM))
    await world.runtime.dispatcher.drain()
    return told.text


async def _pending(world: World, ref: str) -> dict[str, list[str]]:
    record = await world.show(ref)
    due: dict[str, list[str]] = {}
    for job in record["timers"] + record["checkins"]:
        if job["state"] == "pending":
            due.setdefault(job["kind"], []).append(job["due_at"])
    return {kind: sorted(times) for kind, times in due.items()}


def _at(*moments: datetime) -> list[str]:
    return [iso(m) for m in moments]


async def test_a_report_after_head_office_hours_moved_to_shibuya_follows_shibuyas_hours(world: World) -> None:
    world.clock.set(jst(2026, 12, 1, 19, 0))  # Tuesday 19:00: head office has closed, Shibuya is open
    ref = await world.form("other", site="head_office")
    assert await _pending(world, ref) == {
        "renotify": _at(jst(2026, 12, 2, 11, 0)), "page": _at(jst(2026, 12, 2, 12, 0)),
        "checkin": _at(jst(2026, 12, 3, 10, 0), jst(2026, 12, 7, 10, 0), jst(2026, 12, 16, 10, 0)),
    }, "head office: the clock starts at 10:00 the next morning"

    world.clock.set(jst(2026, 12, 1, 19, 5))
    assert "Shibuya" in await _move(world, ref, "store_shibuya")
    assert await _pending(world, ref) == {
        "renotify": _at(jst(2026, 12, 1, 20, 0)), "page": _at(jst(2026, 12, 1, 21, 0)),
        "checkin": _at(jst(2026, 12, 2, 19, 0), jst(2026, 12, 4, 19, 0), jst(2026, 12, 15, 19, 0)),
    }, "Shibuya: from the report, in Shibuya's hours"

    await world.at(jst(2026, 12, 1, 20, 0) - SECOND)
    assert world.sent("renotify") == []
    await world.at(jst(2026, 12, 1, 20, 0))
    assert len(world.sent("renotify")) == 1
    await world.at(jst(2026, 12, 1, 21, 0))
    assert len(world.sent("page", Audience.ESCALATION)) == 1
    await world.at(jst(2026, 12, 2, 19, 0))
    assert len(world.sent("checkin", Audience.USER)) == 1, "the first check-in on Shibuya's Wednesday evening"
    await world.at(jst(2026, 12, 3, 10, 0))
    assert len(world.sent("checkin", Audience.USER)) == 1, "the head office's check-in time is gone"
    assert len(world.sent("renotify")) == 1 and len(world.sent("page")) == 1
    events = await world.events(ref)
    assert events.count("site_changed") == 1 and "triaged" not in events
    (moved,) = [e for e in (await world.show(ref))["events"] if e["kind"] == "site_changed"]
    assert moved["detail"] == {"from": "head_office", "to": "store_shibuya"}


async def test_a_step_already_sent_is_not_repeated_and_an_overdue_page_goes_out_at_once(world: World) -> None:
    world.clock.set(jst(2026, 12, 1, 17, 30))  # Tuesday 17:30 at the head office
    ref = await world.form("other", site="head_office")
    await world.at(jst(2026, 12, 1, 18, 30))
    assert len(world.sent("renotify")) == 1
    assert (await _pending(world, ref))["page"] == _at(jst(2026, 12, 2, 10, 30)), "30 min today, 30 tomorrow"

    world.clock.set(jst(2026, 12, 1, 19, 40))  # Shibuya's page time (19:30) has passed
    await _move(world, ref, "store_shibuya")
    pending = await _pending(world, ref)
    assert "renotify" not in pending, "the re-notification already sent is not planned again"
    assert pending["page"] == _at(jst(2026, 12, 1, 19, 40))
    await world.step()
    assert len(world.sent("page", Audience.ESCALATION)) == 1
    assert len(world.sent("renotify")) == 1
    await world.at(jst(2026, 12, 2, 10, 30))
    assert len(world.sent("page")) == 1, "the head office's page time is gone"


async def test_moving_back_plans_again_with_the_first_sites_hours(world: World) -> None:
    world.clock.set(jst(2026, 12, 5, 12, 0))  # Saturday: the head office is closed all weekend
    ref = await world.form("other", site="store_shibuya")
    assert (await _pending(world, ref))["renotify"] == _at(jst(2026, 12, 5, 13, 0))
    await _move(world, ref, "head_office")
    assert (await _pending(world, ref))["renotify"] == _at(jst(2026, 12, 7, 11, 0)), "Monday 10:00 + 1 h"
    await _move(world, ref, "store_shibuya")
    assert (await _pending(world, ref))["renotify"] == _at(jst(2026, 12, 5, 13, 0))
    assert (await world.events(ref)).count("site_changed") == 2


async def test_a_move_does_not_ask_at_once_for_a_second_responder_the_new_alert_already_offers(world: World) -> None:
    world.clock.set(jst(2026, 12, 1, 12, 0))
    ref = await world.form("violence", site="head_office")  # critical: two responders, ack within 5 min
    assert (await _pending(world, ref))["ask_join"] == _at(jst(2026, 12, 1, 12, 5))
    world.clock.set(jst(2026, 12, 1, 12, 7))  # the ask is overdue (not yet swept) when the report moves
    await _move(world, ref, "store_shibuya")
    assert (await _pending(world, ref))["ask_join"] == _at(jst(2026, 12, 1, 12, 12)), \
        "the new channel's alert carries Join: ask again one ack_within later"
    await world.at(jst(2026, 12, 1, 12, 12) - SECOND)
    assert world.sent("ask_join") == []
    await world.at(jst(2026, 12, 1, 12, 12))
    assert len(world.sent("ask_join")) == 1
