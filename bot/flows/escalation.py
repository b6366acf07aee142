"""Real-time escalation: acknowledgement deadlines, pages, reminders, second responders.

Every step is a row in ``jobs`` (see :mod:`storage.schedule`); this module plans the
rows when an incident changes (in the caller's transaction) and runs one when it falls
due (in the sweeper's transaction, which also finishes the row with a compare-and-set,
so a step's messages and audit event commit exactly once).

Deadlines follow the severity frozen onto the incident when it was assessed
(``policy_snapshot``), counted in business time for ``business_hours_only`` severities.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot.flows import routes
from bot.flows.context import Context, alert_posts, enqueue, load_view
from bot.flows.lifecycle import JobKind, Status, Step, can
from bot.model.i18n import t
from bot.model.messages import Action, Audience, Kind, Message, mention
from bot.model.views import alert
from policy.handling import Severity
from storage import incidents as repo
from storage import schedule
from storage.db import Session
from storage.models import Incident, Job
from storage.schedule import NewJob

log = logging.getLogger("haven.escalation")

ACK_KINDS = (JobKind.RENOTIFY, JobKind.PAGE)
RESOLVE_KINDS = (JobKind.REMIND_OWNER, JobKind.REMIND_CHANNEL)
JOIN_KINDS = (JobKind.ASK_JOIN,)
KINDS = frozenset(ACK_KINDS + RESOLVE_KINDS + JOIN_KINDS)


def severity_of(ctx: Context, incident: Incident) -> Severity:
    """The severity's deadlines as frozen on the incident (the live policy as a fallback)."""
    frozen = (incident.policy_snapshot or {}).get("severity")
    if isinstance(frozen, dict) and frozen.get("id") == incident.severity:
        try:
            return Severity.model_validate(frozen)
        except ValueError:
            log.warning("incident %s has an unreadable policy snapshot; using the live policy", incident.ref)
    return ctx.policy.severity(incident.severity)


def deadline(ctx: Context, incident: Incident, start: datetime, duration: timedelta) -> datetime:
    """``start + duration``, in business time when the severity says so."""
    severity = severity_of(ctx, incident)
    calendar = ctx.calendar_for(routes.site_of(ctx, incident))
    return calendar.deadline(start, duration, business_hours_only=severity.business_hours_only)


# -- planning (pure: the rows to schedule) and re-planning (in the caller's transaction) --


def plan_on_report(ctx: Context, incident: Incident) -> list[NewJob]:
    """Re-notifications at ``reported_at + k·ack_within``, then the page; the join ask."""
    return _plan_ack(ctx, incident, not_before=None, generation="")


async def replan(session: Session, ctx: Context, incident: Incident) -> None:
    """The severity rose: new deadlines, from the report, replace the pending ones.

    A re-notification whose new time has already passed is not repeated (the severity
    change itself was announced in the channel); an overdue page goes out at once.
    """
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=ACK_KINDS + JOIN_KINDS)
    if incident.status == Status.OPEN:
        rows = _plan_ack(ctx, incident, not_before=ctx.now(), generation=incident.severity)
    elif incident.status == Status.ACKNOWLEDGED:
        rows = _plan_join(ctx, incident, ctx.now(), generation=incident.severity)
    else:
        rows = []
    await schedule.schedule_many(session=session, rows=rows)


async def replan_from(session: Session, ctx: Context, incident: Incident, *, at: datetime | None,
                      generation: str, not_before: datetime | None = None) -> None:
    """Every pending deadline is planned again with the incident's severity and site; a
    step already sent (a re-notification, the page, a reminder) is not repeated.
    Check-ins keep their schedule (see :func:`bot.flows.followups.replan_checkins`).

    ``at``: a re-triage plans from its own moment; None plans from where the deadlines
    first ran (the report; the acknowledgement for resolution reminders), as a site
    change does with the new site's calendar. ``not_before``: a re-notification falling
    before it is dropped (the alert was just posted), an overdue page or reminder goes
    out then."""
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=tuple(KINDS))
    events = await repo.events_for(session=session, incident_id=incident.id)
    sent = [(e.kind, str((e.detail or {}).get("to", ""))) for e in events]
    severity = severity_of(ctx, incident)
    ack = severity.ack_within
    reported = at or incident.reported_at
    acknowledged = at or incident.acknowledged_at or reported

    def due(start: datetime, duration: timedelta) -> datetime:
        when = deadline(ctx, incident, start, duration)
        return max(when, not_before) if not_before else when

    rows: list[NewJob] = []
    if incident.status == Status.OPEN:
        done = sum(1 for kind, _ in sent if kind == "renotified")
        for k in range(done + 1, severity.renotify + 1):
            when = deadline(ctx, incident, reported, k * ack)
            if not not_before or when > not_before:
                rows.append(_job(incident, JobKind.RENOTIFY, k, when, generation=generation))
        if severity.page and not any(kind == "paged" for kind, _ in sent):
            rows.append(_job(incident, JobKind.PAGE, 1, due(reported, (severity.renotify + 1) * ack),
                             generation=generation))
    elif incident.status == Status.ACKNOWLEDGED:
        if ("reminded", "owner") not in sent:
            rows.append(_job(incident, JobKind.REMIND_OWNER, 1, due(acknowledged, severity.resolve_within),
                             generation=generation))
        if ("reminded", "channel") not in sent:
            rows.append(_job(incident, JobKind.REMIND_CHANNEL, 1, due(acknowledged, severity.resolve_within + ack),
                             generation=generation))
    if incident.status != Status.RESOLVED and severity.responders >= 2 and not incident.second_responder_id:
        rows.append(_job(incident, JobKind.ASK_JOIN, 1, due(reported, ack), generation=generation))
    await schedule.schedule_many(session=session, rows=rows)


