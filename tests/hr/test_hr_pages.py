"""The HR desk's record pages: the list, its filters, one incident, and its audit."""

from __future__ import annotations

from storage import incidents as repo
from tests.hr.conftest import DeskWorld, seed


async def test_list_filters_by_severity_and_pages(desk_world: DeskWorld) -> None:
    refs = await seed(desk_world.runtime, ["he shouted"] * 3)
    await desk_world.signed_in()
    page = await (await desk_world.client.get("/hr/incidents")).text()
    assert all(ref in page for ref in refs)
    desk_world.desk.page_size = 2
    first = await (await desk_world.client.get("/hr/incidents?page=1")).text()
    second = await (await desk_world.client.get("/hr/incidents?page=2")).text()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert refs[2] in first and refs[0] in second and refs[0] not in first
    none = await (await desk_world.client.get("/hr/incidents?severity=critical")).text()
    assert "No incidents match" in none
    elsewhere = await (await desk_world.client.get("/hr/incidents?site=store_shibuya")).text()
    assert "No incidents match" in elsewhere  # quick reports go to the default site


async def test_bad_filters_are_a_400_not_a_500(desk_world: DeskWorld) -> None:
    await desk_world.signed_in()
    for query in ("severity=extreme", "status=gone", "site=moon_base", "from=2026-13-01", "to=yesterday", "page=0",
                  "page=x",
                  "category=%3Cscript%3E"):
        response = await desk_world.client.get(f"/hr/incidents?{query}")
        assert response.status == 400, query


async def test_incident_page_shows_report_text_as_text(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ['<script>alert("x")</script> he said "I know where you live" & left'])
    await desk_world.signed_in()
    body = await (await desk_world.client.get(f"/hr/incidents/{ref}")).text()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
    assert "&amp; left" in body


async def test_every_view_is_an_hr_viewed_event(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ["he shouted"])
    await desk_world.signed_in()
    assert (await desk_world.client.get(f"/hr/incidents/{ref.lower()}")).status == 200
    async with desk_world.runtime.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        assert incident is not None and incident.id is not None
        events = await repo.events_for(session=session, incident_id=incident.id)
    viewed = [e for e in events if e.kind == "hr_viewed"]
    assert [e.actor for e in viewed] == ["UHR1"]
    assert viewed[0].detail == {}


async def test_unknown_or_malformed_incident_is_a_404(desk_world: DeskWorld) -> None:
    await desk_world.signed_in()
    for ref in ("INC-2026-999999", "nothing", "INC-2026-00000%27"):
        assert (await desk_world.client.get(f"/hr/incidents/{ref}")).status == 404


async def test_desk_speaks_japanese_with_local_times(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ["怒鳴られた"])
    await desk_world.signed_in()
    listing = await (await desk_world.client.get("/hr/incidents?lang=ja")).text()
    assert '<html lang="ja">' in listing and "事案一覧" in listing
    assert "2026-12-01 11:00" in listing  # 02:00 UTC shown in Tokyo time
    page = await (await desk_world.client.get(f"/hr/incidents/{ref}", headers={"Accept-Language": "ja-JP"})).text()
    assert "報告者の記述" in page and "怒鳴られた" in page
