"""Check-ins after a catch-up (a server that was down): when several check-ins of one
incident are overdue at once, only the latest goes out; the older ones are skipped,
audited and shown as skipped in the timers. Both the burst and the one-by-one path."""

from __future__ import annotations

import pytest

from bot.model.messages import Audience
from tests.escalation.conftest import World, jst, make_world


@pytest.mark.parametrize("batch", [250, 1], ids=["burst", "one-by-one"])
async def test_after_a_catch_up_only_the_latest_overdue_checkin_is_sent(fresh_database_url: str, batch: int) -> None:
    world: World = await make_world(fresh_database_url, jst(2026, 12, 1, 10, 0))
    try:
        world.runtime.sweeper.batch = batch
        ref = await world.quick()
        other = await world.quick("she insulted me at the till", user="emp2")
        await world.at(jst(2026, 12, 4, 11, 0))
        sent = world.sent("checkin", Audience.USER)
        assert sorted(s.meta.incident for s in sent) == sorted([ref, other]), "one check-in each"
        for incident in (ref, other):
            shown = await world.show(incident)
            assert [c["state"] for c in shown["checkins"]] == ["skipped", "done", "pending"]
            events = [e for e in shown["events"] if e["kind"].startswith("checkin")]
            assert [e["kind"] for e in events] == ["checkin_skipped", "checkin_sent"]
            assert events[0]["detail"]["step"] == 1 and events[1]["detail"]["step"] == 2
        await world.at(jst(2026, 12, 30, 11, 0))
        assert len(world.sent("checkin", Audience.USER)) == 4, "the next one still comes"
    finally:
        await world.runtime.haven.close()
        await world.runtime.db.dispose()
