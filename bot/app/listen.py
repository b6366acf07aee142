"""Listening for ``haven serve``: the sockets, a cap on open connections, and the
optional loopback port for ``/metrics`` (``HAVEN_METRICS_PORT``).

aiohttp has no timeout for reading a request's headers, so connections that send half a
request and wait would each hold a file descriptor until the keep-alive timeout; enough
of them exhaust the process's descriptors and real requests are no longer accepted. The
:class:`Gate` keeps the number of open connections under a cap derived from the open-file
limit; at the cap, the connection that has been idle (no request being handled) the
longest is closed to make room. An Internet-facing Haven still belongs behind a reverse
proxy that buffers requests (see the README); the gate is the last line of defence.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import signal
from collections.abc import Callable
from typing import Any

from aiohttp import web

log = logging.getLogger("haven.server")
RESERVED_FILES = 64  # descriptors kept for the database, outbound HTTP, logs and files
MAX_CONNECTIONS = 4096
BODY_SECONDS = 10.0  # Slack and Bot Framework send small bodies at once


def connection_cap(limit: int | None = None) -> int:
    """How many client connections may be open at once: half the open-file limit (the
    rest is for the database pool, outbound HTTP and files), at most 4096, at least 8."""
    if limit is None:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        limit = soft if soft != resource.RLIM_INFINITY else 2 * MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, (limit - RESERVED_FILES) // 2))


def accept_burst(cap: int) -> int:
    """The listen backlog, which asyncio also uses as the number of connections it accepts
    in one go, before the gate sees any of them: kept to half the cap, so a flood never
    takes more descriptors at once than the cap left free (no EMFILE, no paused accepts)."""
    return max(8, min(128, cap // 2))


class Gate:
    """Wraps aiohttp's protocol factory: when a new connection arrives with ``cap`` already
    open, closes the one that has been open longest without a request being handled (or,
    when every connection is busy, the new one). Counts what it closed in ``evicted``."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.server: web.Server | None = None
        self.busy: set[Any] = set()
        self.evicted = 0

    def bind(self, server: web.Server) -> Gate:
        """The protocol factory to listen with: ``server``'s, behind the gate."""
        self.server = server
        return self

    def __call__(self) -> Any:
        assert self.server is not None
        protocol = self.server()
        live = [p for p in self.server.connections if p.transport is not None and not p.transport.is_closing()]
        if len(live) >= self.cap:
            idle = next((p for p in live if p not in self.busy), None)  # oldest first
            self.evicted += 1
            if idle is not None:
                _abort(idle)
            else:
                asyncio.get_running_loop().call_soon(_abort, protocol)
            if self.evicted in (1, 10, 100) or self.evicted % 1000 == 0:
                log.warning("%d connections open (the cap): closed the longest idle one (%d so far)",
                            len(live), self.evicted)
        return protocol

    @web.middleware
    async def middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Reads the body (a body that never comes keeps its connection idle, so evictable,
        and is answered 408 after :data:`BODY_SECONDS`); then marks the connection busy
        while the request is handled."""
        try:
            await asyncio.wait_for(request.read(), BODY_SECONDS)
        except TimeoutError:
            return web.json_response({"error": "request_timeout"}, status=408)
        protocol = request.protocol
        self.busy.add(protocol)
        try:
            response: web.StreamResponse = await handler(request)
            return response
        finally:
            self.busy.discard(protocol)


def _abort(protocol: Any) -> None:
    if protocol.transport is not None:
        protocol.transport.abort()


async def run(app: web.Application, *, host: str, port: int, metrics: web.Application | None,
              metrics_port: int | None, gate: Gate | None, ready: Callable[[], None]) -> None:
    """Serve ``app`` until SIGINT or SIGTERM; ``metrics`` on 127.0.0.1:``metrics_port``."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    servers: list[asyncio.Server] = []
    extra: list[web.AppRunner] = []
    try:
        loop = asyncio.get_running_loop()
        assert runner.server is not None
        factory: Callable[[], Any] = runner.server if gate is None else gate.bind(runner.server)
        servers.append(await loop.create_server(factory, host, port, reuse_address=True,
                                                backlog=accept_burst(gate.cap if gate else MAX_CONNECTIONS)))
        if metrics is not None and metrics_port is not None:
            extra.append(await _loopback(metrics, metrics_port))
        ready()
        await _until_signalled()
    finally:
        for server in servers:
            server.close()
        for other in extra:
            await other.cleanup()
        await runner.cleanup()


async def _loopback(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

