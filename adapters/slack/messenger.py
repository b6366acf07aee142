"""Posting and updating Haven's messages in Slack (the :class:`bot.model.ports.Messenger` port)."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.api import call
from bot.model.messages import Audience, Message
from bot.model.ports import DeliveryError, Meta, PostRef, Target


class SlackMessenger:
    """Channel audiences go to their configured channel ids; a person gets a DM
    (``chat.postMessage`` with ``channel`` = the user id). Every post carries metadata."""

    pace_per_second: float = 1.0  # Slack accepts about one post a second per channel

    def __init__(self, client: AsyncWebClient, *, supervisors: str | None, escalation: str | None,
                 hr: str | None = None) -> None:
        self.client = client
        self.channels = {Audience.SUPERVISORS: supervisors, Audience.ESCALATION: escalation, Audience.HR: hr}

    def channel_for(self, target: Target) -> str:
        if target.audience in (Audience.USER, Audience.REPORTER):
            if not target.user_id:
                raise DeliveryError("a direct message without a user id", permanent=True)
            return target.user_id
        if target.channel and target.channel.get("channelId"):  # a registered channel (per site, HR)
            return str(target.channel["channelId"])
        channel = self.channels.get(target.audience)
        if not channel:
            raise DeliveryError(f"no Slack channel configured for {target.audience}", permanent=True)
        return channel

    async def post(self, target: Target, message: Message, *, meta: Meta,
                   thread: PostRef | None = None) -> PostRef:
        args: dict[str, Any] = {
            "channel": self.channel_for(target),
            "text": render.fallback(message),
            "blocks": render.blocks(message),
            "metadata": render.metadata(meta.kind, meta.incident or message.incident, meta.outbox_id),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        thread_ts = (thread.data.get("ts") if thread else None)
        if thread is not None and thread_ts:
            args["channel"] = thread.data.get("channel") or args["channel"]
            args["thread_ts"] = thread_ts
            if message.mention_channel:
                args["reply_broadcast"] = True
        data = await call(self.client.chat_postMessage(**args))
        return PostRef({"channel": data.get("channel") or args["channel"], "ts": data.get("ts")})

    async def update(self, ref: PostRef, message: Message, *, meta: Meta) -> None:
        channel, ts = ref.data.get("channel"), ref.data.get("ts")
        if not channel or not ts:
            raise DeliveryError("the post to update has no channel or ts", permanent=True)
        await call(self.client.chat_update(
            channel=channel, ts=ts, text=render.fallback(message), blocks=render.blocks(message),
            metadata=render.metadata(meta.kind, meta.incident or message.incident, meta.outbox_id),
        ))

    async def reachable(self, audience: Audience) -> bool:
        if audience in (Audience.USER, Audience.REPORTER):
            return True
        return bool(self.channels.get(audience))

    # -- answers inside an interaction (not through the outbox) ---------------------------

    async def ephemeral(self, channel: str, user: str, message: Message) -> None:
        """A private answer to the person who pressed a button (``chat.postEphemeral``)."""
        await call(self.client.chat_postEphemeral(
            channel=channel, user=user, text=render.fallback(message), blocks=render.blocks(message)))
