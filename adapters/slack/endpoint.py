"""``POST /slack/events``: Haven checks every request before slack-bolt sees it.

Order: signature (401, five-minute window on the real clock), content type (415),
body (400), Events API redelivery (``event_id``, answered 200 without running twice);
then bolt dispatches the checked body, the answer is written, and only then the
follow-ups the listeners queued run (opening the form, private replies, App Home).

``/abuse`` is the hot path (a burst of reports must be acknowledged fast): it is answered
by :func:`adapters.slack.listeners.answer_abuse` directly, without bolt's middleware chain
(whose checks this endpoint has already made); bolt's listener calls the same function.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack import parse
from adapters.slack.listeners import ABUSE, AFTER, run_later
from bot.model.errors import BadRequest, log_unexpected

log = logging.getLogger("haven.slack")
TIMESTAMP_DIGITS = 12  # Unix seconds have 10 digits until the year 2286; longer is an attack
DEDUP_SECONDS = 3600.0
DEDUP_MAX = 10_000
Answer = Callable[[dict[str, Any], dict[str, Any]], Awaitable[dict[str, Any]]]


class Seen:
    """Event ids seen in the last hour (Slack redelivers for up to about an hour)."""

    def __init__(self, ttl: float = DEDUP_SECONDS, size: int = DEDUP_MAX) -> None:
        self.ttl = ttl
        self.size = size
        self._ids: OrderedDict[str, float] = OrderedDict()

    def first(self, key: str) -> bool:
        """True the first time ``key`` is offered (within ``ttl``)."""
        now = time.monotonic()
        while self._ids and (len(self._ids) > self.size or next(iter(self._ids.values())) < now - self.ttl):
            self._ids.popitem(last=False)
        if key in self._ids:
            return False
        self._ids[key] = now
        return True

    def forget(self, key: str) -> None:
        self._ids.pop(key, None)


def signature_ok(verifier: SignatureVerifier, raw: bytes, headers: Any) -> bool:
    timestamp = headers.get("X-Slack-Request-Timestamp")
    signature = headers.get("X-Slack-Signature")
    if not timestamp or not signature or not timestamp.isascii() or not timestamp.isdigit():
        return False
    if len(timestamp) > TIMESTAMP_DIGITS:  # int() of thousands of digits raises (and costs)
        log.info("slack request refused: a %d-digit request timestamp", len(timestamp))
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:  # still checked, so a signed non-UTF-8 body is a 400, not a 401
        return _bytes_signature_ok(verifier, raw, timestamp, signature)
    return verifier.is_valid(body=text, timestamp=timestamp, signature=signature)


def _bytes_signature_ok(verifier: SignatureVerifier, raw: bytes, timestamp: str, signature: str) -> bool:
    if abs(time.time() - int(timestamp)) > 60 * 5:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(verifier.signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)


class Endpoint:
    """The aiohttp handler in front of the bolt app."""

    def __init__(self, bolt: AsyncApp, signing_secret: str, *, abuse: Answer | None = None) -> None:
        self.bolt = bolt
        self.abuse = abuse  # answers /abuse without bolt (the same function bolt's listener calls)
        self.verifier = SignatureVerifier(signing_secret)
        self.seen = Seen()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if not signature_ok(self.verifier, raw, request.headers):
            return _error(401, "invalid_signature")
        content_type = parse.media_type(request.headers.get("Content-Type"))
        if content_type not in (parse.FORM, parse.JSON):
            return _error(415, "unsupported_content_type")
        try:
            body = parse.parse_body(raw, content_type)
        except BadRequest as error:
            log.info("slack request refused: %s", error.reason)
            return _error(400, "bad_request")
        event_id = parse.event_id(body)
        if event_id and not self.seen.first(event_id):
            return web.Response(status=200)
        steps: list[Any] = []
        if self.abuse is not None and body.get("command") == ABUSE and not body.get("ssl_check"):
            response = await self._abuse(body, steps)
        else:
            response = await self._dispatch(request, body, steps)
        if event_id and response.status >= 300:
            self.seen.forget(event_id)
        if steps:
            await response.prepare(request)
            await response.write_eof()
            await run_later(steps)
        return response

    async def _abuse(self, body: dict[str, Any], steps: list[Any]) -> web.Response:
        assert self.abuse is not None
        try:
            return web.json_response(await self.abuse(body, {AFTER: steps}))
        except Exception:
            code = log_unexpected("slack /abuse")
            return web.json_response({"ok": False, "error": "bad_request", "ref": code}, status=400)

    async def _dispatch(self, request: web.Request, body: dict[str, Any], steps: list[Any]) -> web.Response:
        """Hand bolt the checked body as JSON, so bolt's own parser reads exactly it."""
        headers: dict[str, str | Sequence[str]] = {
            k.lower(): v for k, v in request.headers.items() if k.lower() != "content-length"}
        headers["content-type"] = parse.JSON
        bolt_request = AsyncBoltRequest(body=json.dumps(body), query=request.query_string,
                                        headers=headers, context={AFTER: steps})
        try:
            bolt_response = await self.bolt.async_dispatch(bolt_request)
        except Exception:  # bolt tripped over a shape Haven's checks let through: still a 4xx
            code = log_unexpected("slack dispatch")
            return web.json_response({"ok": False, "error": "bad_request", "ref": code}, status=400)
        return await to_aiohttp_response(bolt_response)


async def not_found(request: web.Request) -> web.Response:
    """Socket Mode is on: Slack does not post here."""
    return _error(404, "socket_mode")
