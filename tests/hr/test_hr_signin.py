"""Who gets into the HR desk: one-time links, sessions, CSRF, membership re-checks."""

from __future__ import annotations

from datetime import timedelta

from storage.hr_desk import Identity
from tests.hr.conftest import EMPLOYEE, DeskWorld, seed

HTML = {"Accept": "text/html"}


async def test_no_session_gets_the_signin_page_and_no_data(desk_world: DeskWorld) -> None:
    [ref] = await seed(desk_world.runtime, ["he shouted at me"])
    for path in ("/hr/incidents", f"/hr/incidents/{ref}", "/hr/"):
        response = await desk_world.client.get(path, headers=HTML, allow_redirects=False)
        body = await response.text()
        assert response.status == 401, path
        assert "INC-" not in body and "shouted" not in body
        assert "Sign in to the HR desk" in body


async def test_api_request_without_session_is_a_plain_401(desk_world: DeskWorld) -> None:
    response = await desk_world.client.get("/hr/incidents", headers={"Accept": "text/csv"})
    assert response.status == 401
    assert "<html" not in await response.text()


async def test_link_signs_in_once_with_a_strict_cookie(desk_world: DeskWorld) -> None:
    link = await desk_world.link()
    first = await desk_world.client.get("/hr/" + link, allow_redirects=False)
    assert first.status == 303 and first.headers["Location"] == "/hr/incidents"
    cookie = first.headers["Set-Cookie"]
    assert "haven_hr=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Max-Age=28800" in cookie and "Path=/hr" in cookie
    desk_world.client.session.cookie_jar.clear()
    again = await desk_world.client.get("/hr/" + link, headers=HTML, allow_redirects=False)
    assert again.status == 401
    assert "already been used" in await again.text()
    assert "Set-Cookie" not in again.headers


async def test_link_expires_after_ten_minutes(desk_world: DeskWorld) -> None:
    link = await desk_world.link()
    desk_world.wall.advance(timedelta(minutes=10, seconds=1))
    response = await desk_world.client.get("/hr/" + link, headers=HTML, allow_redirects=False)
    assert response.status == 401


async def test_forged_or_oversized_tokens_are_refused(desk_world: DeskWorld) -> None:
    for token in ("", "nope", "x" * 5000, "%00%ff"):
        response = await desk_world.client.get(f"/hr/login?token={token}", headers=HTML, allow_redirects=False)
        assert response.status == 401, token


async def test_session_ends_after_eight_hours(desk_world: DeskWorld) -> None:
    await desk_world.signed_in()
    assert (await desk_world.client.get("/hr/incidents")).status == 200
    desk_world.wall.advance(timedelta(hours=8, seconds=1))
    assert (await desk_world.client.get("/hr/incidents", headers=HTML)).status == 401


async def test_signing_in_replaces_a_planted_session_cookie(desk_world: DeskWorld) -> None:
    """Session fixation: a cookie set before sign-in is never the one that gets signed in."""
    desk_world.client.session.cookie_jar.update_cookies({"haven_hr": "planted-by-attacker"})
    response = await desk_world.client.get("/hr/" + await desk_world.link(), allow_redirects=False)
    assert response.status == 303
    assert response.cookies["haven_hr"].value != "planted-by-attacker"
    assert await desk_world.desk.signin.current("planted-by-attacker") is None


async def test_post_without_the_csrf_token_is_refused(desk_world: DeskWorld) -> None:
    csrf = await desk_world.signed_in()
    refused = await desk_world.client.post("/hr/logout", data={}, allow_redirects=False)
    assert refused.status == 403
    wrong = await desk_world.client.post("/hr/logout", data={"csrf": csrf[:-1] + "x"}, allow_redirects=False)
    assert wrong.status == 403
    assert (await desk_world.client.get("/hr/incidents")).status == 200  # still signed in
    out = await desk_world.client.post("/hr/logout", data={"csrf": csrf}, allow_redirects=False)
    assert out.status == 303
    assert (await desk_world.client.get("/hr/incidents", headers=HTML)).status == 401


async def test_employee_with_a_valid_chat_identity_is_not_let_in(desk_world: DeskWorld) -> None:
    response = await desk_world.client.get("/hr/" + await desk_world.link(EMPLOYEE), headers=HTML,
                                           allow_redirects=False)
    assert response.status == 401
    assert "Set-Cookie" not in response.headers
    body = await response.text()
    assert "This account has no access to the HR desk" in body
    assert "expired" not in body and "already been used" not in body


async def test_a_link_for_someone_not_hr_says_so_in_japanese(desk_world: DeskWorld) -> None:
    response = await desk_world.client.get("/hr/" + await desk_world.link(EMPLOYEE) + "&lang=ja", headers=HTML,
                                           allow_redirects=False)
    assert response.status == 401
    assert "このアカウントには人事デスクへのアクセス権がありません" in await response.text()
    again = await desk_world.client.get("/hr/" + await desk_world.link(EMPLOYEE), headers=HTML, allow_redirects=False)
    assert "INC-" not in await again.text()


async def test_removed_from_hr_loses_access_within_a_minute(desk_world: DeskWorld) -> None:
    await desk_world.signed_in()
    desk_world.hr_members.discard("UHR1")
    assert (await desk_world.client.get("/hr/incidents")).status == 200  # cached membership
    desk_world.wall.advance(timedelta(seconds=61))
    assert (await desk_world.client.get("/hr/incidents", headers=HTML)).status == 401


async def test_membership_lookup_failure_fails_closed(desk_world: DeskWorld) -> None:
    async def broken(identity: Identity) -> bool:
        raise RuntimeError("directory unavailable")

    desk_world.desk.access.channel_check = broken
    response = await desk_world.client.get("/hr/" + await desk_world.link(), headers=HTML, allow_redirects=False)
    assert response.status == 401


async def test_pages_forbid_framing_scripts_and_caching(desk_world: DeskWorld) -> None:
    response = await desk_world.client.get("/hr/signin")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
