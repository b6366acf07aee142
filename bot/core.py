"""The core's front door: what adapters call. Platform-neutral, no SDK imports.

An adapter is given a :class:`Haven` and its own settings (:mod:`bot.model.settings`),
never the runtime, the context or the database: it registers its ports with
:meth:`Haven.connect`, hands people's reports, presses and forms to the methods below,
and keeps platform references through :attr:`Haven.links`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.flows import care_answers, intake, moves, register, register_review, registry
from bot.flows import reporter, retriage, routes, sites
from bot.model.commands import Answer, ChannelIn, Verb, parse as parse_command
from bot.model.i18n import t
from bot.flows.context import Context, enqueue
from bot.flows.decisions import PressResult, refuse, supervisor_press
from bot.flows.followups import REPORTER_ACTIONS, reporter_press
from bot.flows.intake_rows import Logged
from bot.flows.home import home
from bot.flows.links import DatabaseLinks, current_alert
from bot.flows.notify import tell_user
from bot.flows.permissions import sees_open_incidents
from bot.flows.report_forms import details_form, new_form
from bot.flows.visibility import Sight, sight
from bot.hr.access import HrAccess
from bot.hr.signin import SignIn
from bot.model.errors import log_unexpected
from bot.model.forms import Submission, check
from bot.model.inbound import Actor, FormIn, PressIn, ReportIn, normalize, split_value
from bot.model.messages import TRIAGE_FORM, Action, Audience, Form, Kind, Message
from bot.model.ports import Directory, Links, Messenger, Meta, Target
from bot.model.views import notice, receipt, saving, wellbeing
from storage import incidents as repo
from storage.hr_desk import Identity

log = logging.getLogger("haven.core")
COMMIT_WAIT_SECONDS = 1.5


@dataclass(frozen=True)
class DeskAccess:
    """Who counts as HR, and how sign-in links are made (the HR desk, spec 8.6)."""

    access: HrAccess
    signin: SignIn


@dataclass(frozen=True)
class ReportOutcome:
    """What to show the reporter, in order: the wellbeing message first, then the
    receipt (quick report) or the form (no text)."""

    wellbeing: Message
    receipt: Message | None = None
    form: Form | None = None
    ref: str | None = None


@dataclass(frozen=True)
class FormOutcome:
    errors: dict[str, str]
    receipt: Message | None = None
    ref: str | None = None


class Haven:
    def __init__(self, ctx: Context, *, commit_wait: float = COMMIT_WAIT_SECONDS) -> None:
        self.ctx = ctx
        self.commit_wait = commit_wait
        self._tasks: set[asyncio.Task[None]] = set()
        self._wellbeing: dict[tuple[str, datetime], Message] = {}
        self.links: Links = DatabaseLinks(ctx)
        self.desk: DeskAccess | None = None  # set by the runtime: HR sign-in links
        self.ready: dict[str, bool] = {}

    # -- adapters ----------------------------------------------------------------------

    def connect(self, platform: str, *, messenger: Messenger, directory: Directory) -> None:
        """An adapter's ports: how to post on ``platform`` and who is a member where."""
        self.ctx.messengers[platform] = messenger
        self.ctx.directories[platform] = directory

    def mark_ready(self, platform: str, ready: bool = True) -> None:
        """``/health`` reports ``ok`` once every mounted platform is ready."""
        self.ready[platform] = ready

    # -- reporting ---------------------------------------------------------------------

    def wellbeing(self, locale: str) -> Message:
        """The wellbeing message for this minute (opening hours change by the minute at most)."""
        now = self.ctx.now()
        key = (locale, now.replace(second=0, microsecond=0))
        cached = self._wellbeing.get(key)
        if cached is None:
            if len(self._wellbeing) > 16:
                self._wellbeing.clear()
            cached = self._wellbeing[key] = wellbeing(self.ctx.policy, locale, now)
        return cached

    async def report(self, report: ReportIn) -> ReportOutcome:
        """``/abuse``: wellbeing first; with text a quick report, without text the form."""
        locale = report.actor.locale
        first = self.wellbeing(locale)
        text = normalize(report.text)
        if not text:
            return ReportOutcome(wellbeing=first, form=await self._new_form(report.actor, first))
        submission = intake.quick_submission(self.ctx, text)
        return await self._log(report.actor, first, submission, report.intake_key)

    async def report_form(self, actor: Actor, *, prefill: dict[str, str] | None = None) -> Form:
        """The form on its own (Slack's message shortcut pre-fills it)."""
        return await self._new_form(actor, self.wellbeing(actor.locale), prefill=prefill)

    async def _new_form(self, actor: Actor, first: Message, *, prefill: dict[str, str] | None = None) -> Form:
        """The report form, its ``site`` preselected with the reporter's last site."""
        prefill = dict(prefill or {})
        if self.ctx.policy.sites and "site" not in prefill:
            last = await sites.last_site_of(self.ctx, actor)
            if last:
                prefill["site"] = last
        return new_form(self.ctx, actor.locale, first, prefill=prefill)

    async def submit_form(self, submitted: FormIn) -> FormOutcome:
        """Check the answers; errors go back into the form, never a lost submission."""
        locale = submitted.actor.locale
        if submitted.form == TRIAGE_FORM:
            triaged = await retriage.submit(self.ctx, submitted)
            return FormOutcome(errors=triaged.errors, ref=triaged.ref)
        submission, errors = check(self.ctx.policy, submitted.values, locale)
        if submission is None:
            return FormOutcome(errors=errors)
        ref, _ = split_value(submitted.metadata)
        if ref.startswith("INC-") and await reporter.add_details(self.ctx, submitted.actor, ref, submission):
            return FormOutcome(errors={}, ref=ref,
                               receipt=notice(Kind.REPORTER_UPDATE, locale, "reporter.details_added", ref=ref))
        outcome = await self._log(submitted.actor, self.wellbeing(locale), submission, submitted.intake_key)
        return FormOutcome(errors={}, receipt=outcome.receipt, ref=outcome.ref)

    async def _log(self, actor: Actor, first: Message, submission: Submission,
                   intake_key: str | None) -> ReportOutcome:
        task = asyncio.ensure_future(intake.log_report(self.ctx, actor, submission, intake_key=intake_key))
        try:
            logged = await asyncio.wait_for(asyncio.shield(task), timeout=self.commit_wait)
        except TimeoutError:
            self._follow(task, actor)
            return ReportOutcome(wellbeing=first, receipt=saving(actor.locale))
        except Exception:
            code = log_unexpected("report")
            failed = notice(Kind.RECEIPT, actor.locale, "receipt.failed", code=code)
            return ReportOutcome(wellbeing=first, receipt=failed)
        return ReportOutcome(wellbeing=first, ref=logged.ref, receipt=self._receipt(logged, actor.locale))

    def _receipt(self, logged: Logged, locale: str) -> Message:
        site = self.ctx.policy.site(logged.site) if logged.site else None
        return receipt(logged.ref, locale, alerted=logged.alerted, route=logged.route,
                       site=site.labels.get(locale) if site else None, hr_talk=logged.hr_ready)

    def _follow(self, task: asyncio.Future[Logged], actor: Actor) -> None:
        """The commit is slow: confirm (or admit failure) by DM when it finishes."""
        async def confirm() -> None:
            try:
                logged = await task
            except Exception:
                code = log_unexpected("slow report")
                await self._direct(actor, notice(Kind.RECEIPT, actor.locale, "receipt.failed", code=code))
                return
            async with self.ctx.db.session() as session:
                incident = await repo.get_incident(session=session, ref=logged.ref)
                message = self._receipt(logged, actor.locale)
                await enqueue(session, self.ctx, incident, Audience.USER, message, user_id=actor.user_id)
                await session.commit()
            self.ctx.wake()

        follow = asyncio.ensure_future(confirm())
        self._tasks.add(follow)
        follow.add_done_callback(self._tasks.discard)

    async def _direct(self, actor: Actor, message: Message) -> None:
        """Best effort, outside the outbox: used only when the database itself failed."""
        messenger = self.ctx.messengers.get(actor.platform)
        if messenger is None:
            return
        try:
            await messenger.post(Target(Audience.USER, actor.user_id), message,
                                 meta=Meta(kind=str(message.kind), incident=None, outbox_id=0))
        except Exception:
            log.exception("could not tell a reporter that saving failed")

    async def submit_site(self, submitted: FormIn) -> Message:
        """The ``site_form`` (Slack) / ``site_submit`` card (Teams): move the report."""
        return await sites.submit_site(self.ctx, submitted)

    # -- /haven and the same words on Teams --------------------------------------------

    async def command(self, actor: Actor, text: str | None, *, channel: ChannelIn | None = None) -> Answer:
        """``/haven …``: ``hr`` (the HR desk's sign-in link), registrations by administrators;
        ``check`` asks the register (spec 8.5); anything else gets the help."""
        command = parse_command(text)
        if command.verb in (Verb.REGISTER, Verb.UNREGISTER, Verb.REGISTRATIONS):
            return await registry.handle(self.ctx, actor, command, channel)
        if command.verb == Verb.HR:
            return Answer(await self.hr_link(actor))
        if command.verb == Verb.CHECK:
            return Answer(await self.check_register(actor, command.text))
        help_key = "command.help_teams" if actor.platform == "teams" else "command.help"
        return Answer(Message(kind=Kind.REFUSAL, text=t(actor.locale, help_key), locale=actor.locale))

    async def channel_role(self, platform: str, channel_id: str | None) -> Audience | None:
        """The audience of a registered channel (a press there), or None."""
        return await routes.audience_of(self.ctx, platform, channel_id)

    async def form_closed(self, actor: Actor) -> None:
        """A form closed unsent: a gentle DM offering to reopen it."""
        async with self.ctx.db.session() as session:
            message = notice(Kind.REPORTER_UPDATE, actor.locale, "form.closed")
            await enqueue(session, self.ctx, None, Audience.USER, message, platform=actor.platform,
                          user_id=actor.user_id)
            await session.commit()
        self.ctx.wake()

    # -- buttons -----------------------------------------------------------------------

    async def press(self, press: PressIn) -> PressResult:
        ref, _ = split_value(press.value)
        if ref.upper().startswith("REG-"):  # the register's review buttons (spec 8.5)
            return await register_review.press(self.ctx, press)
        async with self.ctx.db.session() as session:
            incident = await repo.get_incident(session=session, ref=ref)
        if incident is None:
            return refuse(self.ctx, press, "unknown_incident", "refusal.unknown_incident")
        if press.action in REPORTER_ACTIONS:
            return await reporter_press(self.ctx, press, incident)
        if press.action == Action.TALK_ACCEPT:
            return await care_answers.accept(self.ctx, press, incident)
        if press.action in sites.REPORTER_ACTIONS:
            return await sites.reporter_press(self.ctx, press, incident)
        if press.action == Action.MOVE_TO_HR:
            return await moves.move_to_hr(self.ctx, press, incident)
        return await supervisor_press(self.ctx, press, incident)

    async def check_register(self, actor: Actor, reference: str) -> Message:
        """``/haven check REFERENCE`` (Slack), ``check REFERENCE`` (Teams), ``:check``
        (console): a private, minimal answer from the register (spec 8.5)."""
        return await register.check(self.ctx, actor, reference)

    async def details_form(self, actor: Actor, ref: str) -> Form | None:
        async with self.ctx.db.session() as session:
            incident = await repo.get_incident(session=session, ref=ref)
        if incident is None or incident.reporter_id != actor.user_id:
            return None
        return await details_form(self.ctx, actor, incident)

    async def triage_form(self, actor: Actor, ref: str) -> Form | None:
        """The re-triage form of an incident (shown again with errors), or None."""
        async with self.ctx.db.session() as session:
            incident = await repo.get_incident(session=session, ref=ref)
        return None if incident is None else retriage.form_for(self.ctx, actor, incident)

    # -- what adapters show and tell -----------------------------------------------------

    async def home(self, actor: Actor) -> tuple[Message, ...]:
        """The person's home surface; supervisors also see every open incident."""
        supervisor = await sees_open_incidents(self.ctx.directories.get(actor.platform), actor.user_id)
        return await home(self.ctx, actor, supervisor=supervisor)

    async def tell(self, *, platform: str, user_id: str, message: Message) -> int:
        """A DM that must arrive, queued in the outbox (retried when the platform fails);
        it belongs to ``message.incident`` when that is known. Returns the outbox id."""
        return await tell_user(self.ctx, platform=platform, user_id=user_id, message=message,
                               incident_ref=message.incident)

    async def hr_link(self, actor: Actor) -> Message:
        """``/haven hr`` (Teams ``hr``): an HR member gets a one-time sign-in link to the HR
        desk by DM; the answer (shown privately) says so. Anyone else is refused."""
        if self.desk is None:
            return notice(Kind.REFUSAL, actor.locale, "hr.link.off")
        identity = Identity(platform=actor.platform, user_id=actor.user_id)
        if not await self.desk.access.is_hr(identity):
            return notice(Kind.REFUSAL, actor.locale, "hr.link.refused")
        url = await self.desk.signin.issue_link(identity)
        await self.tell(platform=actor.platform, user_id=actor.user_id,
                        message=notice(Kind.REPORTER_UPDATE, actor.locale, "hr.link.dm", url=url))
        return notice(Kind.REPORTER_UPDATE, actor.locale, "hr.link.sent")

    async def sight(self, actor: Actor, ref: str) -> Sight:
        """What ``actor`` may see of incident ``ref`` (``Sight.NONE`` also when there is none)."""
        return await sight(self.ctx, actor, ref)

    async def current_alert(self, ref: str, *, kind: Kind = Kind.ALERT) -> Message | None:
        """The alert of incident ``ref`` as it stands now (a card refreshed in an interaction)."""
        return await current_alert(self.ctx, ref, kind=kind)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
