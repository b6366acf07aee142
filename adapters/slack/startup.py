"""Start-up checks: Haven refuses to run with an unsafe or broken Slack set-up.

Each failure is one :class:`bot.model.errors.ConfigError` line naming the variable.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.authorization.async_single_team_authorization import AsyncSingleTeamAuthorization
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.api import call, delivery_error
from bot.model.errors import ConfigError
from bot.model.ports import DeliveryError
from bot.model.settings import SlackSettings


def check_settings(settings: SlackSettings) -> None:
    """What must be set before anything is asked of Slack."""
    if not settings.app_token and not settings.signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN "
                          "(or set SLACK_APP_TOKEN to use Socket Mode)")
    if not settings.supervisor_channel:
        raise ConfigError("HAVEN_SLACK_SUPERVISOR_CHANNEL: required with SLACK_BOT_TOKEN "
                          "(the id of the supervisors' private channel, e.g. C0123456789)")


async def check_workspace(client: AsyncWebClient, settings: SlackSettings) -> AsyncSlackResponse:
    """The token works, and every channel Haven posts to is private, not shared
    outside the organisation, and has Haven as a member. Returns ``auth.test``'s answer."""
    try:
        auth: AsyncSlackResponse = await client.auth_test()
    except (aiohttp.ClientConnectionError, TimeoutError) as exc:
        raise ConfigError(f"SLACK_API_URL: cannot reach Slack at {settings.api_url} "
                          f"({delivery_error(exc).reason}): check the network, DNS or proxy "
                          "(the token was not checked)") from None
    except Exception as exc:  # any failure here is one clear start-up line
        raise ConfigError(f"SLACK_BOT_TOKEN: Slack did not accept it at {settings.api_url} "
                          f"({delivery_error(exc).reason})") from None
    assert settings.supervisor_channel
    await check_channel(client, "HAVEN_SLACK_SUPERVISOR_CHANNEL", settings.supervisor_channel)
    if settings.escalation_channel:
        await check_channel(client, "HAVEN_SLACK_ESCALATION_CHANNEL", settings.escalation_channel)
    if settings.hr_channel:
        await check_channel(client, "HAVEN_SLACK_HR_CHANNEL", settings.hr_channel)
    return auth


def seed_authorization(bolt: AsyncApp, auth: AsyncSlackResponse) -> None:
    """Give bolt the start-up ``auth.test`` answer, so it never calls ``auth.test`` on a
    report: bolt's own first-request call adds a round trip, and when it fails bolt answers
    with an install hint instead of Haven's wellbeing message."""
    for middleware in bolt._async_middleware_list:  # bolt < 2 keeps its middleware here
        if isinstance(middleware, AsyncSingleTeamAuthorization):
            middleware.auth_test_result = auth


async def check_channel(client: AsyncWebClient, variable: str, channel: str) -> None:
    try:
        data = await call(client.conversations_info(channel=channel))
    except DeliveryError as error:
        raise ConfigError(f"{variable}: cannot read channel {channel} ({error.reason}); invite Haven to "
                          "that private channel (/invite @Haven)") from None
    info: dict[str, Any] = data.get("channel") if isinstance(data.get("channel"), dict) else {}  # type: ignore[assignment]
    problem = channel_problem(info)
    if problem:
        raise ConfigError(f"{variable}: channel {channel} {problem}")


async def registration_problem(client: AsyncWebClient, channel: str) -> str | None:
    """The start-up checks for a channel an admin registers with ``/haven register``, as a
    neutral problem key (``public``, ``shared``, ``archived``, ``not_member``, ``where``,
    ``unknown:<reason>``), or None when the channel is fit."""
    if channel.startswith("D"):
        return "where"
    try:
        data = await call(client.conversations_info(channel=channel))
    except DeliveryError as error:
        return f"unknown:{error.reason}"
    info: dict[str, Any] = data.get("channel") if isinstance(data.get("channel"), dict) else {}  # type: ignore[assignment]
    if info.get("is_im") or info.get("is_mpim"):
        return "where"
    problem = channel_problem(info)
    if problem is None:
        return None
    for key, start in (("public", "is public"), ("shared", "is shared"), ("archived", "is archived")):
        if problem.startswith(start):
            return key
    return "not_member"


def channel_problem(info: dict[str, Any]) -> str | None:
    """Why a channel is unfit for supervisors' alerts, or None."""
    if info.get("is_private") is not True:
        return "is public; supervisors' alerts need a private channel"
    if info.get("is_ext_shared") or info.get("is_pending_ext_shared") or (
            info.get("is_shared") and not info.get("is_org_shared")):
        return "is shared with another organisation; use a private channel of your own workspace"
    if info.get("is_archived"):
        return "is archived"
    if info.get("is_member") is not True:
        return "does not have Haven as a member; invite it with /invite @Haven"
    return None
