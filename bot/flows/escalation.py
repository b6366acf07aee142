"""Real-time escalation: acknowledgement deadlines, pages, reminders, second responders.

Every step is a row in ``jobs`` (see :mod:`storage.schedule`); this module plans the
rows when an incident changes (in the caller's transaction);
:mod:`bot.flows.escalation_steps` runs one when it falls due.

Deadlines follow the severity frozen onto the incident when it was assessed
(``policy_snapshot``), counted in business time for ``business_hours_only`` severities.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.flows import routes
from bot.flows.context import Context
from bot.flows.lifecycle import JobKind, Status
from policy.handling import Severity
from storage import incidents as repo
from storage import schedule
from storage.db import Session
from storage.incident_models import Incident
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
    if incident.route == routes.HELD:
        return  # held for HR: nobody to alert; planned when the report is released
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=ACK_KINDS + JOIN_KINDS)
    generation = await _generation(session, incident)
    if incident.status == Status.OPEN:
        rows = _plan_ack(ctx, incident, not_before=ctx.now(), generation=generation)
    elif incident.status == Status.ACKNOWLEDGED:
        rows = _plan_join(ctx, incident, ctx.now(), generation=generation)
    else:
        rows = []
    await schedule.schedule_many(session=session, rows=rows)


async def _generation(session: Session, incident: Incident) -> str:
    """A key suffix no earlier plan of this incident used: a re-plan's rows are new rows
    (keys of cancelled rows stay taken), and never a second copy of pending ones."""
    assert incident.id is not None
    return f"{incident.severity}{len(await schedule.jobs_for(session=session, incident_id=incident.id))}"


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
                rows.append(job_row(incident, JobKind.RENOTIFY, k, when, generation=generation))
        if severity.page and not any(kind == "paged" for kind, _ in sent):
            rows.append(job_row(incident, JobKind.PAGE, 1, due(reported, (severity.renotify + 1) * ack),
                             generation=generation))
    elif incident.status == Status.ACKNOWLEDGED:
        if ("reminded", "owner") not in sent:
            rows.append(job_row(incident, JobKind.REMIND_OWNER, 1, due(acknowledged, severity.resolve_within),
                             generation=generation))
        if ("reminded", "channel") not in sent:
            rows.append(job_row(incident, JobKind.REMIND_CHANNEL, 1, due(acknowledged, severity.resolve_within + ack),
                             generation=generation))
    if incident.status != Status.RESOLVED and severity.responders >= 2 and not incident.second_responder_id:
        when = due(reported, ack)
        if at is None and not_before is not None and when <= not_before:  # moved: the new alert shows Join
            when = deadline(ctx, incident, not_before, ack)
        rows.append(job_row(incident, JobKind.ASK_JOIN, 1, when, generation=generation))
    await schedule.schedule_many(session=session, rows=rows)


def _plan_ack(ctx: Context, incident: Incident, *, not_before: datetime | None, generation: str) -> list[NewJob]:
    severity = severity_of(ctx, incident)
    ack = severity.ack_within
    rows = []
    for k in range(1, severity.renotify + 1):
        due = deadline(ctx, incident, incident.reported_at, k * ack)
        if not_before is None or due > not_before:
            rows.append(job_row(incident, JobKind.RENOTIFY, k, due, generation=generation))
    if severity.page:
        due = deadline(ctx, incident, incident.reported_at, (severity.renotify + 1) * ack)
        rows.append(job_row(incident, JobKind.PAGE, 1, max(due, not_before or due), generation=generation))
    return rows + _plan_join(ctx, incident, not_before, generation=generation)


def _plan_join(ctx: Context, incident: Incident, not_before: datetime | None, *, generation: str) -> list[NewJob]:
    if severity_of(ctx, incident).responders < 2 or incident.second_responder_id:
        return []
    due = deadline(ctx, incident, incident.reported_at, severity_of(ctx, incident).ack_within)
    return [job_row(incident, JobKind.ASK_JOIN, 1, max(due, not_before or due), generation=generation)]


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
        job_row(incident, JobKind.REMIND_OWNER, 1, owner_due),
        job_row(incident, JobKind.REMIND_CHANNEL, 1, channel_due),
    ])


async def on_resolved(session: Session, ctx: Context, incident: Incident) -> None:
    """Resolved: no more escalation of any kind (check-ins go on)."""
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=tuple(KINDS))


async def on_joined(session: Session, ctx: Context, incident: Incident) -> None:
    """A second responder joined: stop asking."""
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=JOIN_KINDS)


def job_row(incident: Incident, kind: JobKind, step: int, due: datetime, *, generation: str = "") -> NewJob:
    key = f"{incident.ref}:{kind}:{step}" + (f":{generation}" if generation else "")
    return NewJob(incident_id=incident.id, kind=kind, key=key, due_at=due, payload={"step": step})
