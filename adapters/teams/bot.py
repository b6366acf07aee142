"""The Teams bot: activities → the core, the core's answers → cards.

Personal chat: ``abuse`` / ``/abuse`` / ``報告`` / ``カスハラ`` reports (wellbeing card
first); channel: ``@Haven register supervisors|escalation`` by an admin (registration.py); cards:
``adaptiveCard/action`` invokes (or Action.Submit values) press buttons and submit forms.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, ChannelAccount, InvokeResponse
from microsoft_agents.hosting.core import MessageFactory, TurnContext

from adapters.teams import parse, render
from adapters.teams.actions import CardActions, actor_of, card_activity, data_of, intake_key, private_reply
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.registration import MembersUnknown, Registrar
from adapters.teams.store import TeamsLinks
from bot.core import Haven
from bot.model.errors import log_unexpected
from bot.model.i18n import normalize_locale, t
from bot.model.commands import ChannelIn
from bot.model.inbound import Actor, ReportIn
from bot.model.messages import Form, Message
from bot.model.settings import TeamsSettings

log = logging.getLogger("haven.teams")


class HavenTeamsBot:
    """The SDK's ``Agent``: ``on_turn`` for every activity (message, install, card invoke)."""

    def __init__(self, haven: Haven, settings: TeamsSettings, links: TeamsLinks, messenger: TeamsMessenger,
                 registrar: Registrar) -> None:
        self.haven = haven
        self.settings = settings
        self.links = links
        self.messenger = messenger
        self.registrar = registrar
        self.cards = CardActions(haven, settings, links, messenger)

    # -- plumbing ----------------------------------------------------------------------

    async def on_turn(self, turn_context: TurnContext) -> None:
        """The error boundary: an unexpected error becomes a calm message with a code."""
        try:
            await self._remember(turn_context)
            await self._dispatch(turn_context)
        except Exception:
            code = log_unexpected(f"teams {turn_context.activity.type}")
            text = t(self._locale(turn_context), "error.unexpected", code=code)
            if turn_context.activity.type == ActivityTypes.invoke:
                await _respond(turn_context, render.invoke_message(text))
            else:
                await turn_context.send_activity(MessageFactory.text(text))

    async def _dispatch(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.type == ActivityTypes.message:
            await self.on_message_activity(turn_context)
        elif activity.type == ActivityTypes.conversation_update and activity.members_added:
            await self.on_members_added_activity(activity.members_added, turn_context)
        elif activity.type == ActivityTypes.invoke:
            await _respond(turn_context, await self.cards.invoke(turn_context))

    def _locale(self, turn_context: TurnContext) -> str:
        return normalize_locale(turn_context.activity.locale, self.settings.locale)

    def _actor(self, turn_context: TurnContext) -> Actor:
        return actor_of(turn_context, self.settings.locale)

    async def _remember(self, turn_context: TurnContext) -> None:
        """Store where to reach the sender later (ids only: 1:1 chats); names stay in memory."""
        activity = turn_context.activity
        data = data_of(turn_context)
        aad, user_id, name = parse.user_of(data)
        if not aad or not activity.service_url:
            return
        personal = parse.conversation_type(data) == "personal"
        self.messenger.people.seen(aad, name)
        if not personal:
            self.messenger.people.channel_seen(*parse.channel_of(data))
        recipient = activity.recipient or ChannelAccount()
        await self.links.remember_user(aad, {
            "serviceUrl": activity.service_url, "tenantId": parse.tenant_of(data), "userId": user_id,
            "botId": recipient.id, "botName": recipient.name,
            "conversationId": activity.conversation.id if personal and activity.conversation else None,
        })

    async def _card(self, turn_context: TurnContext, message: Message) -> None:
        await turn_context.send_activity(await self.messenger.activity(message, channel=None))

    async def _form(self, turn_context: TurnContext, form: Form) -> None:
        await turn_context.send_activity(card_activity(render.form_card(form)))

    # -- messages ----------------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        data = data_of(turn_context)
        pressed = parse.action_data(data)
        if pressed is not None:
            await self.cards.submitted(turn_context, pressed)
            return
        command = parse.parse_command(turn_context.activity.text)
        personal = parse.conversation_type(data) == "personal"
        locale = self._locale(turn_context)
        word = parse.haven_word(turn_context.activity.text)
        if command.kind == "report" and personal:
            await self._report(turn_context, command.text)
        elif word is not None and (word in parse.CHANNEL_VERBS) != personal:
            await self._haven_words(turn_context, data, personal=personal)
        else:
            key = "teams.help" if personal else "teams.help_channel"
            await turn_context.send_activity(MessageFactory.text(t(locale, key)))

    async def _report(self, turn_context: TurnContext, text: str) -> None:
        """Wellbeing first (sent before anything is saved), then the receipt or the form."""
        actor = self._actor(turn_context)
        await self._card(turn_context, self.haven.wellbeing(actor.locale))
        outcome = await self.haven.report(ReportIn(actor=actor, text=text or None,
                                                   intake_key=intake_key(turn_context)))
        if outcome.receipt is not None:
            await self._card(turn_context, outcome.receipt)
        if outcome.form is not None:
            await self._form(turn_context, outcome.form)

    async def _haven_words(self, turn_context: TurnContext, data: dict[str, Any], *, personal: bool) -> None:
        """``check``/``hr`` (personal chat) and ``register``/``registrations``/``unregister``
        (a channel): the core answers; a registration is confirmed in the channel with the
        number of people who will be able to act."""
        actor = self._actor(turn_context)
        text = parse.clean_text(turn_context.activity.text)
        counted: list[int] = []
        channel = None if personal else self._channel_in(turn_context, data, counted)
        answer = await self.haven.command(actor, text, channel=channel)
        if answer.public:
            message = answer.message
            if counted:
                people = t(message.locale, "teams.register_people", count=counted[0])
                message = dataclasses.replace(message, text=f"{message.text}\n\n{people}")
            await self._card(turn_context, message)  # mentions rendered as Teams mentions
        elif personal:
            await turn_context.send_activity(MessageFactory.text(answer.message.text))
        else:
            await private_reply(self.messenger, turn_context, answer.message.text)

    def _channel_in(self, turn_context: TurnContext, data: dict[str, Any], counted: list[int]) -> ChannelIn:
        """The team channel a registration was typed in, with what Haven needs to post there;
        its check reads the team's members (guests refused unless HAVEN_TEAMS_ALLOW_GUESTS=1)."""
        team = parse.team_of(data)
        channel_id, _ = parse.channel_of(data)
        service_url = str(data.get("serviceUrl") or "")
        recipient = data.get("recipient") or {}
        stored = {"teamId": team, "tenantId": parse.tenant_of(data), "serviceUrl": service_url,
                  "botId": recipient.get("id"), "botName": recipient.get("name")}

        async def check() -> str | None:
            if not team or not channel_id:
                return "where"
            try:
                count = await self.registrar.headcount(team, service_url)
            except MembersUnknown:
                return "members"
            if count.guests and not self.settings.allow_guests:
                return f"guests:{count.guests}"
            counted.append(count.people)
            return None

        return ChannelIn(channel_id or "", stored, check)

    async def on_members_added_activity(self, members_added: list[ChannelAccount],
                                        turn_context: TurnContext) -> None:
        """Installed: say how to use Haven here (personal chat or a team)."""
        bot_id = (turn_context.activity.recipient or ChannelAccount()).id
        if not any(m.id == bot_id for m in members_added):
            return
        personal = parse.conversation_type(data_of(turn_context)) == "personal"
        key = "teams.help" if personal else "teams.help_channel"
        turn_context.activity.id = None  # a new post, not a reply to the install event
        await turn_context.send_activity(MessageFactory.text(t(self._locale(turn_context), key)))


async def _respond(turn_context: TurnContext, body: dict[str, Any]) -> None:
    value = InvokeResponse(status=200, body=body).model_dump(by_alias=True, exclude_none=True)
    await turn_context.send_activity(Activity(type=ActivityTypes.invoke_response, value=value))
