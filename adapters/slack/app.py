"""Haven in Slack: the bolt app, its route, its start-up checks (the composition of
``adapters/slack``). ``bot.app.server`` calls :func:`mount` with ``Haven`` and the
:class:`SlackSettings` when ``SLACK_BOT_TOKEN`` is set."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp

from adapters.slack.api import make_client, quiet_logger
from adapters.slack.directory import Locales, SlackDirectory
from adapters.slack.endpoint import Endpoint, not_found
from adapters.slack.listeners import PLATFORM, Slack, answer_abuse, register
from adapters.slack.messenger import SlackMessenger
from adapters.slack.startup import check_settings, check_workspace, seed_authorization
from bot.core import Haven
from bot.model.settings import SlackSettings

log = logging.getLogger("haven.slack")
SLACK: web.AppKey[Slack] = web.AppKey("slack", Slack)
BOLT: web.AppKey[AsyncApp] = web.AppKey("slack_bolt", AsyncApp)


@dataclass
class Connections:
    """What the Slack side opens at start and closes at clean-up."""

    session: aiohttp.ClientSession | None = None
    socket: Any = None  # adapters.slack.socket_mode.SocketMode


CONNECTIONS: web.AppKey[Connections] = web.AppKey("slack_connections", Connections)


def build(haven: Haven, settings: SlackSettings) -> tuple[AsyncApp, Slack]:
    """The bolt app with Haven's listeners, and the ports registered on the core."""
    check_settings(settings)
    assert settings.bot_token
    client = make_client(settings.bot_token, settings.api_url)
    supervisors, escalation = settings.supervisor_channel, settings.escalation_channel
    hr = settings.hr_channel
    slack = Slack(
        haven=haven,
        settings=settings,
        client=client,
        messenger=SlackMessenger(client, supervisors=supervisors, escalation=escalation, hr=hr),
        directory=SlackDirectory(client, supervisors=supervisors, escalation=escalation, hr=hr),
        locales=Locales(client, default=settings.locale),
    )
    bolt = AsyncApp(
        client=client,
        signing_secret=settings.signing_secret or "",
        process_before_response=True,  # no 10 ms ack polling; commits finish before the answer
        request_verification_enabled=False,  # Haven's endpoint verified the raw body already
        logger=quiet_logger("haven.slack.bolt", logging.ERROR),  # bolt logs bodies at WARNING
    )
    register(bolt, slack)
    haven.connect(PLATFORM, messenger=slack.messenger, directory=slack.directory)
    return bolt, slack


def mount(app: web.Application, haven: Haven, settings: SlackSettings) -> None:
    """Route ``POST /slack/events`` (404 in Socket Mode) and add the start-up checks."""
    haven.mark_ready(PLATFORM, False)
    bolt, slack = build(haven, settings)
    app[SLACK] = slack
    app[BOLT] = bolt
    app[CONNECTIONS] = Connections()
    if settings.app_token:
        app.router.add_post("/slack/events", not_found)
    else:
        assert settings.signing_secret
        endpoint = Endpoint(bolt, settings.signing_secret,
                            abuse=lambda body, context: answer_abuse(slack, body, context))
        app.router.add_post("/slack/events", endpoint.handle)
    app.on_startup.append(_startup)
    app.on_cleanup.append(_cleanup)


async def _startup(app: web.Application) -> None:
    slack = app[SLACK]
    settings = slack.settings
    connections = app[CONNECTIONS]
    connections.session = aiohttp.ClientSession()
    slack.client.session = connections.session  # one connection pool for every Web API call
    try:
        seed_authorization(app[BOLT], await check_workspace(slack.client, settings))
        if settings.app_token:
            from adapters.slack.socket_mode import SocketMode

            connections.socket = SocketMode(app[BOLT], settings.app_token, slack.client)
            await connections.socket.open()
    except BaseException:
        await _cleanup(app)  # aiohttp does not clean up after a failed start
        raise
    slack.haven.mark_ready(PLATFORM)
    log.info("slack ready (%s)", "socket mode" if settings.app_token else "events over HTTP")


async def _cleanup(app: web.Application) -> None:
    connections = app[CONNECTIONS]
    socket, connections.socket = connections.socket, None
    if socket is not None:
        await socket.close_async()
    await app[SLACK].locales.close()
    session, connections.session = connections.session, None
    app[SLACK].client.session = None  # anything sent while shutting down opens its own
    if session is not None and not session.closed:
        await session.close()

