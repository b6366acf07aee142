"""Spec 8.4: "add details" never overwrites; every version is kept, encrypted, with author and time."""

from __future__ import annotations

from datetime import timedelta

from bot.app.records import detail
from bot.model.inbound import Actor, FormIn
from tests.core.test_core_flows import EMPLOYEE, form_report
from tests.support.recording import PLATFORM


async def add_details(runtime, ref: str, actor: Actor = EMPLOYEE, **values: object):  # type: ignore[no-untyped-def]
    answers = {"category": "violence", "description": "shouted and threatened me", **values}
    outcome = await runtime.haven.submit_form(FormIn(actor=actor, values=answers, metadata=ref))
    await runtime.dispatcher.drain()
    return outcome


async def test_details_added_twice_keep_three_versions(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, clock = world
    ref = (await form_report(runtime, "other", description="he shouted at me")).ref
    clock.advance(timedelta(minutes=5))
    await add_details(runtime, ref, description="he shouted and threw a cup", exact_words="you idiot")
    clock.advance(timedelta(minutes=5))
    await add_details(runtime, ref, description="he shouted, threw a cup and waited outside", demands="refund")

    data = await detail(runtime.db, ref)
    assert data is not None
    versions = data["versions"]
    assert [v["number"] for v in versions] == [1, 2, 3]
    assert [v["description"] for v in versions] == [
        "he shouted at me", "he shouted and threw a cup", "he shouted, threw a cup and waited outside"]
    assert versions[0]["category"] == "other" and versions[1]["category"] == "violence"
    assert versions[0]["exact_words"] is None and versions[2]["exact_words"] == "you idiot"
    assert {v["author"] for v in versions} == {EMPLOYEE.user_id}
    assert versions[0]["at"] < versions[1]["at"] < versions[2]["at"]
    assert data["description"] == versions[2]["description"], "the record shows the latest version"
    added = [e for e in data["events"] if e["kind"] == "details_added"]
    assert [e["detail"]["version"] for e in added] == [2, 3]
    latest_alert = [s.message for s in messenger.sent if s.op == "update" and s.meta.kind == "alert"][-1]
    assert "waited outside" in "".join(f.value for f in latest_alert.facts), "alerts show the latest version"


async def test_someone_else_cannot_add_a_version(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    ref = (await form_report(runtime, "other", description="he shouted at me")).ref
    await add_details(runtime, ref, Actor(PLATFORM, "stranger", "en"), description="lies")
    data = await detail(runtime.db, ref)
    assert data is not None and [v["description"] for v in data["versions"]] == ["he shouted at me"]
    assert "lies" not in {v["description"] for v in data["versions"]}


async def test_purge_removes_the_versions_with_the_incident(world) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from bot.flows.retention import purge
    from tests.core.test_core_flows import press, sup

    runtime, _, _, clock = world
    ref = (await form_report(runtime, "other", description="he shouted at me")).ref
    await add_details(runtime, ref, description="he shouted and threw a cup")
    await press(runtime, sup("sato"), "resolve", ref)
    clock.advance(runtime.policy.retention.closed_incidents + timedelta(days=1))
    assert (await purge(runtime.ctx)).purged == (ref,)
    async with runtime.db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM report_versions"))).scalar_one() == 0
