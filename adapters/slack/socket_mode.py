"""Socket Mode (``SLACK_APP_TOKEN``): the same checks and listeners over a WebSocket.

Each envelope's payload is checked like an HTTP body; a malformed one is acknowledged
empty (so Slack does not resend it) and never reaches bolt. The follow-ups the
listeners queued run after the envelope's answer has been sent.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import parse
from adapters.slack.api import call, quiet_logger
from adapters.slack.endpoint import Seen
from adapters.slack.listeners import AFTER, run_later
from bot.model.errors import BadRequest, ConfigError, log_unexpected
from bot.model.ports import DeliveryError

log = logging.getLogger("haven.slack")


def check_envelope(kind: str, payload: Any) -> dict[str, Any]:
    """The payload of one envelope, checked like the body of an HTTP request."""
    if not isinstance(payload, dict):
        raise BadRequest("envelope payload is not an object")
    if kind == "slash_commands":
        return parse.check_command(payload)
    if kind == "interactive":
        return parse.check_payload(payload)
    if kind == "events_api":
        return parse.check_envelope(payload)
    raise BadRequest(f"unknown envelope type {kind}")


class SocketMode(AsyncSocketModeHandler):
    """bolt's aiohttp Socket Mode handler with Haven's checks and follow-ups."""

    def __init__(self, app: AsyncApp, app_token: str, client: AsyncWebClient) -> None:
        super().__init__(app, app_token=app_token, web_client=client, logger=quiet_logger("haven.slack.socket"))
        self.seen = Seen()

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        start = time.time()
        try:
            payload = check_envelope(req.type, req.payload)
        except BadRequest as error:
            log.info("socket mode envelope refused: %s", error.reason)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        event_id = parse.event_id(payload)
        if event_id and not self.seen.first(event_id):
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        steps: list[Any] = []
        request = AsyncBoltRequest(mode="socket_mode", body=payload, headers=build_headers(req),
                                   context={AFTER: steps})
        try:
            response = await self.app.async_dispatch(request)
        except Exception:  # bolt tripped over a shape Haven's checks let through
            log_unexpected("slack socket dispatch")
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await send_async_response(client, req, response, start)
        await run_later(steps)

    async def open(self) -> None:
        """Ask for a WebSocket URL (a bad app token is a clear start-up error), then connect."""
        try:
            data = await call(self.client.web_client.apps_connections_open(app_token=self.app_token))
        except DeliveryError as error:
            raise ConfigError(f"SLACK_APP_TOKEN: apps.connections.open failed ({error.reason})") from None
        url = data.get("url")
        if not isinstance(url, str) or not url:
            raise ConfigError("SLACK_APP_TOKEN: apps.connections.open returned no URL")
        self.client.wss_uri = url
        await self.connect_async()  # type: ignore[no-untyped-call]  # slack_sdk leaves it unannotated
