"""The Teams :class:`bot.model.ports.Messenger`: posts, updates and 1:1 messages through the
Agents SDK's CloudAdapter.

Channel alerts are new top-level posts (``continue_conversation`` on the channel id
without ``;messageid=``); thread replies go to ``<channel>;messageid=<post id>``; a
person who never wrote to the bot gets a new 1:1 conversation (``create_conversation``
with their AAD object id and the tenant). Bot Connector failures (the SDK raises
``aiohttp.ClientResponseError`` with the status, headers and body) become
:class:`DeliveryError`: 429 → retry after ``Retry-After``; 400/403/404 → permanent;
5xx, timeouts and connection errors → transient. The SDK's connector makes one try.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ConversationParameters
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext

from adapters.teams import render
from adapters.teams.auth import continuation
from adapters.teams.names import Names
from adapters.teams.store import TeamsLinks
from bot.model.messages import MENTION, Audience, Message
from bot.model.ports import DeliveryError, Meta, PostRef, Target

log = logging.getLogger("haven.teams")
CALL_TIMEOUT = 30.0
PERMANENT = (400, 403, 404)
CONNECTOR_ERRORS = (DeliveryError, aiohttp.ClientError, TimeoutError, OSError)
AUDIENCE = "https://api.botframework.com"  # the Bot Connector's token audience (AGENTS_SDK_SCOPE)


def delivery_error(exc: BaseException) -> DeliveryError:
    """Classify a Bot Connector failure (never includes message text)."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, aiohttp.ClientResponseError):
        code = error_code(exc.message)
        reason = f"bot connector {exc.status}{' ' + code if code else ''}"
        if exc.status == 429:
            return DeliveryError(reason, retry_after=_retry_after(exc.headers))
        return DeliveryError(reason, permanent=exc.status in PERMANENT)
    if isinstance(exc, (aiohttp.ClientError, TimeoutError, OSError)):
        return DeliveryError(f"bot connector unreachable: {type(exc).__name__}")
    return DeliveryError(f"teams: {type(exc).__name__}")


def error_code(body: str) -> str:
    """The ``error.code`` of a Bot Connector error body (``ErrorResponse``), if any."""
    try:
        error = json.loads(body).get("error") or {}
    except (ValueError, AttributeError):
        return ""
    code = error.get("code") if isinstance(error, dict) else None
    return str(code) if isinstance(code, str) and code.isascii() and len(code) < 80 else ""


def _retry_after(headers: Any) -> float:
    try:
        return max(0.0, float((headers or {}).get("Retry-After", "1")))
    except (TypeError, ValueError):
        return 1.0


