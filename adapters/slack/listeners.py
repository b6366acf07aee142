"""Bolt listeners: acknowledge, parse, call the core, render. A few lines each.

Every listener calls ``ack()`` and never raises (bolt answers 500 to a listener that
raises). Work that must be committed happens before ``ack()`` returns the answer
(``process_before_response=True``); Web API calls that only show something (the form,
a private reply, App Home) are queued with :func:`later` and run right after the HTTP
answer has been written, so the wellbeing answer always reaches the person first.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import parse
from adapters.slack import render
from adapters.slack import modals as views
from adapters.slack.api import call
from adapters.slack.directory import Locales, SlackDirectory
from adapters.slack.messenger import SlackMessenger
from bot.core import Haven
from bot.model.errors import log_unexpected
from bot.model.i18n import t
from bot.model.inbound import Actor, FormIn, PressIn, ReportIn
from bot.model.messages import Audience, Form, Kind, Message
from bot.model.ports import DeliveryError, Meta, Target
from bot.model.settings import SlackSettings
from bot.model.commands import ChannelIn
from adapters.slack.startup import registration_problem

log = logging.getLogger("haven.slack")
AFTER = "haven_after"
ABUSE = "/abuse"
PLATFORM = "slack"
Later = Callable[[], Awaitable[None]]


def later(context: dict[str, Any], step: Later) -> None:
    """Run ``step`` once the HTTP (or Socket Mode) answer has been sent."""
    context.setdefault(AFTER, []).append(step)


async def run_later(steps: list[Later]) -> None:
    for step in steps:
        try:
            await step()
        except DeliveryError as error:
            log.warning("slack follow-up failed: %s", error.reason)
        except Exception:
            log_unexpected("slack follow-up")


@dataclass
class Slack:
    """Everything the listeners need."""

    haven: Haven
    settings: SlackSettings
    client: AsyncWebClient
    messenger: SlackMessenger
    directory: SlackDirectory
    locales: Locales

    async def actor(self, user_id: str) -> Actor:
        return Actor(platform=PLATFORM, user_id=user_id, locale=await self.locales.of(user_id))

    async def audience(self, channel_id: str | None) -> Audience:
        """Where a pressed message lives: a registered channel (per site, HR), else the
        environment's channels, a DM, or a channel."""
        registered = await self.haven.channel_role(PLATFORM, channel_id)
        if registered is not None:
            return registered
        if channel_id and channel_id == self.settings.hr_channel:
            return Audience.HR
        return parse.audience(channel_id, supervisors=self.settings.supervisor_channel,
                              escalation=self.settings.escalation_channel)

    async def open_form(self, trigger_id: str | None, form: Form) -> None:
        if trigger_id:
            await call(self.client.views_open(trigger_id=trigger_id, view=views.modal(form)))

    async def direct(self, user_id: str, message: Message) -> None:
        """A private answer by DM outside the outbox (it answers an interaction now)."""
        meta = Meta(kind=str(message.kind), incident=message.incident, outbox_id=0)
        await self.messenger.post(Target(Audience.USER, user_id), message, meta=meta)

    async def tell(self, context: dict[str, Any], user_id: str, message: Message) -> None:
        """A DM that must arrive (a form's receipt): queued in the outbox before the HTTP
        answer, so it is retried when Slack fails. Only when the database itself fails is
        it sent directly (best effort, after the answer)."""
        try:
            await self.haven.tell(platform=PLATFORM, user_id=user_id, message=message)
        except Exception:
            log_unexpected("slack receipt queue")
            later(context, lambda: self.direct(user_id, message))

    async def private(self, channel_id: str | None, user_id: str, message: Message) -> None:
        if channel_id:
            await self.messenger.ephemeral(channel_id, user_id, message)
        else:
            await self.direct(user_id, message)