def _plan_ack(ctx: Context, incident: Incident, *, not_before: datetime | None, generation: str) -> list[NewJob]:
    severity = severity_of(ctx, incident)
    ack = severity.ack_within
    rows = []
    for k in range(1, severity.renotify + 1):
        due = deadline(ctx, incident, incident.reported_at, k * ack)
        if not_before is None or due > not_before:
            rows.append(_job(incident, JobKind.RENOTIFY, k, due, generation=generation))
    if severity.page:
        due = deadline(ctx, incident, incident.reported_at, (severity.renotify + 1) * ack)
        rows.append(_job(incident, JobKind.PAGE, 1, max(due, not_before or due), generation=generation))
    return rows + _plan_join(ctx, incident, not_before, generation=generation)


def _plan_join(ctx: Context, incident: Incident, not_before: datetime | None, *, generation: str) -> list[NewJob]:
    if severity_of(ctx, incident).responders < 2 or incident.second_responder_id:
        return []
    due = deadline(ctx, incident, incident.reported_at, severity_of(ctx, incident).ack_within)
    return [_job(incident, JobKind.ASK_JOIN, 1, max(due, not_before or due), generation=generation)]


async def on_acknowledged(session: Session, ctx: Context, incident: Incident) -> None:
    """Everything stops the moment someone acknowledges; resolution reminders start:
    the owner at ``resolve_within`` after the acknowledgement, the channel one
    ``ack_within`` later. The join ask (if any) goes on until someone joins."""
    assert incident.id is not None and incident.acknowledged_at is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=ACK_KINDS)
    severity = severity_of(ctx, incident)
    start = incident.acknowledged_at
    owner_due = deadline(ctx, incident, start, severity.resolve_within)
    channel_due = deadline(ctx, incident, start, severity.resolve_within + severity.ack_within)
    await schedule.schedule_many(session=session, rows=[
        _job(incident, JobKind.REMIND_OWNER, 1, owner_due),
        _job(incident, JobKind.REMIND_CHANNEL, 1, channel_due),
    ])


async def on_resolved(session: Session, ctx: Context, incident: Incident) -> None:
    """Resolved: no more escalation of any kind (check-ins go on)."""
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=tuple(KINDS))


async def on_joined(session: Session, ctx: Context, incident: Incident) -> None:
    """A second responder joined: stop asking."""
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=JOIN_KINDS)


def _job(incident: Incident, kind: JobKind, step: int, due: datetime, *, generation: str = "") -> NewJob:
    key = f"{incident.ref}:{kind}:{step}" + (f":{generation}" if generation else "")
    return NewJob(incident_id=incident.id, kind=kind, key=key, due_at=due, payload={"step": step})


# -- running one due job (in the sweeper's transaction) -------------------------------


async def run(session: Session, ctx: Context, job: Job, incident: Incident,
              *, escalation_reachable: bool = True) -> None:
    """Run one due escalation job. ``incident`` was read (and, on PostgreSQL, locked)
    in this transaction, so an acknowledgement either committed before (and the step
    does nothing) or waits until after it."""
    assert incident.id is not None
    if incident.status == Status.RESOLVED:
        return
    if job.kind == JobKind.PAGE:
        await _page(session, ctx, job, incident, reachable=escalation_reachable)
        return
    handler = {JobKind.RENOTIFY: _renotify, JobKind.REMIND_OWNER: _remind_owner,
               JobKind.REMIND_CHANNEL: _remind_channel, JobKind.ASK_JOIN: _ask_join}[JobKind(job.kind)]
    await handler(session, ctx, job, incident)


