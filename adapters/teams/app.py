"""``POST /api/messages``: Haven's own handler in front of the Agents SDK's CloudAdapter.

Haven checks the request itself before the SDK sees it: 415 for a wrong content type,
401 for a missing (with an app id) or malformed bearer, or a token header that is not
RS256 with a key id (no network needed); 400 for JSON or an activity it cannot read;
then the token (the SDK's validator, keys from :mod:`adapters.teams.keys`: 401 when it
is refused, 503 while Microsoft's keys cannot be fetched) and its ``serviceurl`` claim,
which must be the activity's ``serviceUrl`` (as botbuilder's channel validation required:
a token cannot send Haven's replies elsewhere); 403 for another tenant; then
``adapter.process_activity`` with the verified claims, and the invoke body serialized
here. Never a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity
from pydantic import ValidationError

from adapters.teams import auth, parse
from adapters.teams.bot import HavenTeamsBot
from adapters.teams.directory import TeamsDirectory
from adapters.teams.keys import FAILURE_SECONDS, KeysUnavailable, SigningKeys
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.names import Names
from adapters.teams.registration import Registrar
from adapters.teams.store import TeamsLinks
from bot.core import Haven
from bot.model.errors import log_unexpected
from bot.model.settings import TeamsSettings

log = logging.getLogger("haven.teams")
PLATFORM = "teams"
KEYS = web.AppKey("haven_teams_keys", SigningKeys)


class MessagesEndpoint:
    """The aiohttp handler; one per app."""

    def __init__(self, settings: TeamsSettings, credentials: auth.Credentials, bot: HavenTeamsBot) -> None:
        self.settings = settings
        self.credentials = credentials
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
            identity = await self.credentials.identity(header)
        except KeysUnavailable:
            return _error(503, "the token cannot be checked right now", retry_after=FAILURE_SECONDS)
        except Exception as exc:  # bad signature, expired, wrong audience or tenant, unreadable claims
            log.warning("Teams request refused: %s", type(exc).__name__)
            return _error(401, "unauthorized")
        if not auth.service_url_matches(identity, activity.service_url, required=bool(self.settings.app_id)):
            log.warning("Teams request refused: the token is for another serviceUrl")
            return _error(401, "unauthorized")
        if auth.tenant_refused(self.settings, parse.tenant_of(activity.model_dump(mode="json", by_alias=True))):
            log.warning("Teams activity from another tenant refused")
            return _error(403, "this bot serves one tenant")
        try:
            response = await self.credentials.adapter.process_activity(identity, activity, self.bot.on_turn)
        except Exception:
            code = log_unexpected("teams activity")
            return web.json_response({"error": "internal", "ref": code}, status=503)
        if response is None:
            return web.Response(status=200)
        return web.json_response(response.body, status=response.status or 200)


async def _read_activity(request: web.Request) -> Activity | web.Response:
    try:
        body: Any = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return _error(400, "the body is not JSON")
    problem = parse.shape_problem(body)
    if problem:
        return _error(400, problem)
    try:
        return Activity.model_validate(body)
    except (ValidationError, ValueError, TypeError):
        return _error(400, "the body is not an activity")


def _error(status: int, reason: str, *, retry_after: float | None = None) -> web.Response:
    headers = {"Retry-After": str(int(retry_after))} if retry_after else None
    return web.json_response({"error": reason}, status=status, headers=headers)


def mount(app: web.Application, haven: Haven, settings: TeamsSettings) -> None:
    """Register the Teams messenger and directory on the core and add ``POST /api/messages``."""
    credentials = auth.Credentials(settings)
    app_id = credentials.app_id
    links = TeamsLinks(haven.links)
    people = Names(credentials.factory, links, app_id)
    messenger = TeamsMessenger(credentials.adapter, links, app_id, people)
    haven.connect(PLATFORM, messenger=messenger,
                  directory=TeamsDirectory(credentials.factory, links, app_id, on_name=people.seen))
    registrar = Registrar(credentials.factory, links, app_id, admins=set(settings.admins),
                          allow_guests=settings.allow_guests, default_locale=settings.locale)
    bot = HavenTeamsBot(haven, settings, links, messenger, registrar)
    app[KEYS] = credentials.keys
    app.router.add_post("/api/messages", MessagesEndpoint(settings, credentials, bot))
    app.on_startup.append(lambda _: _forget_names(links))
    haven.mark_ready(PLATFORM)


async def _forget_names(links: TeamsLinks) -> None:
    try:
        await links.forget_names()
    except Exception:
        log_unexpected("teams forget stored names")
