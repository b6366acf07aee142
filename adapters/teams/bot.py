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
from adapters.teams.messenger import CONNECTOR_ERRORS, TeamsMessenger, delivery_error
from adapters.teams.registration import MembersUnknown, Registrar
from adapters.teams.store import TeamsLinks
from bot.core import Haven
from bot.model.errors import log_unexpected
from bot.model.i18n import normalize_locale, t
from bot.model.commands import ChannelIn
from bot.model.inbound import Actor, FormIn, PressIn, ReportIn
from bot.model.messages import TRIAGE_FORM, Action, Audience, Form, Kind, Message
from bot.model.settings import TeamsSettings

log = logging.getLogger("haven.teams")


def data_of(turn_context: TurnContext) -> dict[str, Any]:
    """The activity as Teams sent it (camelCase JSON), for the pure functions in parse.py."""
    return turn_context.activity.model_dump(mode="json", by_alias=True, exclude_none=True)


class HavenTeamsBot:
    """The SDK's ``Agent``: ``on_turn`` for every activity (message, install, card invoke)."""

    def __init__(self, haven: Haven, settings: TeamsSettings, links: TeamsLinks, messenger: TeamsMessenger,
                 registrar: Registrar) -> None:
        self.haven = haven
        self.settings = settings
        self.links = links
        self.messenger = messenger
        self.registrar = registrar

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
            await _respond(turn_context, await self.on_invoke_activity(turn_context))

    def _locale(self, turn_context: TurnContext) -> str:
        return normalize_locale(turn_context.activity.locale, self.settings.locale)

    def _actor(self, turn_context: TurnContext) -> Actor:
        sender = turn_context.activity.from_property or ChannelAccount()
        return Actor("teams", sender.aad_object_id or sender.id or "", self._locale(turn_context))

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
            await self._submitted(turn_context, pressed)
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
                                                   intake_key=_intake_key(turn_context)))
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
            await self._private(turn_context, answer.message.text)

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

    # -- cards -------------------------------------------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> dict[str, Any]:
        """``adaptiveCard/action`` → the invoke response body (200 with ``{}`` for other invokes)."""
        if turn_context.activity.name != "adaptiveCard/action":
            return {}
        pressed = parse.action_data(data_of(turn_context))
        if pressed is None:
            return render.invoke_message(t(self._locale(turn_context), "refusal.unknown_action"))
        return await self._act(turn_context, pressed)

    async def _submitted(self, turn_context: TurnContext, pressed: parse.ActionData) -> None:
        """The same data as an Action.Submit value: answer with new activities."""
        body = await self._act(turn_context, pressed)
        if body["type"] == render.CARD_CONTENT_TYPE:
            await turn_context.send_activity(card_activity(body["value"]))
        elif body.get("value"):
            await self._private(turn_context, body["value"])

    async def _private(self, turn_context: TurnContext, text: str) -> None:
        """Outside an invoke, a private answer is the 1:1 chat (here, or a new one)."""
        data = data_of(turn_context)
        if parse.conversation_type(data) == "personal":
            await turn_context.send_activity(MessageFactory.text(text))
            return
        aad, _, _ = parse.user_of(data)
        if not aad:
            return
        try:
            await self.messenger.direct(aad, MessageFactory.text(text))
        except CONNECTOR_ERRORS as exc:  # never a public "unexpected error" in the channel
            log.warning("teams private reply to %s failed: %s", aad, delivery_error(exc).reason)
        except Exception:
            log_unexpected("teams private reply")

    async def _act(self, turn_context: TurnContext, pressed: parse.ActionData) -> dict[str, Any]:
        """A button or a form submission → the invoke body (a card or a private message)."""
        if pressed.action in parse.FORMS:
            return await self._submit_form(turn_context, pressed)
        if pressed.action == parse.SITE_ACTION:
            return await self._submit_site(turn_context, pressed)
        actor = self._actor(turn_context)
        audience = await self._audience(turn_context)
        result = await self.haven.press(PressIn(actor=actor, action=pressed.action, value=pressed.value,
                                                audience=audience, intake_key=_intake_key(turn_context)))
        if result.form is not None:
            return render.invoke_card(render.form_card(result.form))
        if result.replies:
            return render.invoke_message("\n\n".join(r.message.text for r in result.replies))
        ref = pressed.value.split(":", 1)[0]
        if result.changed and pressed.action not in _NOT_ALERT_BUTTONS:
            kind = Kind.PAGE if audience == Audience.ESCALATION else Kind.ALERT
            alert = await self.haven.current_alert(ref, kind=kind)
            if alert is not None:
                names = await self.messenger.names(alert, ask=False)  # answer the invoke at once
                return render.invoke_card(render.message_card(alert, names))
        return render.invoke_message(t(actor.locale, "teams.recorded", ref=ref))

    async def _submit_form(self, turn_context: TurnContext, pressed: parse.ActionData) -> dict[str, Any]:
        actor = self._actor(turn_context)
        name = parse.FORMS[pressed.action]
        outcome = await self.haven.submit_form(FormIn(actor=actor, values=pressed.inputs, form=name,
                                                      intake_key=_intake_key(turn_context),
                                                      metadata=pressed.value))
        if name == TRIAGE_FORM:
            return await self._triaged(turn_context, actor, pressed, outcome.errors)
        if outcome.errors:
            prefill = {k: str(v) for k, v in pressed.inputs.items() if v not in (None, "")}
            form = await self.haven.report_form(actor, prefill=prefill)
            form = dataclasses.replace(form, errors=outcome.errors, private_metadata=pressed.value)
            return render.invoke_card(render.form_card(form))
        if outcome.receipt is None:
            return render.invoke_message(t(actor.locale, "teams.recorded", ref=outcome.ref or ""))
        names = await self.messenger.names(outcome.receipt, ask=False)
        return render.invoke_card(render.message_card(outcome.receipt, names))

    async def _triaged(self, turn_context: TurnContext, actor: Actor, pressed: parse.ActionData,
                       errors: dict[str, str]) -> dict[str, Any]:
        """The re-triage card again with its errors, or the refreshed alert."""
        ref = pressed.value.split(":", 1)[0]
        if errors:
            form = await self.haven.triage_form(actor, ref)
            if form is None:
                return render.invoke_message("\n\n".join(errors.values()))
            return render.invoke_card(render.form_card(dataclasses.replace(form, errors=errors)))
        audience = await self._audience(turn_context)
        kind = Kind.PAGE if audience == Audience.ESCALATION else Kind.ALERT
        alert = await self.haven.current_alert(ref, kind=kind)
        if alert is None:
            return render.invoke_message(t(actor.locale, "teams.recorded", ref=ref))
        names = await self.messenger.names(alert, ask=False)
        return render.invoke_card(render.message_card(alert, names))

    async def _submit_site(self, turn_context: TurnContext, pressed: parse.ActionData) -> dict[str, Any]:
        """The change-site card (verb ``site_submit``): move the report, say where."""
        told = await self.haven.submit_site(FormIn(actor=self._actor(turn_context), values=pressed.inputs,
                                                   metadata=pressed.value))
        return render.invoke_message(told.text)

    async def _audience(self, turn_context: TurnContext) -> Audience:
        """Where the pressed card lives: a registered channel, or a 1:1 chat."""
        data = data_of(turn_context)
        if parse.conversation_type(data) == "personal":
            return Audience.USER
        channel_id, _ = parse.channel_of(data)
        registered = await self.haven.channel_role("teams", channel_id)
        if registered is not None:
            return registered
        escalation = await self.links.channel(Audience.ESCALATION)
        if escalation and escalation.get("channelId") == channel_id:
            return Audience.ESCALATION
        return Audience.SUPERVISORS


_NOT_ALERT_BUTTONS = frozenset({Action.APPROVE, Action.REJECT, Action.ADD_DETAILS, Action.IN_DANGER,
                                Action.TALK_NOW, Action.FOLLOWUP_OK, Action.FOLLOWUP_TALK,
                                Action.FOLLOWUP_STOP, Action.TRIAGE, Action.TALK_ACCEPT,
                                Action.TALK_CANCEL, Action.TALK_HR})


def _intake_key(turn_context: TurnContext) -> str | None:
    activity_id = turn_context.activity.id
    return f"teams:{activity_id}" if activity_id else None


def card_activity(card: dict[str, Any]) -> Activity:
    return Activity.model_validate({"type": "message", "attachments": [render.attachment(card)]})


async def _respond(turn_context: TurnContext, body: dict[str, Any]) -> None:
    value = InvokeResponse(status=200, body=body).model_dump(by_alias=True, exclude_none=True)
    await turn_context.send_activity(Activity(type=ActivityTypes.invoke_response, value=value))