def _minutes_since(ctx: Context, start: datetime) -> int:
    return max(0, int((ctx.now() - start).total_seconds() // 60))


def _severity_label(ctx: Context, incident: Incident) -> str:
    return ctx.policy.severity(incident.severity).labels.get(ctx.channel_locale)


async def _thread_reply(session: Session, ctx: Context, incident: Incident, message: Message) -> None:
    """A reply in the supervisors' (or HR's) alert thread (top level if the alert never got out)."""
    posts = await alert_posts(session, incident, ctx)
    supervisors = [p for p in posts if p.audience in (Audience.SUPERVISORS, Audience.HR)]
    reply_to = supervisors[0].id if supervisors else None
    await enqueue(session, ctx, incident, Audience.SUPERVISORS, message, reply_to=reply_to)


async def _renotify(session: Session, ctx: Context, job: Job, incident: Incident) -> None:
    """Broadcast to the channel from the alert's thread, mentioning the channel."""
    if not can(incident.status, Step.ESCALATE):
        return
    locale = ctx.channel_locale
    text = t(locale, "escalation.renotify", ref=incident.ref, severity=_severity_label(ctx, incident),
             minutes=_minutes_since(ctx, incident.reported_at))
    message = Message(kind=Kind.RENOTIFY, text=text, mention_channel=True, incident=incident.ref, locale=locale)
    await _thread_reply(session, ctx, incident, message)
    await _event(session, ctx, incident, "renotified", job)


async def _page(session: Session, ctx: Context, job: Job, incident: Incident, *, reachable: bool) -> None:
    """A full alert with buttons in the escalation channel; or, when the platform has no
    escalation channel, an honest note in the supervisors' thread and the trail."""
    if not can(incident.status, Step.ESCALATE):
        return
    locale = ctx.channel_locale
    minutes = _minutes_since(ctx, incident.reported_at)
    if not reachable:
        log.warning("%s: page due but no escalation channel is configured on %s", incident.ref, incident.platform)
        text = t(locale, "escalation.page_unreachable", ref=incident.ref, minutes=minutes)
        note = Message(kind=Kind.PAGE_FAILED, text=text, mention_channel=True, incident=incident.ref, locale=locale)
        await _thread_reply(session, ctx, incident, note)
        await _event(session, ctx, incident, "page_failed", job, detail={"reason": "no_escalation_channel"})
        return
    view = await load_view(session, ctx, incident)
    page = alert(ctx.policy, view, locale, kind=Kind.PAGE)
    intro = t(locale, "escalation.page", ref=incident.ref, minutes=minutes)
    page = replace(page, text=f"{intro}\n{page.text}", mention_channel=True)
    await enqueue(session, ctx, incident, Audience.ESCALATION, page)
    await _event(session, ctx, incident, "paged", job)


async def _remind_owner(session: Session, ctx: Context, job: Job, incident: Incident) -> None:
    if not can(incident.status, Step.REMIND) or not incident.owner_id:
        return
    locale = ctx.channel_locale
    text = t(locale, "escalation.remind_owner", ref=incident.ref, severity=_severity_label(ctx, incident))
    message = Message(kind=Kind.REMIND_OWNER, text=text, incident=incident.ref, locale=locale)
    await enqueue(session, ctx, incident, Audience.USER, message, user_id=incident.owner_id)
    await _event(session, ctx, incident, "reminded", job, detail={"to": "owner"})


async def _remind_channel(session: Session, ctx: Context, job: Job, incident: Incident) -> None:
    if not can(incident.status, Step.REMIND) or not incident.owner_id:
        return
    locale = ctx.channel_locale
    text = t(locale, "escalation.remind_channel", ref=incident.ref, severity=_severity_label(ctx, incident),
             owner=mention(incident.owner_id))
    message = Message(kind=Kind.REMIND_CHANNEL, text=text, incident=incident.ref, locale=locale,
                      mentions=(incident.owner_id,))
    await _thread_reply(session, ctx, incident, message)
    await _event(session, ctx, incident, "reminded", job, detail={"to": "channel"})


async def _ask_join(session: Session, ctx: Context, job: Job, incident: Incident) -> None:
    """Ask for a second responder in the alert's thread; ask again one ``ack_within`` later."""
    if incident.second_responder_id:
        return
    locale = ctx.channel_locale
    owner = mention(incident.owner_id) if incident.owner_id else t(locale, "alert.none")
    view = await load_view(session, ctx, incident)
    join = tuple(b for b in alert(ctx.policy, view, locale).buttons if b.action == Action.JOIN)
    text = t(locale, "escalation.ask_join", ref=incident.ref, severity=_severity_label(ctx, incident), owner=owner)
    message = Message(kind=Kind.ASK_JOIN, text=text, buttons=join, incident=incident.ref, locale=locale)
    await _thread_reply(session, ctx, incident, message)
    await _event(session, ctx, incident, "reminded", job, detail={"to": "second_responder"})
    step = int(job.payload.get("step", 1)) + 1
    due = deadline(ctx, incident, ctx.now(), severity_of(ctx, incident).ack_within)
    await schedule.schedule_many(session=session, rows=[
        _job(incident, JobKind.ASK_JOIN, step, due, generation=f"after{job.id}")])


async def _event(session: Session, ctx: Context, incident: Incident, kind: str, job: Job,
                 detail: dict[str, object] | None = None) -> None:
    assert incident.id is not None
    await repo.add_event(session=session, incident_id=incident.id, kind=kind, actor="haven", at=ctx.now(),
                         detail={"job": job.id, "step": job.payload.get("step", 1), **(detail or {})})
