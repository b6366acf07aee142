"""Spec 8.4: a legal hold is released only with a second person's approval; retention
then runs from the later of the resolution and the release."""

from __future__ import annotations

from datetime import timedelta

from bot.app.records import detail
from bot.flows.retention import purge
from bot.model.inbound import Actor
from bot.model.messages import Action, Audience
from tests.core.test_core_flows import EMPLOYEE, form_report, press, sup

THREE_YEARS = timedelta(days=3 * 366)


def _buttons(messenger, ref: str) -> list[str]:  # type: ignore[no-untyped-def]
    latest = [s.message for s in messenger.sent if s.meta.kind == "alert" and s.message.incident == ref][-1]
    return [b.action for b in latest.buttons]


def _approval_value(messenger) -> str:  # type: ignore[no-untyped-def]
    request = [s.message for s in messenger.sent if s.meta.kind == "approval_request"][-1]
    return next(b.value for b in request.buttons if b.action == Action.APPROVE)


async def _held_and_resolved(runtime) -> str:  # type: ignore[no-untyped-def]
    ref = (await form_report(runtime, "violence")).ref
    await press(runtime, sup("sato"), "contact_police", ref)
    await press(runtime, sup("sato"), "resolve", ref)
    return ref


async def test_released_hold_lets_purge_remove_the_incident_after_retention_not_before(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, clock = world
    ref = await _held_and_resolved(runtime)
    assert "release_hold" in _buttons(messenger, ref), "offered on the resolved alert while held"
    clock.advance(THREE_YEARS)
    assert (await purge(runtime.ctx)).held == (ref,)

    proposed = await press(runtime, sup("sato"), Action.RELEASE_HOLD, ref)
    assert proposed.changed and (await detail(runtime.db, ref))["legal_hold"] is True, "a proposal releases nothing"
    own = await press(runtime, sup("sato"), Action.APPROVE, _approval_value(messenger))
    assert own.replies and own.replies[0].private
    assert (await detail(runtime.db, ref))["legal_hold"] is True
    await press(runtime, sup("suzuki"), Action.APPROVE, _approval_value(messenger))

    data = await detail(runtime.db, ref)
    assert data["legal_hold"] is False and data["hold_released_at"] is not None
    released = [e for e in data["events"] if e["kind"] == "hold_released"]
    assert released and released[0]["actor"] == "suzuki" and released[0]["detail"]["proposer"] == "sato"
    assert "release_hold" not in _buttons(messenger, ref)

    assert (await purge(runtime.ctx)).purged == (), "retention runs from the release"
    retention = runtime.policy.retention.closed_incidents
    clock.advance(retention - timedelta(days=1))
    assert (await purge(runtime.ctx)).purged == ()
    clock.advance(timedelta(days=2))
    assert (await purge(runtime.ctx)).purged == (ref,)
    assert await detail(runtime.db, ref) is None


async def test_a_rejected_release_keeps_the_hold(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    ref = await _held_and_resolved(runtime)
    await press(runtime, sup("sato"), Action.RELEASE_HOLD, ref)
    again = await press(runtime, sup("tanaka"), Action.RELEASE_HOLD, ref)
    assert again.replies and "already waiting" in again.replies[0].message.text
    await press(runtime, sup("suzuki"), Action.REJECT, _approval_value(messenger))
    data = await detail(runtime.db, ref)
    assert data["legal_hold"] is True and "hold_released" not in [e["kind"] for e in data["events"]]


async def test_nobody_releases_the_hold_on_their_own_report(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, directory, _ = world
    directory.supervisors.add(EMPLOYEE.user_id)  # the reporter is a supervisor too
    ref = await _held_and_resolved(runtime)
    refused = await press(runtime, EMPLOYEE, Action.RELEASE_HOLD, ref)
    assert refused.replies and refused.replies[0].private and not refused.changed
    assert (await detail(runtime.db, ref))["legal_hold"] is True


async def test_only_supervisors_may_propose_a_release(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, _, _ = world
    ref = await _held_and_resolved(runtime)
    refused = await press(runtime, Actor(EMPLOYEE.platform, "stranger", "en"), Action.RELEASE_HOLD, ref)
    assert refused.replies and not refused.changed
    refused = await press(runtime, sup("sato"), Action.RELEASE_HOLD, ref, Audience.USER)
    assert (await detail(runtime.db, ref))["legal_hold"] is True
