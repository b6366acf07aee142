"""The HR desk in a real browser: headless Chromium against ``haven serve``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import chromium
from tests.support.serve import REPO, HavenProcess, haven_env, start_haven

SCREENSHOTS = os.environ.get("HAVEN_SCREENSHOTS")  # a folder: save the README's pictures there
REPORTS = [
    '/abuse he said "I know where you live" <script>alert("x")</script>',
    "/abuse 土下座しろと30分怒鳴られた",
    "/abuse he kept demanding a refund for an hour",
]


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], env=env, input=stdin, text=True,
                          capture_output=True, timeout=120, cwd=REPO)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[HavenProcess, dict[str, str]]]:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}", HAVEN_HR_USERS="UHR1")
    seeded = cli(env, "console", stdin="\n".join(REPORTS) + "\n")
    assert seeded.returncode == 0, seeded.stderr
    haven = start_haven(env, tmp_path)
    try:
        yield haven, {**env, "HAVEN_PORT": str(haven.port)}
    finally:
        haven.stop()


def link(env: dict[str, str], user: str = "UHR1") -> str:
    result = cli(env, "hr-link", "--user", user)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


async def test_hr_member_goes_from_link_to_an_incident_record(desk: tuple[HavenProcess, dict[str, str]]) -> None:
    haven, env = desk
    url = link(env)
    assert url.startswith(f"http://127.0.0.1:{haven.port}/hr/login?token=")
    async with chromium() as browser:
        page = await browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        await page.goto(url)
        assert page.url.endswith("/hr/incidents")  # the token is gone from the address bar
        assert await page.title() == "Incidents — Haven"
        assert await page.locator("tbody tr").count() == 3
        if SCREENSHOTS:
            await page.screenshot(path=f"{SCREENSHOTS}/hr-incidents.png", full_page=True)
        await page.select_option("select[name=status]", "acknowledged")
        await page.click("button[type=submit]:has-text('Apply')")
        assert "status=acknowledged" in page.url
        assert "No incidents match" in await page.locator("tbody").inner_text()
        await page.select_option("select[name=status]", "open")
        await page.click("button[type=submit]:has-text('Apply')")
        rows = page.locator("tbody tr")
        assert await rows.count() == 3
        await rows.last.locator("a").click()  # newest first: the last row is the first report
        assert await page.title() == "INC-2026-000001 — Haven"
        words = await page.locator(".text .user-text").first.inner_text()  # the description
        assert '<script>alert("x")</script>' in words  # shown as text, never run
        assert dialogs == []
        if SCREENSHOTS:
            await page.screenshot(path=f"{SCREENSHOTS}/hr-incident.png", full_page=True)
        # keyboard: the skip link is the first stop and leads to the content
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await page.click("nav a:has-text('Insights')")
        assert await page.title() == "Insights — Haven"
        assert await page.locator("figure svg").count() == 3
        if SCREENSHOTS:
            await page.screenshot(path=f"{SCREENSHOTS}/hr-insights.png", full_page=True)


async def test_a_link_works_once_and_a_post_needs_the_csrf_token(desk: tuple[HavenProcess, dict[str, str]]) -> None:
    haven, env = desk
    url = link(env)
    async with chromium() as browser:
        first = await browser.new_page()
        await first.goto(url)
        assert first.url.endswith("/hr/incidents")
        forged = await first.request.post(f"{haven.url}/hr/logout", form={"csrf": "guess"})
        assert forged.status == 403
        await first.reload()
        assert await first.locator("h1").inner_text() == "Incidents"  # still signed in
        stranger = await (await browser.new_context()).new_page()
        response = await stranger.goto(url)
        assert response is not None and response.status == 401
        assert "already been used" in await stranger.locator("main").inner_text()
        listing = await stranger.goto(f"{haven.url}/hr/incidents")
        assert listing is not None and listing.status == 401
        assert "INC-" not in await stranger.content()
        await first.click("button:has-text('Sign out')")
        assert first.url.endswith("/hr/signin")
        again = await first.goto(f"{haven.url}/hr/incidents")
        assert again is not None and again.status == 401


def test_hr_link_refuses_someone_who_is_not_hr(desk: tuple[HavenProcess, dict[str, str]]) -> None:
    _haven, env = desk
    result = cli(env, "hr-link", "--user", "UEMP1")
    assert result.returncode == 2
    assert result.stderr.strip() == "haven: hr-link: UEMP1 is not in HAVEN_HR_USERS"
    off_loopback = cli({**env, "HAVEN_HOST": "0.0.0.0"}, "hr-link", "--user", "UHR1")
    assert off_loopback.returncode == 2 and "loopback" in off_loopback.stderr


async def test_switching_language_keeps_the_filters_and_odd_posts_are_4xx(
        desk: tuple[HavenProcess, dict[str, str]]) -> None:
    haven, env = desk
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(link(env))
        await page.select_option("select[name=status]", "open")
        await page.click("button[type=submit]:has-text('Apply')")
        assert await page.get_attribute("nav a:has-text('Export')", "href") == "/hr/export.csv?status=open"
        japanese = page.locator("a[hreflang=ja]")
        assert await japanese.get_attribute("lang") == "ja"
        await japanese.click()
        assert "status=open" in page.url and "lang=ja" in page.url
        assert await page.locator("h1").inner_text() == "事案一覧"
        assert await page.locator("select[name=status]").input_value() == "open"
        csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
        assert csrf
        multipart = await page.request.post(f"{haven.url}/hr/logout", multipart={"csrf": csrf})
        assert multipart.status == 415
        garbled = await page.request.post(f"{haven.url}/hr/logout", data=b"csrf=\xff",
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert garbled.status == 400
        for query in ("from=0001-01-01", "to=9999-12-31", "from=2026-12-02&to=2026-12-01"):
            for path in ("/hr/incidents", "/hr/export.csv"):
                answer = await page.request.get(f"{haven.url}{path}?{query}&lang=ja")
                assert answer.status == 400, (path, query)
        await page.reload()
        assert await page.locator("h1").inner_text() == "事案一覧"  # still signed in: the odd posts did nothing
    assert "Traceback" not in haven.output()
