"""Concurrent reports share one transaction (group commit) without sharing anything else:
each gets its own INC id, event, alert and schedule; a failure stays with its report."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlmodel import col, func, select

from bot.flows import intake, intake_rows
from bot.delivery.group_commit import GroupCommit
from bot.model.inbound import Actor, ReportIn
from bot.model.messages import Audience
from bot.app.records import detail
from storage.delivery_models import Job, OutboxMessage
from storage.incident_models import Incident
from tests.support.recording import PLATFORM


def reporter(i: int) -> Actor:
    return Actor(PLATFORM, f"emp{i}", "en")


async def counts_per_incident(runtime, model) -> dict[int, int]:  # type: ignore[no-untyped-def]
    async with runtime.db.session() as session:
        rows = await session.exec(select(model.incident_id, func.count()).group_by(col(model.incident_id)))
        return {incident_id: n for incident_id, n in rows.all()}


async def test_concurrent_reports_each_get_their_own_incident_alert_and_schedule(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    single = await runtime.haven.report(ReportIn(actor=reporter(0), text="alone", intake_key="k0"))
    outcomes = await asyncio.gather(*(
        runtime.haven.report(ReportIn(actor=reporter(i), text=f"report {i}", intake_key=f"k{i}"))
        for i in range(1, 25)
    ))
    refs = [o.ref for o in outcomes]
    assert all(refs) and len(set(refs)) == 24 and single.ref not in refs
    for i, outcome in enumerate(outcomes, start=1):
        assert outcome.ref in outcome.receipt.text
        data = await detail(runtime.db, outcome.ref)
        assert (data["reporter_id"], data["description"]) == (f"emp{i}", f"report {i}")
        assert [e["kind"] for e in data["events"]] == ["reported"]
    jobs, alerts = await counts_per_incident(runtime, Job), await counts_per_incident(runtime, OutboxMessage)
    assert len(set(jobs.values())) == 1 and len(jobs) == 25, "every incident has the schedule a lone report gets"
    assert set(alerts.values()) == {1} and len(alerts) == 25
    await runtime.dispatcher.drain()
    alerted = sorted(a.meta.incident for a in messenger.to(Audience.SUPERVISORS))
    assert alerted == sorted([single.ref, *refs])


async def test_a_redelivery_in_the_same_batch_is_one_incident(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    outcomes = await asyncio.gather(*(
        runtime.haven.report(ReportIn(actor=reporter(1), text="once", intake_key="same-trigger"))
        for _ in range(5)
    ))
    assert len({o.ref for o in outcomes}) == 1 and outcomes[0].ref
    async with runtime.db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Incident))).one() == 1


async def test_a_failing_report_fails_alone_and_nobody_gets_its_id(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    good = intake.quick_submission(runtime.ctx, "fine")
    bad = replace(good, category="no-such-category")  # assessing it raises inside the batch

    async def log(i: int) -> intake_rows.Logged | BaseException:
        try:
            report = bad if i == 3 else replace(good, description=f"r{i}")
            return await intake.log_report(runtime.ctx, reporter(i), report, intake_key=f"t{i}")
        except Exception as error:
            return error

    results = await asyncio.gather(*(log(i) for i in range(8)))
    assert isinstance(results[3], Exception)
    logged = {i: r for i, r in enumerate(results) if i != 3}
    assert all(isinstance(r, intake_rows.Logged) and r.created for r in logged.values())
    assert len({r.ref for r in logged.values()}) == 7
    for i, result in logged.items():
        data = await detail(runtime.db, result.ref)
        assert (data["reporter_id"], data["description"]) == (f"emp{i}", f"r{i}")
    async with runtime.db.session() as session:
        assert (await session.exec(select(func.count()).select_from(Incident))).one() == 7


async def test_group_commit_answers_each_caller_in_order_and_shares_a_failed_write() -> None:
    batches: list[list[int]] = []

    async def write(items):  # type: ignore[no-untyped-def]
        batches.append(list(items))
        await asyncio.sleep(0)
        if 13 in items:
            raise RuntimeError("disk full")
        return [ValueError(i) if i == 7 else i * 10 for i in items]

    group: GroupCommit[int, int] = GroupCommit(write, limit=4)
    results = await asyncio.gather(*(group.submit(i) for i in range(16)), return_exceptions=True)
    assert max(len(b) for b in batches) <= 4 and sorted(i for b in batches for i in b) == list(range(16))
    failed = next(b for b in batches if 13 in b)
    for i, result in enumerate(results):
        if i in failed:
            assert isinstance(result, RuntimeError)
        elif i == 7:
            assert isinstance(result, ValueError)
        else:
            assert result == i * 10
    with pytest.raises(RuntimeError):
        await group.submit(13)
