"""A small local fake of the Bot Connector service (what Teams' ``serviceUrl`` points at).

It records every reply/send (``POST /v3/conversations/{id}/activities[/{replyTo}]``),
update (``PUT …/activities/{id}``), new conversation (``POST /v3/conversations``),
member look-up (``GET /v3/conversations/{teamId}/members/{aadObjectId}``: 200 for a
scripted member, 404 otherwise) and member list (``GET /v3/conversations/{teamId}/pagedmembers
?pageSize=&continuationToken=``: ``{"members": [TeamsChannelAccount…], "continuationToken"}``,
with ``userRole`` ``user`` or ``guest``), as Microsoft documents the Bot Connector REST
API. Tests can inject faults: ``fail(429, retry_after=…)``,
``fail(403, code="BotNotInConversationRoster")``, ``fail(500)``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.cards import assert_valid_cards

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Call:
    method: str
    kind: str  # "send" | "reply" | "update" | "create" | "member" | "members"
    conversation: str | None
    activity_id: str | None  # replyTo for "reply", the updated id for "update", the new id for sends
    body: dict[str, Any] = field(default_factory=dict)
    authorization: str | None = None  # the Authorization header Haven sent

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
    message: str


class FakeBotConnector:
    """``async with FakeBotConnector() as connector: connector.url``."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.members: dict[str, set[str]] = {}
        self.guests: set[str] = set()
        self.names: dict[str, str] = {}
        self.faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- scripting ---------------------------------------------------------------------

    def add_member(self, team_id: str, aad_id: str, name: str | None = None, *, guest: bool = False) -> None:
        """``team_id`` may be a team or a 1:1 conversation; ``name`` is the display name;
        a ``guest`` is someone from outside the organisation (``userRole: "guest"``)."""
        self.members.setdefault(team_id, set()).add(aad_id)
        if name:
            self.names[aad_id] = name
        if guest:
            self.guests.add(aad_id)

    def remove_member(self, team_id: str, aad_id: str) -> None:
        self.members.get(team_id, set()).discard(aad_id)

    def fail(self, status: int, *, kind: str | None = None, method: str | None = None, times: int = 1,
             retry_after: float | None = None, code: str = "", message: str = "") -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.faults.append(Fault(status, method, kind, times, headers, code or f"Fault{status}",
                                 message or f"injected {status}"))

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
        app.router.add_get("/v3/conversations/{conversation}/pagedmembers", self._paged_members)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        if self._runner:
            await self._runner.cleanup()
        if exc_type is None:  # every card Haven sent is valid for Microsoft's schema (tests/support/cards.py)
            assert_valid_cards([card for call in self.calls for card in call.cards])

    def _fault(self, method: str, kind: str) -> web.Response | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method in (None, method) and fault.kind in (None, kind):
                fault.times -= 1
                body = {"error": {"code": fault.code, "message": fault.message}}
                return web.json_response(body, status=fault.status, headers=fault.headers)
        return None

    async def _record(self, request: web.Request, kind: str, activity: str | None) -> tuple[Call, web.Response | None]:
        body = await request.json() if request.can_read_body else {}
        call = Call(request.method, kind, request.match_info.get("conversation"), activity, body,
                    request.headers.get("Authorization"))
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
        _, fault = await self._record(request, "reply", request.match_info["activity"])
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
        call = Call("GET", "member", team, member, authorization=request.headers.get("Authorization"))
        fault = self._fault("GET", "member")
        self.calls.append(call)
        if fault:
            return fault
        if member in self.members.get(team, set()):
            return web.json_response(self._account(member))
        return web.json_response({"error": {"code": "MemberNotFoundInConversation",
                                            "message": "not a member"}}, status=404)

    def _account(self, aad_id: str) -> dict[str, Any]:
        found = {"id": f"29:{aad_id}", "aadObjectId": aad_id,
                 "userRole": "guest" if aad_id in self.guests else "user"}
        if aad_id in self.names:
            found["name"] = self.names[aad_id]
        return found

    async def _paged_members(self, request: web.Request) -> web.Response:
        """One page of a team's members; ``pageSize`` below 50 counts as 50, above 500 as 500."""
        team = request.match_info["conversation"]
        call = Call("GET", "members", team, None, dict(request.query), request.headers.get("Authorization"))
        fault = self._fault("GET", "members")
        self.calls.append(call)
        if fault:
            return fault
        try:
            size = min(500, max(50, int(request.query.get("pageSize", "50"))))
            start = int(request.query.get("continuationToken", "0"))
        except ValueError:
            return web.json_response({"error": {"code": "BadArgument", "message": "bad paging"}}, status=400)
        everyone = sorted(self.members.get(team, set()))
        page: dict[str, Any] = {"members": [self._account(m) for m in everyone[start:start + size]]}
        if start + size < len(everyone):
            page["continuationToken"] = str(start + size)
        return web.json_response(page)
