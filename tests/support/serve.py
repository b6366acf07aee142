"""Start ``haven serve`` as a real OS process for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp


REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HavenProcess:
    """A running ``haven serve``; ``log`` is its combined stdout/stderr file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no cleanup, as in a crash."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def haven_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """A clean environment for a Haven process: no SLACK_*/MICROSOFT_* leaking in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "MICROSOFT_APP_", "HAVEN_"))}
    env.update({"HAVEN_DATABASE_URL": database_url, "HAVEN_TICK_SECONDS": "0.2",
                "PYTHONUNBUFFERED": "1", "HAVEN_HOST": "127.0.0.1",
                # this checkout's code, whatever copy of haven-bot pip last installed
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))})
    env.update(extra)
    return env


def start_haven(env: dict[str, str], tmp_path: Path, *, port: int | None = None,
                wait: bool = True, timeout: float = 30.0, name: str = "haven",
                preexec: Callable[[], None] | None = None) -> HavenProcess:
    """Run ``python -m bot.app.cli serve``; wait until ``/healthz`` answers 200."""
    port = port or free_port()
    env = {**env, "HAVEN_PORT": str(port)}
    log = tmp_path / f"{name}-{port}.log"
    handle = log.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "bot.app.cli", "serve"], env=env,
                               stdout=handle, stderr=subprocess.STDOUT, preexec_fn=preexec,
                               cwd=str(Path(__file__).resolve().parents[2]))
    haven = HavenProcess(process=process, port=port, log=log, env=env)
    if wait:
        wait_healthy(haven, timeout=timeout)
    return haven


def wait_healthy(haven: HavenProcess, *, timeout: float = 30.0) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if haven.process.poll() is not None:
            raise RuntimeError(f"haven exited with {haven.process.returncode}:\n{haven.output()}")
        try:
            with urllib.request.urlopen(haven.url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    haven.stop()
    raise TimeoutError(f"haven did not become healthy:\n{haven.output()}")


async def eventually(check, *, timeout: float = 10.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll an async or sync predicate until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


async def get_json(url: str) -> tuple[int, object]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json(content_type=None)
