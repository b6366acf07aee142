"""A small local fake of the Slack Web API (and of Socket Mode's WebSocket).

It records every call and answers like Slack. Faults are scriptable per method:
``fake.script("chat.postMessage", status=429, headers={"Retry-After": "3"},
body={"ok": False, "error": "ratelimited"})`` queues one canned answer; ``fail``,
``rate_limit`` and ``delay`` are shortcuts. Point Haven at ``fake.api_url``
(``SLACK_API_URL``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
import contextlib

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BOT_USER = "UHAVENBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Canned:
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    channel: str | None = None  # answer only a call to this channel


@dataclass
class Channel:
    id: str
    members: list[str]
    is_private: bool = True
    is_ext_shared: bool = False
    is_shared: bool = False
    is_member: bool = True


class FakeSlack:
    """Start with ``await fake.start()``; ``fake.calls`` lists every request in order."""

    def __init__(self, *, bot_token: str = BOT_TOKEN, app_token: str = APP_TOKEN, page_size: int = 2) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.page_size = page_size
        self.calls: list[Call] = []
        self.canned: dict[str, deque[Canned]] = defaultdict(deque)
        self.channels: dict[str, Channel] = {}
        self.locales: dict[str, str] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.sockets: list[web.WebSocketResponse] = []
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._envelopes = itertools.count(1)
        self._changed = asyncio.Event()

    # -- set-up ----------------------------------------------------------------------------

    def add_channel(self, channel_id: str, members: list[str], **flags: bool) -> Channel:
        self.channels[channel_id] = Channel(channel_id, list(members), **flags)
        return self.channels[channel_id]

    def add_user(self, user_id: str, locale: str = "en-US") -> None:
        self.locales[user_id] = locale

    def script(self, method: str, *, status: int = 200, body: dict[str, Any] | None = None,
               headers: dict[str, str] | None = None, delay: float = 0.0, times: int = 1,
               channel: str | None = None) -> None:
        """Queue ``times`` canned answers for ``method`` (used before the normal ones);
        with ``channel``, only for calls to that channel."""
        for _ in range(times):
            self.canned[method].append(Canned(status, body, dict(headers or {}), delay, channel))

    def fail(self, method: str, error: str, *, times: int = 1, channel: str | None = None) -> None:
        self.script(method, body={"ok": False, "error": error}, times=times, channel=channel)

    def rate_limit(self, method: str, retry_after: int = 1, *, times: int = 1) -> None:
        self.script(method, status=429, body={"ok": False, "error": "ratelimited"},
                    headers={"Retry-After": str(retry_after)}, times=times)

    def delay(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Answer normally, but only after ``seconds``."""
        self.script(method, delay=seconds, times=times)

    # -- reading what happened -------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while len(self.calls_to(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} call(s) to {method}, saw {self.methods()}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=0.05)
        return self.calls_to(method)

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    # -- server ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)  # a dead client ends a delay
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else args.pop("token", None)
        self.calls.append(Call(method, args, token))
        self._changed.set()
        canned = self._canned(method, args)
        if canned is not None:
            if canned.delay:
                await asyncio.sleep(canned.delay)
            if canned.body is not None or canned.status != 200:
                return web.json_response(canned.body or {"ok": False}, status=canned.status,
                                         headers=canned.headers)
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(handler(args))

    def _canned(self, method: str, args: dict[str, Any]) -> Canned | None:
        queue = self.canned[method]
        for canned in queue:
            if canned.channel is None or canned.channel == args.get("channel"):
                queue.remove(canned)
                return canned
        return None

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "user_id": BOT_USER, "bot_id": "BHAVEN", "team_id": "T0TEST", "team": "Test"}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel.startswith("U"):
            channel = "D" + channel[1:]
        elif channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        ts = self._next_ts()
        self.messages[(channel, ts)] = dict(args, channel=channel, ts=ts)
        return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, "text": args.get("text")}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (str(args.get("channel")), str(args.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key].update(args)
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), str(args.get("message_ts", ""))
        return {"ok": True, "channel": channel,
                "permalink": f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        return {"ok": True, "view": dict(view or {}, id=f"V{next(self._views):08d}")}

    _views_open = _views_update = _views_publish = _view

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user", ""))
        info: dict[str, Any] = {"id": user, "name": user.lower()}
        if str(args.get("include_locale", "")).lower() in ("1", "true"):
            info["locale"] = self.locales.get(user, "en-US")
        return {"ok": True, "user": info}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {
            "id": channel.id, "is_channel": not channel.is_private, "is_group": channel.is_private,
            "is_private": channel.is_private, "is_ext_shared": channel.is_ext_shared,
            "is_shared": channel.is_shared or channel.is_ext_shared, "is_org_shared": False,
            "is_member": channel.is_member, "is_archived": False}}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        start = int(args.get("cursor") or 0)
        page = channel.members[start:start + self.page_size]
        more = start + self.page_size < len(channel.members)
        return {"ok": True, "members": page,
                "response_metadata": {"next_cursor": str(start + self.page_size) if more else ""}}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    # -- Socket Mode -------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        self._changed.set()
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            waiter = self._waiting.pop(str(data.get("envelope_id")), None)
            if waiter and not waiter.done():
                waiter.set_result(data)
        self.sockets.remove(ws)
        return ws

    async def wait_connected(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.sockets:
            if time.monotonic() > deadline:
                raise AssertionError("nobody connected to the fake Socket Mode server")
            await asyncio.sleep(0.02)

    async def send_envelope(self, kind: str, payload: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        """Send one envelope to the connected app and return its answer (``payload`` etc.)."""
        envelope_id = f"env-{next(self._envelopes)}"
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[envelope_id] = waiter
        await self.sockets[-1].send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                          "accepts_response_payload": True})
        return await asyncio.wait_for(waiter, timeout)
