"""The one Slack Web API client, and Slack's failures as :class:`DeliveryError`.

The client always talks to ``SLACK_API_URL`` (a bare ``token=`` would go to slack.com)
and logs through quiet loggers: slack_sdk and slack-bolt write request bodies, which
hold report text, at DEBUG (and bolt at WARNING for unhandled requests).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.model.ports import DeliveryError

TIMEOUT_SECONDS = 10
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed",
    "account_inactive", "token_revoked", "token_expired", "no_permission", "missing_scope",
    "user_not_found", "user_not_in_channel", "cannot_dm_bot", "restricted_action",
    "msg_too_long", "no_text", "invalid_blocks", "invalid_blocks_format", "invalid_metadata_format",
    "invalid_metadata_schema", "metadata_too_large", "too_many_attachments", "invalid_arguments",
    "message_not_found", "cant_update_message", "edit_window_closed", "ekm_access_denied",
    "team_access_not_granted", "org_login_required", "channel_is_archived",
})


def quiet_logger(name: str, level: int = logging.INFO) -> logging.Logger:
    """A logger that never emits SDK debug lines (they contain message bodies)."""
    logger = logging.getLogger(name)
    logger.setLevel(level)
    return logger


def make_client(token: str, base_url: str) -> AsyncWebClient:
    """The Web API client for ``SLACK_API_URL`` (given a trailing ``/`` if it lacks one)."""
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(token=token, base_url=base_url, timeout=TIMEOUT_SECONDS,
                          logger=quiet_logger("haven.slack.sdk"))


def error_code(exc: SlackApiError) -> str:
    response = exc.response
    data = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, str):
        return error
    return f"http_{status_of(exc)}"


def status_of(exc: SlackApiError) -> int:
    response = exc.response
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(status) if isinstance(status, int) else 0


def retry_after(exc: SlackApiError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    raw = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except (TypeError, ValueError):
        return None


def delivery_error(exc: BaseException) -> DeliveryError:
    """429 / ``ratelimited`` → retry after ``Retry-After``; known permanent errors → dead
    letter; 5xx, timeouts, connection errors and anything unknown → retry with backoff."""
    if isinstance(exc, SlackApiError):
        code = error_code(exc)
        status = status_of(exc)
        if status == 429 or code in ("ratelimited", "rate_limited"):
            return DeliveryError(f"slack {code}", retry_after=retry_after(exc) or 1.0)
        if code in PERMANENT:
            return DeliveryError(f"slack {code}", permanent=True)
        return DeliveryError(f"slack {code}")
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return DeliveryError("slack timeout")
    if isinstance(exc, aiohttp.ClientError):
        return DeliveryError(f"slack connection: {type(exc).__name__}")
    return DeliveryError(f"slack: {type(exc).__name__}")


async def call(request: Awaitable[Any]) -> dict[str, Any]:
    """Await one Web API call; failures become :class:`DeliveryError`."""
    try:
        response = await request
    except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
        raise delivery_error(exc) from None
    data = response.data
    return data if isinstance(data, dict) else {}
