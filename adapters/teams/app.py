"""``POST /api/messages``: Haven's own handler in front of botbuilder's CloudAdapter.

botbuilder 4.17.1's ``CloudAdapter.process()`` serializes invoke responses twice (every
card action would be a 500) and turns a missing Content-Type, a non-JWT bearer or a
broken body into 500s, so Haven checks the request itself: 415 for a wrong content type,
401 for a missing (with an app id) or malformed bearer, 400 for JSON or an Activity it
cannot read, 403 for another tenant; then ``adapter.process_activity`` with the
authentication result, and the invoke body serialized here. Never a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from adapters.teams import auth, parse
from adapters.teams.bot import HavenTeamsBot
from adapters.teams.directory import TeamsDirectory
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.names import Names
from adapters.teams.store import TeamsLinks
from bot.core import Haven
from bot.model.errors import log_unexpected
from bot.model.settings import TeamsSettings

log = logging.getLogger("haven.teams")
PLATFORM = "teams"


class MessagesEndpoint:
    """The aiohttp handler; one per app."""

    def __init__(self, settings: TeamsSettings, adapter: CloudAdapter, bot: HavenTeamsBot) -> None:
        self.settings = settings
        self.adapter = adapter
        self.bot = bot

    async def __call__(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _error(415, "Content-Type must be application/json")
        header = request.headers.get("Authorization")
        problem = auth.bearer_problem(header, required=bool(self.settings.app_id))
        if problem:
            return _error(401, problem)
        activity = await _read_activity(request)
        if isinstance(activity, web.Response):
            return activity
        try:
            authenticated = await self.adapter.bot_framework_authentication.authenticate_request(
                activity, auth.forwarded_header(self.settings, header))
        except Exception as exc:  # bad signature, expired, wrong audience, keys unreachable
            log.warning("Teams request refused: %s", type(exc).__name__)
            return _error(401, "unauthorized")
        if auth.tenant_refused(self.settings, parse.tenant_of(activity.serialize())):
            log.warning("Teams activity from another tenant refused")
            return _error(403, "this bot serves one tenant")
        try:
            response = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        except Exception:
            code = log_unexpected("teams activity")
            return web.json_response({"error": "internal", "ref": code}, status=503)
        if response is None:
            return web.Response(status=200)
        return web.json_response(_plain(response.body), status=response.status or 200)


async def _read_activity(request: web.Request) -> Activity | web.Response:
    try:
        body: Any = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return _error(400, "the body is not JSON")
    problem = parse.shape_problem(body)
    if problem:
        return _error(400, problem)
    try:
        activity = Activity().deserialize(body)
    except Exception:
        return _error(400, "the body is not an activity")
    return activity


def _plain(body: Any) -> Any:
    """Invoke bodies are plain dicts built by render.py; anything else is serialized once."""
    if body is None or isinstance(body, (dict, list, str, int, float, bool)):
        return body
    serialize = getattr(body, "serialize", None)
    return serialize() if callable(serialize) else str(body)


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def mount(app: web.Application, haven: Haven, settings: TeamsSettings) -> None:
    """Register the Teams messenger and directory on the core and add ``POST /api/messages``."""
    adapter = auth.make_adapter(settings)
    app_id = settings.app_id or ""
    links = TeamsLinks(haven.links)
    people = Names(adapter, links, app_id)
    messenger = TeamsMessenger(adapter, links, app_id, people)
    haven.connect(PLATFORM, messenger=messenger, directory=TeamsDirectory(adapter, links, app_id, on_name=people.seen))
    bot = HavenTeamsBot(haven, settings, links, messenger)
    app.router.add_post("/api/messages", MessagesEndpoint(settings, adapter, bot))
    app.on_startup.append(lambda _: _forget_names(links))
    haven.mark_ready(PLATFORM)


async def _forget_names(links: TeamsLinks) -> None:
    try:
        await links.forget_names()
    except Exception:
        log_unexpected("teams forget stored names")
