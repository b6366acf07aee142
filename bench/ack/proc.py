"""Starting pinned server processes and reading their memory and CPU from /proc."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cores() -> tuple[int, int]:
    """(server core, load generator core): two distinct CPUs when there are two."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        print("bench: warning: one CPU only; server and load generator share it", file=sys.stderr)
        return available[0], available[0]
    return available[0], available[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def status(self, field: str) -> int:
        """A ``/proc/<pid>/status`` field in kB (``VmRSS``, ``VmHWM``)."""
        for line in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise LookupError(field)

    def cpu(self) -> float:
        """CPU seconds (user + system) used so far."""
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start(name: str, argv: list[str], *, core: int, port: int, env: dict[str, str], logs: Path) -> Process:
    """Run ``argv`` pinned to ``core`` (``taskset`` execs, so the pid is the server's own)."""
    log = logs / f"{name}.log"
    handle = log.open("wb")
    popen = subprocess.Popen(["taskset", "-c", str(core), *argv], env=env, cwd=str(ROOT),
                             stdout=handle, stderr=subprocess.STDOUT)
    return Process(name, popen, port, log)


async def wait_ready(process: Process, path: str | None, timeout: float = 60.0) -> None:
    """Until ``path`` answers 200 (or, with no path, the port accepts connections)."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
            try:
                if path is None:
                    _, writer = await asyncio.open_connection("127.0.0.1", process.port)
                    writer.close()
                    return
                async with session.get(process.url + path) as response:
                    if response.status == 200:
                        return
            except (OSError, aiohttp.ClientError):
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{process.name} did not become ready in {timeout:.0f}s:\n{process.tail()}")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any SLACK_/HAVEN_/MICROSOFT_ variable leaking in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_APP_", "HAVEN_"))}
    env.update({"PYTHONUNBUFFERED": "1", **extra})
    return env
