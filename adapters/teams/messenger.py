"""The Teams :class:`bot.model.ports.Messenger`: posts, updates and 1:1 messages through CloudAdapter.

Channel alerts are new top-level posts (``continue_conversation`` on the channel id
without ``;messageid=``); thread replies go to ``<channel>;messageid=<post id>``; a
person who never wrote to the bot gets a new 1:1 conversation (``create_conversation``
with their AAD object id and the tenant). Bot Connector failures become
:class:`DeliveryError`: 429 → retry after ``Retry-After``; 400/403/404 → permanent;
5xx, timeouts and connection errors → transient.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity, ChannelAccount, ConversationAccount, ConversationParameters, ConversationReference, Entity,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import render
from adapters.teams.names import Names
from adapters.teams.store import TeamsLinks
from bot.model.messages import MENTION, Audience, Message
from bot.model.ports import DeliveryError, Meta, PostRef, Target

log = logging.getLogger("haven.teams")
CALL_TIMEOUT = 30.0
PERMANENT = (400, 403, 404)
CONNECTOR_ERRORS = (DeliveryError, HttpOperationError, ClientRequestError, TimeoutError, OSError)


def delivery_error(exc: BaseException) -> DeliveryError:
    """Classify a Bot Connector failure (never includes message text)."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, HttpOperationError) and getattr(exc, "response", None) is not None:
        status = int(getattr(exc.response, "status_code", 0) or 0)
        code = _error_code(exc)
        reason = f"bot connector {status}{' ' + code if code else ''}"
        if status == 429:
            return DeliveryError(reason, retry_after=_retry_after(exc.response))
        return DeliveryError(reason, permanent=status in PERMANENT)
    if isinstance(exc, (ClientRequestError, TimeoutError, OSError)):
        return DeliveryError(f"bot connector unreachable: {type(exc).__name__}")
    return DeliveryError(f"teams: {type(exc).__name__}")


def _error_code(exc: HttpOperationError) -> str:
    error = getattr(getattr(exc, "error", None), "error", None)
    return str(getattr(error, "code", "") or "")


def _retry_after(response: Any) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except (TypeError, ValueError):
        return 1.0


def reference(data: dict[str, Any], conversation_id: str) -> ConversationReference:
    """A continuation reference from stored link data."""
    return ConversationReference(
        channel_id="msteams", service_url=data["serviceUrl"],
        conversation=ConversationAccount(id=conversation_id, tenant_id=data.get("tenantId")),
        bot=ChannelAccount(id=data.get("botId") or "", name=data.get("botName")),
    )


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
                reference(data, data["conversation"]), update, self.app_id), CALL_TIMEOUT)
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
            activity_id = await self.send(reference(channel, conversation), activity)
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
            activity_id = await self.send(reference(user, user["conversationId"]), activity)
            return self._ref(user, user["conversationId"], activity_id, is_channel=False)
        return await self._new_direct(user_id, user, activity)

    async def _new_direct(self, user_id: str, user: dict[str, Any], activity: Activity) -> PostRef:
        tenant = user.get("tenantId")
        params = ConversationParameters(
            is_group=False, bot=ChannelAccount(id=user.get("botId") or self.app_id),
            members=[ChannelAccount(id=user.get("userId") or user_id, aad_object_id=user_id)],
            tenant_id=tenant, channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        sent: dict[str, str] = {}

        async def first(context: TurnContext) -> None:
            sent["conversation"] = context.activity.conversation.id
            response = await context.send_activity(activity)
            sent["activity"] = response.id if response else ""

        await self.adapter.create_conversation(self.app_id, first, params, "msteams", user["serviceUrl"])
        await self.links.save(f"user:{user_id}", {**user, "conversationId": sent["conversation"]})
        return self._ref(user, sent["conversation"], sent.get("activity", ""), is_channel=False)

    async def send(self, ref: ConversationReference, activity: Activity) -> str:
        """Send one activity into a conversation; returns its id."""
        ids: list[str] = []

        async def send(context: TurnContext) -> None:
            context.activity.id = None  # else botbuilder "replies" to its random continuation id
            response = await context.send_activity(activity)
            ids.append(response.id if response and response.id else "")

        await self.adapter.continue_conversation(ref, send, self.app_id)
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
        activity = Activity().deserialize(body)
        channel_name = self.people.channel(channel["channelId"]) if channel else None
        if message.mention_channel and channel and channel_name:
            text, entity = render.channel_mention(channel["channelId"], channel_name)
            activity.text = text
            activity.entities = [_Mention(**entity)]
        return activity

    async def names(self, message: Message, *, ask: bool = True) -> dict[str, str]:
        """Display names of the people ``message`` mentions (``ask``: look unknown ones up)."""
        texts = [message.title or "", message.text, message.note or ""]
        texts += [f.value for f in message.facts if not f.user_text]
        ids = {m for text in texts for m in MENTION.findall(text)} | set(message.mentions)
        return await self.people.of(ids, ask=ask)


class _Mention(Entity):  # type: ignore[misc]
    """An entity that keeps ``text`` and ``mentioned`` when serialized (Entity drops them)."""

    _attribute_map = {"type": {"key": "type", "type": "str"}, "text": {"key": "text", "type": "str"},
                      "mentioned": {"key": "mentioned", "type": "object"}}

    def __init__(self, *, type: str = "mention", text: str = "", mentioned: Any = None, **kwargs: Any) -> None:
        super().__init__(type=type, **kwargs)
        self.text = text
        self.mentioned = mentioned
