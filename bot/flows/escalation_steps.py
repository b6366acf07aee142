"""Running one due escalation step (in the sweeper's transaction, which also finishes the
row with a compare-and-set, so a step's messages and audit event commit exactly once):
re-notify the channel, page the next tier, remind the owner and the channel, ask for a
second responder. A step the trail says already ran never runs twice.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.flows import routes
from bot.flows.context import Context, alert_posts, enqueue, load_view
from bot.flows.escalation import deadline, job_row, severity_of
from bot.flows.lifecycle import JobKind, Status, Step, can
from bot.model.i18n import t
from bot.model.messages import Action, Audience, Kind, Message, mention
from bot.model.alert import alert
from bot.model.views import local_time
from storage import incidents as repo
from storage import schedule
from storage.db import Session
from storage.delivery_models import Job
from storage.incident_models import Incident

log = logging.getLogger("haven.escalation")


async def run(session: Session, ctx: Context, job: Job, incident: Incident,
              *, escalation_reachable: bool = True) -> None:
    """Run one due escalation job. ``incident`` was read (and, on PostgreSQL, locked)
    in this transaction, so an acknowledgement either committed before (and the step
    does nothing) or waits until after it."""
    assert incident.id is not None
    if incident.status == Status.RESOLVED or incident.route == routes.HELD:
        return  # held for HR: no channel to tell yet (planned again on release)
    if await _already_done(session, incident, job):
        return
    if job.kind == JobKind.PAGE:
        await _page(session, ctx, job, incident, reachable=escalation_reachable)
        return
    handler = {JobKind.RENOTIFY: _renotify, JobKind.REMIND_OWNER: _remind_owner,
               JobKind.REMIND_CHANNEL: _remind_channel, JobKind.ASK_JOIN: _ask_join}[JobKind(job.kind)]
    await handler(session, ctx, job, incident)


async def _already_done(session: Session, incident: Incident, job: Job) -> bool:
    """A step the trail says already ran: a re-plan (re-triage, a site change) that raced
    a job the sweeper had just claimed may have planned it again; it never runs twice."""
    assert incident.id is not None
    kind = JobKind(job.kind)
    events = await repo.events_for(session=session, incident_id=incident.id)
    if kind == JobKind.ASK_JOIN:  # asked since this one fell due: a copy of the same ask
        return any(e.kind == "reminded" and (e.detail or {}).get("to") == "second_responder"
                   and e.at >= job.due_at for e in events)
    if kind == JobKind.RENOTIFY:
        return sum(1 for e in events if e.kind == "renotified") >= int(job.payload.get("step", 1))
    if kind == JobKind.PAGE:
        return any(e.kind == "paged" for e in events)
    to = "owner" if kind == JobKind.REMIND_OWNER else "channel"
    return any(e.kind == "reminded" and (e.detail or {}).get("to") == to for e in events)


def _waited(ctx: Context, incident: Incident) -> dict[str, str]:
    """When it was reported (local time) and the acknowledgement deadline as the policy
    says it ("1 h of business time"), never wall minutes that count closed hours as waiting."""
    locale = ctx.channel_locale
    severity = severity_of(ctx, incident)
    hours, minutes = divmod(int(severity.ack_within.total_seconds() // 60), 60)
    key = "hours_minutes" if hours and minutes else "hours" if hours else "minutes"
    duration = t(locale, f"escalation.{key}", h=hours, m=minutes)
    within = t(locale, "escalation.within_business" if severity.business_hours_only else "escalation.within",
               duration=duration)
    return {"reported": local_time(ctx.policy, incident.reported_at), "within": within}


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
             **_waited(ctx, incident))
    message = Message(kind=Kind.RENOTIFY, text=text, mention_channel=True, incident=incident.ref, locale=locale)
    await _thread_reply(session, ctx, incident, message)
    await _event(session, ctx, incident, "renotified", job)


async def _page(session: Session, ctx: Context, job: Job, incident: Incident, *, reachable: bool) -> None:
    """A full alert with buttons in the escalation channel; or, when the platform has no
    escalation channel, an honest note in the supervisors' thread and the trail."""
    if not can(incident.status, Step.ESCALATE):
        return
    locale = ctx.channel_locale
    waited = _waited(ctx, incident)
    if not reachable:
        log.warning("%s: page due but no escalation channel is configured on %s", incident.ref, incident.platform)
        text = t(locale, "escalation.page_unreachable", ref=incident.ref, **waited)
        note = Message(kind=Kind.PAGE_FAILED, text=text, mention_channel=True, incident=incident.ref, locale=locale)
        await _thread_reply(session, ctx, incident, note)
        await _event(session, ctx, incident, "page_failed", job, detail={"reason": "no_escalation_channel"})
        return
    view = await load_view(session, ctx, incident)
    page = alert(ctx.policy, view, locale, kind=Kind.PAGE)
    intro = t(locale, "escalation.page", ref=incident.ref, **waited)
    page = replace(page, text=f"{intro}\n{page.text}", mention_channel=True)
    await enqueue(session, ctx, incident, Audience.ESCALATION, page)
    await _event(session, ctx, incident, "paged", job)


