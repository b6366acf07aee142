"""A report held for HR (no HR channel) over real HTTP (spec 8.2, 8.3): "I am in danger"
and "talk to someone now" send nothing to anyone and say so; the request to talk is
kept and goes to the supervisors once the employee sends the report to them."""

from __future__ import annotations

from collections import Counter

from bot.app.records import detail
from tests.slack.support import EMPLOYEE, SUPERVISORS, Haven, press_payload
from tests.slack.test_slack_hr import REF, line_traffic, submit, talk_posts


async def test_held_in_danger_and_talk_now_are_honest_and_the_talk_follows_the_report(haven: Haven) -> None:
    await submit(haven, "sexual_harassment")
    await haven.fake.wait_for("chat.postMessage")  # the receipt
    await haven.interact(press_payload("in_danger", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))
    await haven.interact(press_payload("talk_now", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))
    danger, talk = await haven.fake.wait_for("chat.postEphemeral", 2)
    assert "nobody could be alerted" in danger.args["text"] and "being alerted" not in danger.args["text"]
    assert "nobody could be asked" in talk.args["text"] and "We have asked" not in talk.args["text"]
    await haven.runtime.dispatcher.drain()
    record = await detail(haven.runtime.db, REF)
    assert record is not None
    assert [r for r in record["outbox"] if r["state"] == "dead"] == [], "nothing queued into the void"
    assert [t for t in record["timers"] if t["state"] == "pending"] == []
    assert line_traffic(haven) == "[]"

    await haven.interact(press_payload("route_supervisors", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))
    await haven.runtime.dispatcher.drain()
    [asked] = talk_posts(haven, SUPERVISORS)
    assert REF in asked["text"]
    record = await detail(haven.runtime.db, REF)
    assert record is not None
    pending = Counter(t["kind"] for t in record["timers"] if t["state"] == "pending")
    assert pending == Counter({"renotify": 1, "page": 1, "ask_join": 1, "talk_renotify": 1, "talk_page": 1})
    told = [c.args["text"] for c in haven.fake.calls_to("chat.postMessage") if c.args["channel"] == EMPLOYEE]
    assert any("sent to your supervisors" in text and "talk" in text for text in told)
    await haven.interact(press_payload("talk_now", REF, user=EMPLOYEE, channel="D0EMPLOYEE"))
    replies = await haven.fake.wait_for("chat.postEphemeral", 4)  # + "sent to your supervisors"
    assert "keep reminding your supervisors" in replies[-1].args["text"]
