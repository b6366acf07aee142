"""A small local fake of the Bot Connector service (what Teams' ``serviceUrl`` points at).

It records every reply/send (``POST /v3/conversations/{id}/activities[/{replyTo}]``),
update (``PUT …/activities/{id}``), new conversation (``POST /v3/conversations``) and
member look-up (``GET /v3/conversations/{teamId}/members/{aadObjectId}``: 200 for a
scripted member, 404 otherwise). Tests can inject faults: ``fail(429, retry_after=…)``,
``fail(403, code="BotNotInConversationRoster")``, ``fail(500)``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Call:
    method: str
    kind: str  # "send" | "reply" | "update" | "create" | "member"
    conversation: str | None
    activity_id: str | None  # replyTo for "reply", the updated id for "update", the new id for sends
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.body.get("attachments") or [] if a.get("contentType") == CARD]

    @property
    def text(self) -> str:
        """Everything a person would read: the activity text and every card text block."""
        parts = [self.body.get("text") or ""]
        for card in self.cards:
            parts.extend(_texts(card))
        return "\n".join(p for p in parts if p)


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [str(node[k]) for k in ("text", "title", "value") if isinstance(node.get(k), str)]
        for value in node.values():
            if isinstance(value, (dict, list)):
                found.extend(_texts(value))
        return found
    if isinstance(node, list):
        return [text for item in node for text in _texts(item)]
    return []


@dataclass
class Fault:
    status: int
    method: str | None
    kind: str | None
    times: int
    headers: dict[str, str]
    code: str


class FakeBotConnector:
    """``async with FakeBotConnector() as connector: connector.url``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.members: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}
        self.faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- scripting ---------------------------------------------------------------------

    def add_member(self, team_id: str, aad_id: str, name: str | None = None) -> None:
        """``team_id`` may be a team or a 1:1 conversation; ``name`` is the display name."""
        self.members.setdefault(team_id, set()).add(aad_id)
        if name:
            self.names[aad_id] = name

    def remove_member(self, team_id: str, aad_id: str) -> None:
        self.members.get(team_id, set()).discard(aad_id)

    def fail(self, status: int, *, kind: str | None = None, method: str | None = None, times: int = 1,
             retry_after: float | None = None, code: str = "") -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.faults.append(Fault(status, method, kind, times, headers, code or f"Fault{status}"))

    # -- reading -----------------------------------------------------------------------

    def of(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]

    def posts(self) -> list[Call]:
        """Every activity sent (new posts, replies and first messages of new conversations)."""
        return [c for c in self.calls if c.kind in ("send", "reply")]

    def posts_to(self, conversation: str) -> list[Call]:
        return [c for c in self.posts() if c.conversation == conversation]

    # -- server ------------------------------------------------------------------------

    async def __aenter__(self) -> FakeBotConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._reply)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner:
            await self._runner.cleanup()

    def _fault(self, method: str, kind: str) -> web.Response | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method in (None, method) and fault.kind in (None, kind):
                fault.times -= 1
                body = {"error": {"code": fault.code, "message": f"injected {fault.status}"}}
                return web.json_response(body, status=fault.status, headers=fault.headers)
        return None

    async def _record(self, request: web.Request, kind: str, activity: str | None) -> tuple[Call, web.Response | None]:
        body = await request.json() if request.can_read_body else {}
        call = Call(request.method, kind, request.match_info.get("conversation"), activity, body)
        fault = self._fault(request.method, kind)
        if fault is None:
            self.calls.append(call)
        return call, fault

    async def _create(self, request: web.Request) -> web.Response:
        call, fault = await self._record(request, "create", None)
        if fault:
            return fault
        number = next(self._ids)
        channel = ((call.body.get("channelData") or {}).get("channel") or {}).get("id")
        conversation = f"{channel};messageid={number}" if channel else f"a:personal-{number}"
        return web.json_response({"id": conversation, "activityId": f"activity-{number}"}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        call, fault = await self._record(request, "send", None)
        if fault:
            return fault
        call.activity_id = f"activity-{next(self._ids)}"
        return web.json_response({"id": call.activity_id}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        _call, fault = await self._record(request, "reply", request.match_info["activity"])
        if fault:
            return fault
        return web.json_response({"id": f"activity-{next(self._ids)}"}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        call, fault = await self._record(request, "update", request.match_info["activity"])
        if fault:
            return fault
        return web.json_response({"id": call.activity_id}, status=200)

    async def _member(self, request: web.Request) -> web.Response:
        team, member = request.match_info["conversation"], request.match_info["member"]
        call = Call("GET", "member", team, member)
        fault = self._fault("GET", "member")
        self.calls.append(call)
        if fault:
            return fault
        if member in self.members.get(team, set()):
            found = {"id": f"29:{member}", "aadObjectId": member}
            if member in self.names:
                found["name"] = self.names[member]
            return web.json_response(found)
        return web.json_response({"error": {"code": "MemberNotFoundInConversation",
                                            "message": "not a member"}}, status=404)
