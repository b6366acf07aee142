"""Who may act on an alert (bot/flows/permissions.py), through the core with recording ports."""

from __future__ import annotations

from bot.flows.permissions import may_act, sees_open_incidents
from bot.model.inbound import Actor, PressIn
from bot.model.messages import Audience, Kind
from tests.core.test_core_flows import EMPLOYEE, quick, sup
from tests.support.recording import RecordingDirectory


async def test_an_escalation_member_may_acknowledge_a_page_but_not_an_alert(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, directory, _ = world
    directory.escalation.add("manager")
    outcome = await quick(runtime)
    on_alert = await runtime.haven.press(PressIn(sup("manager"), "acknowledge", outcome.ref, Audience.SUPERVISORS))
    assert [r.message.kind for r in on_alert.replies] == [Kind.REFUSAL]
    on_page = await runtime.haven.press(PressIn(sup("manager"), "acknowledge", outcome.ref, Audience.ESCALATION))
    assert on_page.changed and not on_page.replies


async def test_the_rule_asks_the_directory_only_about_membership() -> None:
    directory = RecordingDirectory(supervisors={"sato"}, escalation={"manager"})
    assert await may_act(directory, "sato", audience=Audience.SUPERVISORS)
    assert await may_act(directory, "sato", audience=Audience.ESCALATION)
    assert await may_act(directory, "manager", audience=Audience.ESCALATION)
    assert not await may_act(directory, "manager", audience=Audience.SUPERVISORS)
    assert not await may_act(directory, "manager", audience=Audience.USER)
    assert not await may_act(None, "sato", audience=Audience.SUPERVISORS)


async def test_home_shows_open_incidents_only_to_supervisors_and_fails_closed(world) -> None:  # type: ignore[no-untyped-def]
    runtime, _, directory, _ = world
    await quick(runtime)
    assert len(await runtime.haven.home(sup("sato"))) > len(await runtime.haven.home(EMPLOYEE))
    directory.broken = True
    assert not await sees_open_incidents(directory, "sato")
    stranger = Actor(EMPLOYEE.platform, "stranger", "en")
    assert len(await runtime.haven.home(sup("sato"))) == len(await runtime.haven.home(stranger))
