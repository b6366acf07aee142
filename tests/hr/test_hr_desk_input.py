"""Odd input to the HR desk is a clear 4xx in the viewer's language, never a 5xx: dates,
pages, form bodies; and what the list's links carry (filters, language, the export)."""

from __future__ import annotations

import aiohttp

from storage import incidents as repo
from tests.hr.conftest import DeskWorld, seed

EDGE_DAYS = ("from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=9999-12-31")
NOT_ISO_DAYS = ("from=20261130", "to=2026-W48-1", "from=2026-12-1", "to=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96-12-01")


async def test_edge_and_loose_dates_are_a_400_on_the_list_and_the_export(desk_world: DeskWorld) -> None:
    await seed(desk_world.runtime, ["he shouted"])
    await desk_world.signed_in()
    for path in ("/hr/incidents", "/hr/export.csv"):
        for query in (*EDGE_DAYS, "status=open&to=9999-12-31"):
            response = await desk_world.client.get(f"{path}?{query}")
            assert response.status == 400, (path, query)
            assert "out of range" in await response.text(), (path, query)
        for query in NOT_ISO_DAYS:
            response = await desk_world.client.get(f"{path}?{query}")
            assert response.status == 400, (path, query)
            assert "YYYY-MM-DD" in await response.text(), (path, query)
    assert (await desk_world.client.get("/hr/incidents?from=1900-01-01&to=9998-12-31")).status == 200
    export = await desk_world.client.get("/hr/export.csv?from=1900-01-01&to=9998-12-31")
    assert export.status == 200 and "INC-" in await export.text()


async def test_from_after_to_is_the_same_400_on_the_list_and_the_export(desk_world: DeskWorld) -> None:
    await desk_world.signed_in()
    for path in ("/hr/incidents", "/hr/export.csv"):
        english = await desk_world.client.get(f"{path}?from=2026-12-02&to=2026-12-01")
        assert english.status == 400, path
        text = await english.text()
        assert "Reported from (2026-12-02) is after Reported to (2026-12-01)" in text, path
        assert "--" not in text, "web wording, not the CLI's options"
        japanese = await desk_world.client.get(f"{path}?from=2026-12-02&to=2026-12-01&lang=ja")
        assert japanese.status == 400 and "報告日（開始）" in await japanese.text(), path
    loose = await desk_world.client.get("/hr/export.csv?to=2026-W48-1&lang=ja")
    assert loose.status == 400 and "YYYY-MM-DD" in await loose.text() and "--" not in await loose.text()


async def test_a_form_body_that_is_not_utf8_is_a_400(desk_world: DeskWorld) -> None:
    csrf = await desk_world.signed_in()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for path in ("/hr/register/REG-000001", "/hr/logout"):
        for body in (b"\xff", f"csrf={csrf}&action=%FF\xff".encode("latin-1")):
            response = await desk_world.client.post(path, data=body, headers=form, allow_redirects=False)
            assert response.status == 400, (path, body)
    bogus = {"Content-Type": "application/x-www-form-urlencoded; charset=klingon"}
    response = await desk_world.client.post("/hr/logout", data=f"csrf={csrf}", headers=bogus)
    assert response.status == 400
    assert (await desk_world.client.get("/hr/incidents")).status == 200  # still signed in


async def test_a_multipart_post_is_refused_as_unsupported(desk_world: DeskWorld) -> None:
    csrf = await desk_world.signed_in()
    for path in ("/hr/logout", "/hr/register/REG-000001"):
        form = aiohttp.FormData({"csrf": csrf, "action": "approve"}, default_to_multipart=True)
        response = await desk_world.client.post(path, data=form, allow_redirects=False)
        assert response.status == 415, path
        assert "application/x-www-form-urlencoded" in await response.text()
    assert (await desk_world.client.get("/hr/incidents")).status == 200  # the logout did not happen


async def test_a_head_request_is_not_an_hr_view(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ["he shouted"])
    await desk_world.signed_in()
    for path in (f"/hr/incidents/{ref}", f"/hr/incidents/{ref}/evidence.zip"):
        head = await desk_world.client.head(path)
        assert head.status == 200 and await head.read() == b"", path
    assert (await desk_world.client.head("/hr/incidents/INC-2026-999999")).status == 404
    assert (await desk_world.client.head("/hr/incidents/INC-2026-999999/evidence.zip")).status == 404
    async with desk_world.runtime.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        assert incident is not None and incident.id is not None
        events = await repo.events_for(session=session, incident_id=incident.id)
    assert [e for e in events if e.kind == "hr_viewed"] == []
    assert (await desk_world.client.get(f"/hr/incidents/{ref}")).status == 200
    async with desk_world.runtime.db.session() as session:
        events = await repo.events_for(session=session, incident_id=incident.id)
    assert len([e for e in events if e.kind == "hr_viewed"]) == 1


