"""Checks before ``haven serve`` or ``haven console`` starts: each bad setting is one
:class:`ConfigError` line naming the variable (the command exits 2).

The policy file, the address to listen on, the database (reachable, existing, migrated)
and the encryption key against the stored reports. Slack's own checks (token, channels)
run when the server starts, in ``adapters/slack/startup.py``.
"""

from __future__ import annotations

import asyncio
import errno
import socket

from bot.app.config import ConfigError, Settings, check_safety
from bot.app.runtime import open_database, policy_from
from policy.loader import DEFAULT_POLICY_PATH


def preflight(settings: Settings, *, listen: bool) -> None:
    """Raise :class:`ConfigError` for the first bad setting; print the active policy when serving."""
    policy = policy_from(settings)
    if listen:
        check_safety(settings)
        check_port(settings.host, settings.port)
    asyncio.run(_database(settings))
    if listen:
        print(f"haven: policy {policy.version} from {settings.policy or DEFAULT_POLICY_PATH}", flush=True)


async def _database(settings: Settings) -> None:
    db = await open_database(settings)
    await db.dispose()


def check_port(host: str, port: int) -> None:
    """Bind ``host:port`` once, as the server will, and say why it cannot be used."""
    if port == 0:
        return
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ConfigError(f"HAVEN_HOST: cannot resolve {host!r} to an address of this machine") from None
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
            try:
                probe.bind(address)
            except OSError as exc:
                raise ConfigError(_bind_problem(host, port, exc)) from None


def _bind_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"HAVEN_PORT: {host}:{port} is already in use (another Haven or another program); "
                "stop it or choose another port")
    if exc.errno == errno.EACCES:
        return f"HAVEN_PORT: not allowed to listen on port {port} (ports below 1024 need privileges)"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"HAVEN_HOST: {host!r} is not an address of this machine"
    return f"HAVEN_PORT: cannot listen on {host}:{port} ({exc.strerror or exc})"
