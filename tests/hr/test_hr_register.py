"""``/hr/register``: widening a site's entry to all sites from the desk (spec 8.5), with a
second HR member's approval; and the desk and the core agree on who is HR."""

from __future__ import annotations

from datetime import date, timedelta

from bot.model.messages import Audience
from storage import register as store
from storage.hr_desk import Identity
from storage.register_models import RegisterEntry
from tests.hr.conftest import EMPLOYEE, HR, DeskWorld, seed

SECOND_HR = Identity(platform="test", user_id="UHR2")
NAME = "山田"


async def add_site_entry(world: DeskWorld) -> str:
    [ref] = await seed(world.runtime, ["he threw a cup"])
    async with world.runtime.db.session() as session:
        entry, _ = await store.register(session=session, customer_hash="h-yamada", customer_ref="山田 太郎",
                                        platform="test", scope="store_shibuya", since=world.clock.now(),
                                        review_on=date(2027, 6, 1), incident=ref, approvers=["US1", "US2"])
        await session.commit()
        return store.entry_id(entry)


async def stored(world: DeskWorld, entry: str) -> RegisterEntry:
    async with world.runtime.db.session() as session:
        found = await store.get_entry(session=session, entry_id=store.parse_entry_id(entry) or 0)
    assert found is not None
    return found


async def post(world: DeskWorld, entry: str, csrf: str, action: str) -> int:
    response = await world.client.post(f"/hr/register/{entry}", data={"csrf": csrf, "action": action},
                                       allow_redirects=False)
    return response.status


async def test_widening_from_the_desk_needs_a_second_hr_member(desk_world: DeskWorld) -> None:
    entry = await add_site_entry(desk_world)
    desk_world.hr_members.add(SECOND_HR.user_id)
    desk_world.directory.supervisors |= {HR.user_id, SECOND_HR.user_id}  # no HR channel: they decide
    csrf = await desk_world.signed_in()
    page = await (await desk_world.client.get("/hr/register")).text()
    assert "Shibuya store" in page and 'value="register_widen"' in page
    proposed = await desk_world.client.post(f"/hr/register/{entry}", data={"csrf": csrf, "action": "register_widen"})
    page = await proposed.text()
    assert proposed.status == 200 and "Your proposal was recorded" in page
    assert "proposes to apply this entry to every site" in page
    assert "Your proposal" not in await (await desk_world.client.get("/hr/register")).text()
    assert await post(desk_world, entry, csrf, "approve") == 409, "nobody approves their own proposal"
    assert (await stored(desk_world, entry)).scope == "store_shibuya"

    desk_world.client.session.cookie_jar.clear()
    csrf2 = await desk_world.signed_in(SECOND_HR)
    approved = await desk_world.client.post(f"/hr/register/{entry}?lang=ja", data={"csrf": csrf2, "action": "approve"})
    assert "承認しました" in await approved.text()
    assert (await stored(desk_world, entry)).scope == store.ALL_SITES
    page = await (await desk_world.client.get("/hr/register")).text()
    assert "All sites" in page and 'value="register_widen"' not in page
    assert "全拠点" in await (await desk_world.client.get("/hr/register?lang=ja")).text()
    assert NAME not in page
    async with desk_world.runtime.db.session() as session:
        log = await store.events_for(session=session)
    assert [(e.kind, e.actor) for e in log if e.kind.startswith("register_")] == [
        ("register_proposed", HR.user_id), ("register_widened", SECOND_HR.user_id)]
    assert NAME not in repr([e.detail for e in log])


async def test_widening_refuses_bad_input_strangers_and_missing_csrf(desk_world: DeskWorld) -> None:
    entry = await add_site_entry(desk_world)
    csrf = await desk_world.signed_in()
    no_csrf = await desk_world.client.post(f"/hr/register/{entry}", data={"action": "register_widen"})
    assert no_csrf.status == 403
    assert await post(desk_world, entry, "wrong", "register_widen") == 403
    assert await post(desk_world, "REG-000099", csrf, "register_widen") == 404
    assert await post(desk_world, "REG-x", csrf, "register_widen") == 400
    assert await post(desk_world, entry, csrf, "register_widen_now") == 400
    desk_world.hr_members.discard(HR.user_id)  # removed from HR: the desk shuts within a minute
    desk_world.wall.advance(timedelta(seconds=61))
    gone = await desk_world.client.post(f"/hr/register/{entry}", data={"csrf": csrf, "action": "register_widen"})
    assert gone.status == 401 and NAME not in await gone.text()
    assert (await stored(desk_world, entry)).pending is None


async def test_an_hr_user_known_only_from_the_list_decides_from_the_desk(desk_world: DeskWorld) -> None:
    """HAVEN_HR_USERS, not in the HR channel: the desk lets them in, and the core's
    register decision agrees (one definition of an HR member)."""
    runtime = desk_world.runtime
    assert runtime.haven.desk is not None
    desk_world.desk.access = runtime.haven.desk.access  # the core's own check, as haven serve wires it
    runtime.ctx.messengers["test"].reachable_audiences.add(Audience.HR)  # type: ignore[attr-defined]
    runtime.ctx.hr_users = frozenset({HR.user_id})
    desk_world.directory.hr |= {SECOND_HR.user_id}
    entry = await add_site_entry(desk_world)

    csrf = await desk_world.signed_in()
    assert await post(desk_world, entry, csrf, "register_widen") == 303
    desk_world.client.session.cookie_jar.clear()
    csrf2 = await desk_world.signed_in(SECOND_HR)
    assert await post(desk_world, entry, csrf2, "approve") == 303
    assert (await stored(desk_world, entry)).scope == store.ALL_SITES

    desk_world.client.session.cookie_jar.clear()
    response = await desk_world.client.get("/hr/" + await desk_world.link(EMPLOYEE), allow_redirects=False)
    assert response.status == 401, "off the list and not in the channel: not HR anywhere"


async def test_a_rejection_is_confirmed_and_an_unknown_flag_shows_nothing(desk_world: DeskWorld) -> None:
    entry = await add_site_entry(desk_world)
    desk_world.hr_members.add(SECOND_HR.user_id)
    desk_world.directory.supervisors |= {HR.user_id, SECOND_HR.user_id}
    csrf = await desk_world.signed_in()
    assert await post(desk_world, entry, csrf, "register_lift") == 303
    desk_world.client.session.cookie_jar.clear()
    csrf2 = await desk_world.signed_in(SECOND_HR)
    response = await desk_world.client.post(f"/hr/register/{entry}", data={"csrf": csrf2, "action": "reject"},
                                            allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/hr/register?lang=en&done=rejected"
    page = await (await desk_world.client.get(response.headers["Location"])).text()
    assert "You rejected the proposal" in page
    forged = await (await desk_world.client.get("/hr/register?done=%3Cb%3Ehi")).text()
    assert "<b>hi" not in forged and 'class="notice"' not in forged
