"""The desk's downloads and the register: the evidence pack, the full export, and
extending or lifting a register entry with a second HR member's approval."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date

from sqlalchemy import text

from storage import register as store
from tests.hr.conftest import HR, DeskWorld, seed
from storage.hr_desk import Identity

SECOND_HR = Identity(platform="test", user_id="UHR2")


def unzip(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def sums_hold(files: dict[str, bytes]) -> bool:
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ", 1)
        if hashlib.sha256(files[name]).hexdigest() != digest:
            return False
    return True


async def test_evidence_pack_is_verifiable_and_says_the_trail_holds(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ['he said "I know where you live"'])
    await desk_world.signed_in()
    response = await desk_world.client.get(f"/hr/incidents/{ref}/evidence.zip")
    assert response.status == 200 and response.headers["Content-Type"] == "application/zip"
    assert f'{ref}-evidence.zip' in response.headers["Content-Disposition"]
    files = unzip(await response.read())
    assert sorted(files) == ["SHA256SUMS", "record.html", "record.json", "trail.csv"]
    assert sums_hold(files)
    record = json.loads(files["record.json"])
    assert record["id"] == ref and record["audit_chain"]["intact"] is True
    assert "I know where you live" in record["description"]
    assert "Audit trail verified" in files["record.html"].decode()
    assert files["trail.csv"].decode("utf-8").lstrip("\ufeff").startswith("seq,at,kind,actor,option,hash")


async def test_evidence_pack_reports_an_edited_trail(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ["he shouted"])
    async with desk_world.runtime.db.session() as session:
        await session.connection()
        await session.exec(text("UPDATE events SET actor = 'someone-else' WHERE kind = 'reported'"))  # type: ignore[call-overload]
        await session.commit()
    await desk_world.signed_in()
    files = unzip(await (await desk_world.client.get(f"/hr/incidents/{ref}/evidence.zip")).read())
    chain = json.loads(files["record.json"])["audit_chain"]
    assert chain["intact"] is False and chain["broken_at_event"] == 1
    assert "BROKEN" in files["record.html"].decode()
    assert sums_hold(files)


async def test_export_is_the_full_csv_and_refuses_bad_filters(desk_world: DeskWorld) -> None:
    await seed(desk_world.runtime, ["=HYPERLINK(\"http://x\") he shouted"])
    await desk_world.signed_in()
    response = await desk_world.client.get("/hr/export.csv?status=open")
    body = (await response.read()).decode("utf-8")
    assert response.status == 200 and body.startswith("\ufeffid,site,status,severity,category,triage,")
    assert "'=HYPERLINK" in body  # never a live spreadsheet formula
    for query in ("status=gone", "from=2026-02-30", "from=2026-12-02&to=2026-12-01"):
        assert (await desk_world.client.get(f"/hr/export.csv?{query}")).status == 400, query


async def test_export_and_evidence_need_a_session(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ["he shouted"])
    for path in ("/hr/export.csv", f"/hr/incidents/{ref}/evidence.zip"):
        response = await desk_world.client.get(path)
        assert response.status == 401
        assert b"shouted" not in await response.read()


async def add_entry(world: DeskWorld, incident: str) -> str:
    async with world.runtime.db.session() as session:
        entry, _ = await store.register(session=session, customer_hash="h-yamada", customer_ref="山田 太郎",
                                        platform="test", scope="all", since=world.clock.now(),
                                        review_on=date(2027, 6, 1), incident=incident, approvers=["US1", "US2"])
        await session.commit()
        return store.entry_id(entry)


async def test_lifting_needs_a_second_hr_member(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ["he threw a cup"])
    entry = await add_entry(desk_world, ref)
    desk_world.hr_members.add(SECOND_HR.user_id)
    desk_world.directory.supervisors |= {HR.user_id, SECOND_HR.user_id}  # HR decides on the register
    csrf = await desk_world.signed_in()
    page = await (await desk_world.client.get("/hr/register")).text()
    assert entry in page and "山田" not in page  # the register page never shows the name
    proposed = await desk_world.client.post(f"/hr/register/{entry}", data={"csrf": csrf, "action": "register_lift"},
                                            allow_redirects=False)
    assert proposed.status == 303
    own = await desk_world.client.post(f"/hr/register/{entry}", data={"csrf": csrf, "action": "approve"})
    assert own.status == 409  # nobody approves their own proposal
    desk_world.client.session.cookie_jar.clear()
    csrf2 = await desk_world.signed_in(SECOND_HR)
    approved = await desk_world.client.post(f"/hr/register/{entry}", data={"csrf": csrf2, "action": "approve"},
                                            allow_redirects=False)
    assert approved.status == 303
    async with desk_world.runtime.db.session() as session:
        stored = await store.get_entry(session=session, entry_id=store.parse_entry_id(entry) or 0)
    assert stored is not None and stored.state == store.LIFTED and stored.lifted_by == SECOND_HR.user_id


async def test_register_actions_refuse_bad_input_and_missing_csrf(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ["he threw a cup"])
    entry = await add_entry(desk_world, ref)
    csrf = await desk_world.signed_in()
    assert (await desk_world.client.post(f"/hr/register/{entry}", data={"action": "register_lift"})).status == 403
    bad = await desk_world.client.post(f"/hr/register/{entry}", data={"csrf": csrf, "action": "delete"})
    assert bad.status == 400
    nowhere = await desk_world.client.post("/hr/register/REG-x", data={"csrf": csrf, "action": "register_lift"})
    assert nowhere.status == 400
