"""HAVEN_CLOCK_FILE moves a running server's policy time (what the wellbeing message
says is open, incident ids' year)."""

from __future__ import annotations

from pathlib import Path

from bot.model.clock import FileClock, parse_instant


def test_file_clock_rereads_the_file_on_every_call(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    path.write_text("2026-12-01T02:00:00Z")
    clock = FileClock(path)
    assert clock.now() == parse_instant("2026-12-01T02:00:00Z")
    path.write_text("2027-01-11T09:00:00+09:00")
    assert clock.now() == parse_instant("2027-01-11T00:00:00Z")


async def test_clock_file_moves_a_running_server(tmp_path: Path) -> None:
    from tests.support.serve import get_json, haven_env, start_haven

    clock = tmp_path / "clock"
    clock.write_text("2026-12-01T02:00:00Z")
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", HAVEN_CLOCK_FILE=str(clock))
    haven = start_haven(env, tmp_path)
    try:
        _, body = await get_json(haven.url + "/healthz")
        assert body["now"] == "2026-12-01T02:00:00Z"
        clock.write_text("2027-01-11T00:30:00Z")
        _, body = await get_json(haven.url + "/healthz")
        assert body["now"] == "2027-01-11T00:30:00Z"
    finally:
        haven.stop()
