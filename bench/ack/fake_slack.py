"""A local fake of the Slack Web API for the benchmark: answers every method at once
(no rate limits) and remembers when each supervisors' alert arrived.

Run as its own process: ``python -m bench.ack.fake_slack PORT SUPERVISOR_CHANNEL``.
Times are ``time.monotonic()`` (CLOCK_MONOTONIC, shared by every process on Linux), so
the load generator can subtract its own send times from them.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import time
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

INCIDENT = re.compile(r"INC-\d{4}-\d{6}")
ALERTS: web.AppKey[list[tuple[str, float]]] = web.AppKey("alerts", list)
COUNTS: web.AppKey[dict[str, int]] = web.AppKey("counts", dict)
POSTS: web.AppKey[list[tuple[str, str, str, float]]] = web.AppKey("posts", list)


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        raw = await request.read()
        if request.content_type == "application/json":
            args.update(json.loads(raw or b"{}"))
        else:
            args.update(parse_qsl(raw.decode()))
    return args


def make_app(supervisors: str) -> web.Application:
    """The fake: ``/api/<method>`` for Slack, ``/_bench/*`` for the load generator."""
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app[ALERTS] = []
    app[COUNTS] = {}
    app[POSTS] = []
    ts = itertools.count(1)

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        counts = request.app[COUNTS]
        counts[method] = counts.get(method, 0) + 1
        body: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            body.update(user_id="UBENCHBOT", bot_id="BBENCH", team_id="TBENCH", team="bench",
                        url="https://bench.slack.com/")
        elif method == "conversations.info":
            channel = args.get("channel", supervisors)
            body["channel"] = {"id": channel, "is_private": True, "is_archived": False,
                               "is_member": True, "name": "supervisors"}
        elif method == "conversations.members":
            body.update(members=["USUPERVISOR1", "USUPERVISOR2"], response_metadata={"next_cursor": ""})
        elif method == "users.info":
            body["user"] = {"id": args.get("user", "U0"), "locale": "en-US", "tz": "Asia/Tokyo"}
        elif method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            channel = str(args.get("channel", ""))
            body.update(channel=channel, ts=f"{1700000000 + next(ts)}.000100")
            metadata = args.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            if method == "chat.postMessage" and isinstance(metadata, dict):  # every post: (channel, kind, incident, at)
                payload = metadata.get("event_payload") or {}
                request.app[POSTS].append((channel, str(metadata.get("event_type")),
                                           str(payload.get("incident") or ""), time.monotonic()))
            if method == "chat.postMessage" and channel == supervisors and isinstance(metadata, dict):
                at = time.monotonic()
                if metadata.get("event_type") == "haven_alert":
                    incident = (metadata.get("event_payload") or {}).get("incident")
                    request.app[ALERTS].append((str(incident), at))
                elif metadata.get("event_type") == "haven_digest":  # --paced: one post, many incidents
                    for incident in sorted(set(INCIDENT.findall(str(args.get("text", ""))))):
                        request.app[ALERTS].append((incident, at))
        elif method == "chat.getPermalink":
            body["permalink"] = "https://bench.slack.com/archives/C/p1"
        return web.json_response(body)

    async def alerts(request: web.Request) -> web.Response:
        return web.json_response({"alerts": request.app[ALERTS], "counts": request.app[COUNTS]})

    async def posts(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"posts": request.app[POSTS][since:], "total": len(request.app[POSTS])})

    async def reset(request: web.Request) -> web.Response:
        request.app[POSTS].clear()
        request.app[ALERTS].clear()
        request.app[COUNTS].clear()
        return web.json_response({"ok": True})

    app.router.add_route("*", "/api/{method}", api)
    app.router.add_get("/_bench/alerts", alerts)
    app.router.add_get("/_bench/posts", posts)
    app.router.add_post("/_bench/reset", reset)
    return app


def main() -> None:
    port, supervisors = int(sys.argv[1]), sys.argv[2]
    web.run_app(make_app(supervisors), host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
