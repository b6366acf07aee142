"""Spec 8.5: the register of customers no longer served (出入禁止)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.model.inbound import Actor
from bot.model.messages import Action, Audience
from storage import register as store
from tests.core.test_core_flows import EMPLOYEE, form_report, press, sup
from tests.records.test_holds import _approval_value
from tests.support.recording import PLATFORM

CLERK = Actor(PLATFORM, "clerk", "en")


async def ban(runtime, messenger, customer: str | None = "山田 太郎") -> str:  # type: ignore[no-untyped-def]
    values = {"customer_ref": customer} if customer else {}
    ref = (await form_report(runtime, "violence", **values)).ref
    await press(runtime, sup("sato"), "discontinue_service", ref)
    await press(runtime, sup("suzuki"), Action.APPROVE, _approval_value(messenger))
    return ref


async def check(runtime, reference: str, actor: Actor = CLERK) -> str:  # type: ignore[no-untyped-def]
    return (await runtime.haven.check_register(actor, reference)).text


async def entries(runtime):  # type: ignore[no-untyped-def]
    async with runtime.db.session() as session:
        return await store.list_entries(session=session, include_lifted=True)


async def test_an_approved_discontinue_puts_the_customer_on_the_register(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    ref = await ban(runtime, messenger)
    for spelling in ("山田太郎", "山田　太郎", "山田 太郎", " 山田 太郎 "):
        assert await check(runtime, spelling) == (
            "On the register since 2026-12-01 for Head office: do not serve alone, call a supervisor."), spelling
    assert await check(runtime, "山田 次郎") == "Not on the register."
    (entry,) = await entries(runtime)
    assert entry.incidents == [ref] and entry.approvers == ["sato", "suzuki"] and entry.scope == "head_office"
    assert entry.review_on.isoformat() == "2027-05-30", "policy register.review_after (P6M) from the approval"
    note = [s.message.text for s in messenger.to(Audience.SUPERVISORS) if "now on the register" in s.message.text]
    assert note and "REG-000001" in note[0] and "山田" not in note[0]


async def test_the_customer_key_folds_width_and_case(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    await ban(runtime, messenger, "ＹＡＭＡＤＡ Taro")
    assert (await check(runtime, "yamada taro")).startswith("On the register")
    assert (await check(runtime, "YAMADATARO")).startswith("On the register")
    assert await check(runtime, "yamada hanako") == "Not on the register."


async def test_no_customer_reference_no_entry_and_a_proposal_alone_registers_nobody(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    await ban(runtime, messenger, customer=None)
    ref = (await form_report(runtime, "violence", customer_ref="Sato Hanako")).ref
    await press(runtime, sup("sato"), "discontinue_service", ref)
    assert await entries(runtime) == []
    assert await check(runtime, "Sato Hanako") == "Not on the register."


async def test_every_look_up_is_audited_by_ids_only(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, _ = world
    await ban(runtime, messenger)
    await check(runtime, "山田太郎")
    await check(runtime, "someone else")
    async with runtime.db.session() as session:
        log = await store.events_for(session=session)
    checked = [e for e in log if e.kind == "register_checked"]
    assert [(e.entry_id, e.actor, e.detail["found"]) for e in checked] == [(1, "clerk", True), (None, "clerk", False)]
    assert "山田" not in repr([e.detail for e in log]) and "someone" not in repr([e.detail for e in log])


async def test_a_look_up_by_a_non_employee_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, directory, _ = world
    await ban(runtime, messenger)
    directory.is_employee = lambda user_id: _async(user_id != "guest")  # type: ignore[attr-defined]
    assert "Only employees" in await check(runtime, "山田太郎", Actor(PLATFORM, "guest", "en"))
    assert (await check(runtime, "山田太郎")).startswith("On the register")
    assert "name or reference after" in await check(runtime, "   ")


async def _async(value: bool) -> bool:
    return value


async def test_review_request_arrives_on_the_review_date_and_a_lift_needs_a_second_hr_member(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, clock = world
    await ban(runtime, messenger)
    clock.set(datetime(2027, 5, 29, 15, 0))  # 2027-05-30 00:00 in Tokyo: not yet business hours
    await runtime.sweeper.tick()
    await runtime.dispatcher.drain()
    assert not [s for s in messenger.sent if s.meta.kind == "reminder" and s.message.incident is None]
    clock.advance(timedelta(hours=10, minutes=1))  # 10:01 on the review date
    await runtime.sweeper.tick()
    await runtime.dispatcher.drain()
    (review,) = [s.message for s in messenger.sent if s.meta.kind == "reminder" and s.message.incident is None]
    assert "REG-000001" in review.text and "山田" not in review.text
    assert [b.action for b in review.buttons] == ["register_extend", "register_lift", "register_widen"]

    stranger = await press(runtime, EMPLOYEE, Action.REGISTER_LIFT, "REG-000001")
    assert stranger.replies and "Only HR" in stranger.replies[0].message.text
    await press(runtime, sup("sato"), Action.REGISTER_LIFT, "REG-000001")
    assert (await check(runtime, "山田太郎")).startswith("On the register"), "a proposal lifts nothing"
    own = await press(runtime, sup("sato"), Action.APPROVE, "REG-000001")
    assert own.replies and not own.changed
    await press(runtime, sup("suzuki"), Action.APPROVE, "REG-000001")
    assert await check(runtime, "山田太郎") == "Not on the register."
    (entry,) = await entries(runtime)
    assert entry.state == "lifted" and entry.lifted_by == "suzuki"


async def test_an_extension_sets_the_next_review(world) -> None:  # type: ignore[no-untyped-def]
    runtime, messenger, _, clock = world
    await ban(runtime, messenger)
    clock.set(datetime(2027, 5, 30, 2, 0))
    await press(runtime, sup("tanaka"), Action.REGISTER_EXTEND, "REG-000001")
    again = await press(runtime, sup("sato"), Action.REGISTER_LIFT, "REG-000001")
    assert again.replies and "already waiting" in again.replies[0].message.text
    await press(runtime, sup("sato"), Action.REJECT, "REG-000001")
    await press(runtime, sup("tanaka"), Action.REGISTER_EXTEND, "REG-000001")
    await press(runtime, sup("sato"), Action.APPROVE, "REG-000001")
    (entry,) = await entries(runtime)
    assert entry.state == "active" and entry.review_on.isoformat() == "2027-11-26"
    assert (await check(runtime, "山田 太郎")).startswith("On the register")
