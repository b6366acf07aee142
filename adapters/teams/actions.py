"""Card actions on Teams: an ``adaptiveCard/action`` invoke (or the same data as an
Action.Submit value) presses a button or submits a form; the core answers, and the answer
becomes the invoke's body (a card, or a private message).

A press in a channel may answer with the refreshed alert card; a press in a personal chat
never does (the reporter's own buttons answer with their own private message).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from microsoft_agents.activity import Activity, ChannelAccount
from microsoft_agents.hosting.core import MessageFactory, TurnContext

from adapters.teams import parse, render
from adapters.teams.messenger import CONNECTOR_ERRORS, TeamsMessenger, delivery_error
from adapters.teams.store import TeamsLinks
from bot.core import Haven
from bot.model.errors import log_unexpected
from bot.model.i18n import normalize_locale, t
from bot.model.inbound import Actor, FormIn, PressIn
from bot.model.messages import TRIAGE_FORM, Action, Audience, Kind
from bot.model.settings import TeamsSettings

log = logging.getLogger("haven.teams")


def data_of(turn_context: TurnContext) -> dict[str, Any]:
    """The activity as Teams sent it (camelCase JSON), for the pure functions in parse.py."""
    return turn_context.activity.model_dump(mode="json", by_alias=True, exclude_none=True)


def actor_of(turn_context: TurnContext, default_locale: str) -> Actor:
    sender = turn_context.activity.from_property or ChannelAccount()
    locale = normalize_locale(turn_context.activity.locale, default_locale)
    return Actor("teams", sender.aad_object_id or sender.id or "", locale)


def intake_key(turn_context: TurnContext) -> str | None:
    activity_id = turn_context.activity.id
    return f"teams:{activity_id}" if activity_id else None


def card_activity(card: dict[str, Any]) -> Activity:
    return Activity.model_validate({"type": "message", "attachments": [render.attachment(card)]})


async def private_reply(messenger: TeamsMessenger, turn_context: TurnContext, text: str) -> None:
    """Outside an invoke, a private answer is the 1:1 chat (here, or a new one)."""
    data = data_of(turn_context)
    if parse.conversation_type(data) == "personal":
        await turn_context.send_activity(MessageFactory.text(text))
        return
    aad, _, _ = parse.user_of(data)
    if not aad:
        return
    try:
        await messenger.direct(aad, MessageFactory.text(text))
    except CONNECTOR_ERRORS as exc:  # never a public "unexpected error" in the channel
        log.warning("teams private reply to %s failed: %s", aad, delivery_error(exc).reason)
    except Exception:
        log_unexpected("teams private reply")


class CardActions:
    """Buttons and form submissions → the core → the invoke body."""

    def __init__(self, haven: Haven, settings: TeamsSettings, links: TeamsLinks, messenger: TeamsMessenger) -> None:
        self.haven = haven
        self.settings = settings
        self.links = links
        self.messenger = messenger

    def _actor(self, turn_context: TurnContext) -> Actor:
        return actor_of(turn_context, self.settings.locale)

    async def invoke(self, turn_context: TurnContext) -> dict[str, Any]:
        """``adaptiveCard/action`` → the invoke response body (200 with ``{}`` for other invokes)."""
        if turn_context.activity.name != "adaptiveCard/action":
            return {}
        pressed = parse.action_data(data_of(turn_context))
        if pressed is None:
            return render.invoke_message(t(self._actor(turn_context).locale, "refusal.unknown_action"))
        return await self._act(turn_context, pressed)

    async def submitted(self, turn_context: TurnContext, pressed: parse.ActionData) -> None:
        """The same data as an Action.Submit value: answer with new activities."""
        body = await self._act(turn_context, pressed)
        if body["type"] == render.CARD_CONTENT_TYPE:
            await turn_context.send_activity(card_activity(body["value"]))
        elif body.get("value"):
            await private_reply(self.messenger, turn_context, body["value"])

    async def _act(self, turn_context: TurnContext, pressed: parse.ActionData) -> dict[str, Any]:
        """A button or a form submission → the invoke body (a card or a private message)."""
        if pressed.action in parse.FORMS:
            return await self._submit_form(turn_context, pressed)
        if pressed.action == parse.SITE_ACTION:
            return await self._submit_site(turn_context, pressed)
        actor = self._actor(turn_context)
        audience = await self._audience(turn_context)
        result = await self.haven.press(PressIn(actor=actor, action=pressed.action, value=pressed.value,
                                                audience=audience, intake_key=intake_key(turn_context)))
        if result.form is not None:
            return render.invoke_card(render.form_card(result.form))
        if result.replies:
            return render.invoke_message("\n\n".join(r.message.text for r in result.replies))
        ref = pressed.value.split(":", 1)[0]
        if result.changed and audience in _ALERT_PLACES and pressed.action not in _NOT_ALERT_BUTTONS:
            alert = await self.haven.current_alert(ref, kind=Kind.PAGE if audience == Audience.ESCALATION
                                                   else Kind.ALERT)
            if alert is not None:
                names = await self.messenger.names(alert, ask=False)  # answer the invoke at once
                return render.invoke_card(render.message_card(alert, names))
        return render.invoke_message(t(actor.locale, "teams.recorded", ref=ref))

    async def _submit_form(self, turn_context: TurnContext, pressed: parse.ActionData) -> dict[str, Any]:
        actor = self._actor(turn_context)
        name = parse.FORMS[pressed.action]
        outcome = await self.haven.submit_form(FormIn(actor=actor, values=pressed.inputs, form=name,
                                                      intake_key=intake_key(turn_context),
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
        alert = await self.haven.current_alert(ref, kind=kind) if audience in _ALERT_PLACES else None
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


_ALERT_PLACES = frozenset({Audience.SUPERVISORS, Audience.ESCALATION, Audience.HR})
"""Where a press may be answered with the refreshed alert card (never a personal chat)."""
_NOT_ALERT_BUTTONS = frozenset({Action.APPROVE, Action.REJECT, Action.TRIAGE, Action.TALK_ACCEPT})
"""Channel buttons whose answer is not the alert card (an approval request, a form, a talk request)."""