async def answer_abuse(slack: Slack, body: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """``/abuse``: the slash command's answer (wellbeing first, then the receipt naming the
    committed incident). The one path for it: bolt's listener and the endpoint's fast path
    (:mod:`adapters.slack.endpoint`, which answers ``/abuse`` without bolt's middleware)."""
    command = parse.command(body)
    haven = slack.haven
    actor = Actor(PLATFORM, command.user_id, slack.settings.locale)
    try:
        actor = await slack.actor(command.user_id)
        outcome = await haven.report(ReportIn(actor=actor, text=command.text, intake_key=command.trigger_id))
    except Exception:
        code = log_unexpected("slack /abuse")
        failed = Message(kind=Kind.RECEIPT, text=t(actor.locale, "receipt.failed", code=code), locale=actor.locale)
        return render.ephemeral(haven.wellbeing(actor.locale), failed)
    if outcome.form is not None:
        form = outcome.form
        later(context, lambda: slack.open_form(command.trigger_id, form))
        return render.ephemeral(outcome.wellbeing)
    return render.ephemeral(*[m for m in (outcome.wellbeing, outcome.receipt) if m is not None])


def register(app: AsyncApp, slack: Slack) -> None:
    """Attach Haven's listeners; only events Haven handles are subscribed."""
    haven = slack.haven

    @app.command(ABUSE)
    async def abuse(ack: Any, body: dict[str, Any], context: dict[str, Any]) -> None:
        await ack(**await answer_abuse(slack, body, context))

    @app.command("/haven")
    async def haven_command(ack: Any, body: dict[str, Any]) -> None:
        command = parse.command(body)
        actor = Actor(PLATFORM, command.user_id, slack.settings.locale)
        try:
            actor = await slack.actor(command.user_id)
            answer = await haven.command(actor, command.text, channel=_channel_in(slack, command.channel_id))
        except Exception:
            code = log_unexpected("slack /haven")
            await ack(**render.ephemeral(Message(kind=Kind.REFUSAL, text=t(actor.locale, "slack.error", code=code))))
            return
        await ack(**render.answer(answer.message, public=answer.public))

    @app.view_submission(views.SITE_FORM)
    async def site_submitted(ack: Any, body: dict[str, Any], context: dict[str, Any]) -> None:
        sent = parse.submitted(body)
        try:
            actor = await slack.actor(sent.user_id)
            told = await haven.submit_site(FormIn(actor=actor, values=sent.values, metadata=sent.metadata))
        except Exception:
            code = log_unexpected("slack site form")
            oops = t(slack.settings.locale, "slack.error", code=code)
            await ack(response_action="errors", errors={"site": oops})
            return
        await ack()
        later(context, lambda: slack.direct(sent.user_id, told))

    @app.action(re.compile(".+"))
    async def press(ack: Any, body: dict[str, Any], context: dict[str, Any]) -> None:
        pressed = parse.press(body)
        try:
            actor = await slack.actor(pressed.user_id)
            result = await haven.press(PressIn(actor=actor, action=pressed.action_id, value=pressed.value,
                                               audience=await slack.audience(pressed.channel_id)))
        except Exception:
            await ack()
            code = log_unexpected("slack button")
            oops = Message(kind=Kind.REFUSAL, text=t(slack.settings.locale, "slack.error", code=code))
            later(context, lambda: slack.private(pressed.channel_id, pressed.user_id, oops))
            return
        await ack()
        for reply in result.replies:
            message = reply.message
            later(context, functools.partial(slack.private, pressed.channel_id, pressed.user_id, message))
        if result.form is not None:
            form = result.form
            later(context, lambda: slack.open_form(pressed.trigger_id, form))

    @app.view_submission(re.compile("^(" + "|".join(views.CALLBACK_IDS) + ")$"))
    async def submit(ack: Any, body: dict[str, Any], context: dict[str, Any]) -> None:
        sent = parse.submitted(body)
        try:
            actor = await slack.actor(sent.user_id)
            outcome = await haven.submit_form(FormIn(actor=actor, values=sent.values, form=sent.callback_id,
                                                     intake_key=sent.view_id or None, metadata=sent.metadata))
        except Exception:
            code = log_unexpected("slack form")
            await ack(response_action="errors",
                      errors={"description": t(slack.settings.locale, "slack.error", code=code)})
            return
        if outcome.errors:
            await ack(response_action="errors", errors={k: v[:300] for k, v in outcome.errors.items()})
            return
        await ack()
        if outcome.receipt is not None:
            await slack.tell(context, sent.user_id, outcome.receipt)

    @app.view_closed(views.CALLBACK_ID)
    async def closed(ack: Any, body: dict[str, Any]) -> None:
        sent = parse.submitted(body)
        try:
            if not sent.metadata.startswith("INC-"):  # closing "add details" loses nothing
                await haven.form_closed(await slack.actor(sent.user_id))
        except Exception:
            log_unexpected("slack form closed")
        await ack()

    @app.shortcut("report_message")
    async def report_message(ack: Any, body: dict[str, Any], context: dict[str, Any]) -> None:
        await ack()
        shortcut = parse.message_shortcut(body)
        later(context, lambda: _open_prefilled(slack, shortcut))

    @app.event("app_home_opened")
    async def home_opened(ack: Any, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
        await ack()
        user = parse.event_user(body)
        if user and event.get("tab", "home") == "home":
            later(context, lambda: publish_home(slack, user))


def _channel_in(slack: Slack, channel_id: str | None) -> ChannelIn | None:
    """The channel ``/haven`` was typed in, checked like the start-up channels when needed."""
    if not channel_id:
        return None

    async def check() -> str | None:
        return await registration_problem(slack.client, channel_id)

    return ChannelIn(channel_id, {}, check)


async def _open_prefilled(slack: Slack, shortcut: parse.MessageShortcut) -> None:
    """The report form with the message as ``exact_words`` and its permalink as ``evidence``."""
    actor, permalink = await asyncio.gather(slack.actor(shortcut.user_id), _permalink(slack, shortcut))
    prefill = {"exact_words": shortcut.text[:3000]}
    if permalink:
        prefill["evidence"] = permalink
    form = await slack.haven.report_form(actor, prefill=prefill)
    await slack.open_form(shortcut.trigger_id, form)


async def _permalink(slack: Slack, shortcut: parse.MessageShortcut) -> str | None:
    if not shortcut.channel_id or not shortcut.message_ts:
        return None
    try:
        data = await call(slack.client.chat_getPermalink(channel=shortcut.channel_id,
                                                         message_ts=shortcut.message_ts))
    except DeliveryError as error:
        log.info("chat.getPermalink failed: %s", error.reason)
        return None
    link = data.get("permalink")
    return link if isinstance(link, str) else None


async def publish_home(slack: Slack, user_id: str) -> None:
    """App Home: own incidents and wellbeing; supervisors also see the open incidents."""
    messages = await slack.haven.home(await slack.actor(user_id))
    await call(slack.client.views_publish(user_id=user_id, view=views.home(messages)))
