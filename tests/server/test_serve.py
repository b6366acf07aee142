"""``haven serve`` as a real process: health, metrics, the test clock, bad config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.support.serve import get_json, haven_env, start_haven


async def test_serve_without_a_platform_answers_healthz_and_metrics(fresh_database_url: str, tmp_path: Path) -> None:
    haven = start_haven(haven_env(tmp_path, fresh_database_url), tmp_path)
    try:
        status, body = await get_json(haven.url + "/healthz")
        assert status == 200 and body["status"] == "ok" and body["database"] == "ok"
        async with aiohttp.ClientSession() as session, session.get(haven.url + "/metrics") as response:
            text = await response.text()
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
        for name in ("haven_incidents_reported_total", "haven_alerts_delivered_total", "haven_outbox_retries_total",
                     "haven_outbox_dead_letters_total", "haven_refusals_total", "haven_open_incidents",
                     "haven_watchdog_rescued_total"):
            assert name in text, name
        assert "no chat platform is configured" in haven.output()
    finally:
        haven.stop()


async def test_unknown_path_is_404_not_500(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    haven = start_haven(haven_env(tmp_path, url), tmp_path)
    try:
        async with (aiohttp.ClientSession() as session,
                    session.post(haven.url + "/slack/events", data=b"x") as response):
            assert response.status == 404
    finally:
        haven.stop()


def test_bad_port_is_one_clear_line(tmp_path: Path) -> None:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", HAVEN_PORT="abc")
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "serve"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "HAVEN_PORT" in lines[0] and "Traceback" not in result.stderr


def test_clock_file_is_refused_off_loopback(tmp_path: Path) -> None:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'h.db'}",
                    HAVEN_CLOCK_FILE=str(tmp_path / "clock"), HAVEN_HOST="0.0.0.0", HAVEN_PORT="1")
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "serve"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "HAVEN_CLOCK_FILE" in result.stderr
