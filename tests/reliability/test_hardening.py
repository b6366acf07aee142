"""Hardening found by an attack run: absurd Slack timestamps, idle half-sent connections
holding every file descriptor, ``/metrics`` on its own loopback port."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import time
from pathlib import Path

import aiohttp
import pytest

from bot.app.listen import RESERVED_FILES, accept_burst, connection_cap
from tests.escalation.serve_support import ServeWorld, events_of
from tests.slack.support import Haven, command_body, sign
from tests.support.serve import free_port, start_haven
from tests.escalation.conftest import jst

NOW = jst(2026, 12, 1, 11, 0)
FILE_LIMIT = 160  # the server's open-file limit in the connection test
IDLE = 3 * FILE_LIMIT  # more idle connections than the server has descriptors


async def test_a_5000_digit_slack_timestamp_is_a_401_and_one_log_line(
        slack: Haven, caplog: pytest.LogCaptureFixture) -> None:
    body = command_body("he shouted at me")
    timestamp = "9" * 5000
    caplog.set_level(logging.INFO)
    status, answer = await slack.post(body, headers={**sign(body), "X-Slack-Request-Timestamp": timestamp})
    assert status == 401 and answer == {"ok": False, "error": "invalid_signature"}
    lines = [r for r in caplog.records if r.name.startswith("haven")]
    assert [r.getMessage() for r in lines] == ["slack request refused: a 5000-digit request timestamp"]
    assert not any(r.exc_info for r in caplog.records)
    status, _ = await slack.command("he shouted at me")
    assert status == 200, "a real report still works right after"


def test_the_connection_cap_leaves_descriptors_for_the_database_and_outbound_calls() -> None:
    assert connection_cap(1024) == (1024 - RESERVED_FILES) // 2
    assert connection_cap(FILE_LIMIT) < FILE_LIMIT - 40
    assert connection_cap(10) == 8 and connection_cap(10**9) == 4096
    cap = connection_cap(FILE_LIMIT)
    assert cap + accept_burst(cap) + 40 < FILE_LIMIT, "a flood accepted at once still leaves descriptors free"


def _lower_file_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FILE_LIMIT, FILE_LIMIT))


def _half_sent(port: int, count: int) -> list[socket.socket]:
    """Connections that send half a request's headers and then wait, as in a slowloris."""
    held = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: haven\r\nContent-Type: applic")
        held.append(sock)
    return held


async def test_idle_half_sent_connections_do_not_starve_a_signed_report(tmp_path: Path) -> None:
    world = await ServeWorld.create(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'haven.db'}", NOW)
    held: list[socket.socket] = []
    try:
        process = await asyncio.to_thread(start_haven, world.env, tmp_path, name="capped",
                                          timeout=60, preexec=_lower_file_limit)
        world.processes.append(process)
        held = await asyncio.to_thread(_half_sent, process.port, IDLE)
        await asyncio.sleep(0.5)
        haven = Haven(url=process.url, fake=world.fake)
        try:
            started = time.monotonic()
            status, _ = await asyncio.wait_for(haven.command("he threw a cup at me", trigger="t-cap"), 45)
            assert status == 200, process.output()
            assert time.monotonic() - started < 30
            await world.fake.wait_for("chat.postMessage", 1, timeout=20)
            assert events_of(world.fake, "alert"), "the supervisors were alerted"
        finally:
            await haven.close()
        assert "EMFILE" not in process.output() and "Too many open files" not in process.output()
        assert "connections open (the cap)" in process.output()
    finally:
        for sock in held:
            sock.close()
        await world.close()


async def test_metrics_can_move_to_their_own_loopback_port(tmp_path: Path) -> None:
    world = await ServeWorld.create(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'haven.db'}", NOW)
    metrics_port = free_port()
    world.env["HAVEN_METRICS_PORT"] = str(metrics_port)
    try:
        process = await world.start("metrics")
        async with aiohttp.ClientSession() as http:
            async with http.get(process.url + "/metrics") as response:
                assert response.status == 404, "not on the public port any more"
            async with http.get(f"http://127.0.0.1:{metrics_port}/metrics") as response:
                assert response.status == 200
                assert "haven_incidents_reported_total" in await response.text()
            async with http.get(f"http://127.0.0.1:{metrics_port}/slack/events") as response:
                assert response.status in (404, 405), "only /metrics there"
        assert f"/metrics on http://127.0.0.1:{metrics_port} only" in process.output()
    finally:
        await world.close()


def test_a_bad_metrics_port_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.support.serve import haven_env

    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'haven.db'}", HAVEN_METRICS_PORT="metrics")
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "serve"], env=env, capture_output=True,
                            text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "HAVEN_METRICS_PORT" in result.stderr