async def _remind_owner(session: Session, ctx: Context, job: Job, incident: Incident) -> None:
    if not can(incident.status, Step.REMIND) or not incident.owner_id:
        return
    locale = ctx.channel_locale
    if await _owned_before_the_move(session, incident):  # a line owner cannot act on the HR route: ask HR
        text = t(locale, "escalation.remind_hr_line_owner", ref=incident.ref,
                 severity=_severity_label(ctx, incident), owner=mention(incident.owner_id))
        await _thread_reply(session, ctx, incident, Message(kind=Kind.REMIND_CHANNEL, text=text, incident=incident.ref,
                                                            locale=locale, mentions=(incident.owner_id,)))
        await _event(session, ctx, incident, "reminded", job, detail={"to": "owner", "via": "hr"})
        return
    text = t(locale, "escalation.remind_owner", ref=incident.ref, severity=_severity_label(ctx, incident))
    message = Message(kind=Kind.REMIND_OWNER, text=text, incident=incident.ref, locale=locale)
    await enqueue(session, ctx, incident, Audience.USER, message, user_id=incident.owner_id)
    await _event(session, ctx, incident, "reminded", job, detail={"to": "owner"})


async def _owned_before_the_move(session: Session, incident: Incident) -> bool:
    """The owner took the incident over on the line route, and it moved to HR since."""
    if not routes.on_hr_route(incident):
        return False
    kinds = [e.kind for e in await repo.events_for(session=session, incident_id=incident.id or 0)]
    return "acknowledged" in kinds and "moved_to_hr" in kinds[kinds.index("acknowledged"):]


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
    view = await load_view(session, ctx, incident)
    join = tuple(b for b in alert(ctx.policy, view, locale).buttons if b.action == Action.JOIN)
    severity = _severity_label(ctx, incident)
    if incident.owner_id:
        text = t(locale, "escalation.ask_join", ref=incident.ref, severity=severity, owner=mention(incident.owner_id))
    else:  # nobody owns it yet: two people are needed, one to take it over and one to join
        text = t(locale, "escalation.ask_join_unowned", ref=incident.ref, severity=severity)
    message = Message(kind=Kind.ASK_JOIN, text=text, buttons=join, incident=incident.ref, locale=locale)
    await _thread_reply(session, ctx, incident, message)
    await _event(session, ctx, incident, "reminded", job, detail={"to": "second_responder"})
    step = int(job.payload.get("step", 1)) + 1
    due = deadline(ctx, incident, ctx.now(), severity_of(ctx, incident).ack_within)
    await schedule.schedule_many(session=session, rows=[
        job_row(incident, JobKind.ASK_JOIN, step, due, generation=f"after{job.id}")])


async def _event(session: Session, ctx: Context, incident: Incident, kind: str, job: Job,
                 detail: dict[str, object] | None = None) -> None:
    assert incident.id is not None
    await repo.add_event(session=session, incident_id=incident.id, kind=kind, actor="haven", at=ctx.now(),
                         detail={"job": job.id, "step": job.payload.get("step", 1), **(detail or {})})