async def test_accept_language_weights_choose_the_language(desk_world: DeskWorld) -> None:
    await desk_world.signed_in()
    cases = {
        "en;q=0.1, ja;q=0.9": "ja", "ja;q=0": "en", "ja;q=0, en": "en", "fr, ja-JP;q=0.5, en;q=0.4": "ja",
        "en-US,en;q=0.9,ja;q=0.8": "en", "ja;q=abc, en;q=0.2": "en", "*": "en", "ja;q=1.0": "ja",
    }
    for header, locale in cases.items():
        page = await (await desk_world.client.get("/hr/incidents", headers={"Accept-Language": header})).text()
        assert f'<html lang="{locale}">' in page, header
    chosen = await desk_world.client.get("/hr/incidents?lang=en", headers={"Accept-Language": "ja"})
    assert '<html lang="en">' in await chosen.text(), "?lang= wins over the browser"


async def test_a_page_past_the_last_shows_the_last_page(desk_world: DeskWorld) -> None:
    refs = await seed(desk_world.runtime, ["he shouted"] * 3)
    await desk_world.signed_in()
    desk_world.desk.page_size = 2
    for query in ("page=7", "page=3", "page=99999999", "page=" + "9" * 5000):
        response = await desk_world.client.get(f"/hr/incidents?{query}")
        page = await response.text()
        assert response.status == 200, query
        assert "Page 2 of 2" in page and refs[0] in page and refs[2] not in page, query
        assert 'rel="prev"' in page and 'rel="next"' not in page, query
    empty = await (await desk_world.client.get("/hr/incidents?severity=critical&page=4")).text()
    assert "Page 1 of 1" in empty and 'rel="prev"' not in empty


async def test_links_keep_the_filters_and_the_export_carries_them(desk_world: DeskWorld) -> None:
    await seed(desk_world.runtime, ["he shouted"] * 3)
    await desk_world.signed_in()
    desk_world.desk.page_size = 2
    query = "status=open&severity=normal&from=2026-11-01&to=2026-12-31"
    page = await (await desk_world.client.get(f"/hr/incidents?{query}&page=2")).text()
    assert 'href="/hr/incidents?status=open&amp;severity=normal&amp;from=2026-11-01&amp;to=2026-12-31&amp;page=2' \
           '&amp;lang=ja" hreflang="ja" lang="ja">日本語</a>' in page
    assert 'rel="prev" href="/hr/incidents?status=open&amp;severity=normal&amp;from=2026-11-01&amp;to=2026-12-31' \
           '&amp;page=1&amp;lang=en"' in page
    assert 'href="/hr/export.csv?status=open&amp;from=2026-11-01&amp;to=2026-12-31"' in page
    japanese = await (await desk_world.client.get(f"/hr/incidents?{query}&page=2&lang=ja")).text()
    assert 'hreflang="en" lang="en">English</a>' in japanese and "page=2&amp;lang=en" in japanese
    plain = await (await desk_world.client.get("/hr/insights")).text()
    assert 'href="/hr/export.csv"' in plain and 'href="/hr/insights?lang=ja"' in plain


async def test_refusals_speak_the_viewers_language(desk_world: DeskWorld) -> None:
    await desk_world.signed_in()
    for lang, said in (("en", "There is no such incident."), ("ja", "該当する報告はありません。")):
        for path in ("/hr/incidents/INC-2026-999999", "/hr/incidents/INC-2026-999999/evidence.zip"):
            response = await desk_world.client.get(f"{path}?lang={lang}")
            assert response.status == 404 and await response.text() == said, (path, lang)
    forged = await desk_world.client.post("/hr/logout?lang=ja", data={"csrf": "forged"})
    assert forged.status == 403 and "人事デスク" in await forged.text()
    unknown = await desk_world.client.post("/hr/register/REG-999999?lang=ja", data={"csrf": "forged"})
    assert unknown.status == 403, "the CSRF check comes first"
    anonymous = aiohttp.ClientSession(headers={"Accept": "application/json", "Accept-Language": "ja"})
    try:
        async with anonymous.get(str(desk_world.client.make_url("/hr/incidents"))) as response:
            assert response.status == 401 and "ログイン" in await response.text()
    finally:
        await anonymous.close()