class TeamsMessenger:
    """Sends neutral messages to Teams as Adaptive Cards."""

    def __init__(self, adapter: CloudAdapter, links: TeamsLinks, app_id: str, people: Names) -> None:
        self.adapter = adapter
        self.links = links
        self.app_id = app_id
        self.people = people

    async def reachable(self, audience: Audience) -> bool:
        if audience in (Audience.SUPERVISORS, Audience.ESCALATION, Audience.HR):
            return await self.links.channel(audience) is not None
        return True

    async def post(self, target: Target, message: Message, *, meta: Meta, thread: PostRef | None = None) -> PostRef:
        try:
            return await asyncio.wait_for(self._post(target, message, thread), CALL_TIMEOUT)
        except Exception as exc:
            raise delivery_error(exc) from None

    async def update(self, ref: PostRef, message: Message, *, meta: Meta) -> None:
        data = ref.data
        if not data.get("activity") or not data.get("conversation"):
            raise DeliveryError("no Teams activity to update", permanent=True)
        activity = await self.activity(message, channel=None)
        activity.id = data["activity"]

        async def update(context: TurnContext) -> None:
            await context.update_activity(activity)

        try:
            await asyncio.wait_for(self.adapter.continue_conversation(
                self.app_id, continuation(data, data["conversation"]), update), CALL_TIMEOUT)
        except Exception as exc:
            raise delivery_error(exc) from None

    async def _post(self, target: Target, message: Message, thread: PostRef | None) -> PostRef:
        if target.audience in (Audience.SUPERVISORS, Audience.ESCALATION, Audience.HR):
            channel = target.channel or await self.links.channel(target.audience)
            if channel is None:
                raise DeliveryError(f"no Teams channel registered for {target.audience}", permanent=True)
            conversation = channel["channelId"]
            if thread is not None and thread.data.get("channel") and thread.data.get("activity"):
                conversation = f"{thread.data['conversation']};messageid={thread.data['activity']}"
            activity = await self.activity(message, channel=channel)
            activity_id = await self.send(continuation(channel, conversation), activity)
            return self._ref(channel, channel["channelId"], activity_id, is_channel=True)
        if not target.user_id:
            raise DeliveryError("a direct message needs a user id", permanent=True)
        return await self.direct(target.user_id, await self.activity(message, channel=None))

    async def direct(self, user_id: str, activity: Activity) -> PostRef:
        """A 1:1 message: the stored personal conversation, or a new one."""
        user = await self.links.load(f"user:{user_id}")
        if user is None or not user.get("serviceUrl"):
            raise DeliveryError("this person has never been seen in Teams", permanent=True)
        if user.get("conversationId"):
            activity_id = await self.send(continuation(user, user["conversationId"]), activity)
            return self._ref(user, user["conversationId"], activity_id, is_channel=False)
        return await self._new_direct(user_id, user, activity)

    async def _new_direct(self, user_id: str, user: dict[str, Any], activity: Activity) -> PostRef:
        tenant = user.get("tenantId")
        params = ConversationParameters.model_validate({
            "isGroup": False, "bot": {"id": user.get("botId") or self.app_id},
            "members": [{"id": user.get("userId") or user_id, "aadObjectId": user_id}],
            **({"tenantId": tenant, "channelData": {"tenant": {"id": tenant}}} if tenant else {}),
        })
        sent: dict[str, str] = {}

        async def first(context: TurnContext) -> None:
            sent["conversation"] = context.activity.conversation.id
            context.activity.id = None  # the new chat's first message is not a reply
            response = await context.send_activity(activity)
            sent["activity"] = response.id if response and response.id else ""

        await self.adapter.create_conversation(self.app_id, "msteams", user["serviceUrl"], AUDIENCE, params, first)
        await self.links.save(f"user:{user_id}", {**user, "conversationId": sent["conversation"]})
        return self._ref(user, sent["conversation"], sent.get("activity", ""), is_channel=False)

    async def send(self, where: Activity, activity: Activity) -> str:
        """Send one activity into the conversation of the continuation activity ``where``; returns its id."""
        ids: list[str] = []

        async def send(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            ids.append(response.id if response and response.id else "")

        await self.adapter.continue_conversation(self.app_id, where, send)
        return ids[0] if ids else ""

    @staticmethod
    def _ref(data: dict[str, Any], conversation: str, activity_id: str, *, is_channel: bool) -> PostRef:
        return PostRef({"conversation": conversation, "activity": activity_id, "channel": is_channel,
                        "serviceUrl": data["serviceUrl"], "tenantId": data.get("tenantId"),
                        "botId": data.get("botId")})

    async def activity(self, message: Message, *, channel: dict[str, Any] | None) -> Activity:
        """The card activity for ``message``, with mentions resolved from stored names."""
        names = await self.names(message)
        card = render.message_card(message, names)
        body: dict[str, Any] = {"type": "message", "summary": render.summary(message, names),
                                "attachments": [render.attachment(card)]}
        channel_name = self.people.channel(channel["channelId"]) if channel else None
        if message.mention_channel and channel and channel_name:
            text, entity = render.channel_mention(channel["channelId"], channel_name)
            body.update(text=text, entities=[entity])
        return Activity.model_validate(body)

    async def names(self, message: Message, *, ask: bool = True) -> dict[str, str]:
        """Display names of the people ``message`` mentions (``ask``: look unknown ones up)."""
        texts = [message.title or "", message.text, message.note or ""]
        texts += [f.value for f in message.facts if not f.user_text]
        ids = {m for text in texts for m in MENTION.findall(text)} | set(message.mentions)
        return await self.people.of(ids, ask=ask)
