"""Real-time escalation: acknowledgement deadlines, pages, reminders, second responders.

Every step is a row in ``jobs`` (see :mod:`storage.schedule`); this module plans the
rows when an incident changes and runs one when it falls due.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import Context, alert_posts, enqueue, load_view
from bot.i18n import t
from bot.messages import Audience, Kind, Message, mention
from bot.views import alert
from storage import schedule
from storage.models import Incident, Job

log = logging.getLogger("haven.escalation")

ACK_KINDS = ("renotify", "page")
RESOLVE_KINDS = ("remind_owner", "remind_channel")
JOIN_KINDS = ("ask_join",)


def _deadline(ctx: Context, incident: Incident, start: datetime, duration: timedelta) -> datetime:
    severity = ctx.policy.severity(incident.severity)
    return ctx.calendar.deadline(start, duration, business_hours_only=severity.business_hours_only)


async def plan_on_report(session: AsyncSession, ctx: Context, incident: Incident) -> None:
    """Re-notifications at ``reported_at + k·ack_within``, then the page; the join ask."""
    severity = ctx.policy.severity(incident.severity)
    ack = severity.ack_within
    for k in range(1, severity.renotify + 1):
        await _plan(session, ctx, incident, "renotify", k, _deadline(ctx, incident, incident.reported_at, k * ack))
    if severity.page:
        due = _deadline(ctx, incident, incident.reported_at, (severity.renotify + 1) * ack)
        await _plan(session, ctx, incident, "page", 1, due)
    if severity.responders >= 2:
        await _plan(session, ctx, incident, "ask_join", 1, _deadline(ctx, incident, incident.reported_at, ack))


async def replan(session: AsyncSession, ctx: Context, incident: Incident) -> None:
    """The severity changed while open: new deadlines replace the pending ones."""
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=ACK_KINDS + JOIN_KINDS)
    severity = ctx.policy.severity(incident.severity)
    now = ctx.now()
    ack = severity.ack_within
    for k in range(1, severity.renotify + 1):
        due = max(now, _deadline(ctx, incident, incident.reported_at, k * ack))
        await _plan(session, ctx, incident, "renotify", k, due, generation=incident.severity)
    if severity.page:
        due = max(now, _deadline(ctx, incident, incident.reported_at, (severity.renotify + 1) * ack))
        await _plan(session, ctx, incident, "page", 1, due, generation=incident.severity)
    if severity.responders >= 2 and not incident.second_responder_id:
        await _plan(session, ctx, incident, "ask_join", 1, max(now, _deadline(ctx, incident, incident.reported_at, ack)),
                    generation=incident.severity)


async def on_acknowledged(session: AsyncSession, ctx: Context, incident: Incident) -> None:
    """Everything stops the moment someone acknowledges; resolution reminders start."""
    assert incident.id is not None and incident.acknowledged_at is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=ACK_KINDS)
    severity = ctx.policy.severity(incident.severity)
    start = incident.acknowledged_at
    owner_due = _deadline(ctx, incident, start, severity.resolve_within)
    await _plan(session, ctx, incident, "remind_owner", 1, owner_due)
    channel_due = _deadline(ctx, incident, start, severity.resolve_within + severity.ack_within)
    await _plan(session, ctx, incident, "remind_channel", 1, channel_due)


async def on_resolved(session: AsyncSession, ctx: Context, incident: Incident) -> None:
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=ACK_KINDS + RESOLVE_KINDS + JOIN_KINDS)


async def on_joined(session: AsyncSession, ctx: Context, incident: Incident) -> None:
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=JOIN_KINDS)


async def _plan(
    session: AsyncSession, ctx: Context, incident: Incident, kind: str, step: int, due: datetime,
    *, generation: str = "",
) -> None:
    key = f"{incident.ref}:{kind}:{step}" + (f":{generation}" if generation else "")
    await schedule.schedule(session=session, incident_id=incident.id, kind=kind, key=key, due_at=due,
                            payload={"step": step})


# -- running due jobs ------------------------------------------------------------------


async def run(session: AsyncSession, ctx: Context, job: Job, incident: Incident) -> None:
    """Run one due escalation job inside the caller's transaction."""
    assert incident.id is not None
    if incident.status == "resolved":
        return
    handler = {
        "renotify": _renotify, "page": _page, "remind_owner": _remind_owner,
        "remind_channel": _remind_channel, "ask_join": _ask_join,
    }[job.kind]
    await handler(session, ctx, job, incident)


def _minutes_since(ctx: Context, start: datetime) -> int:
    return max(0, int((ctx.now() - start).total_seconds() // 60))


def _severity_label(ctx: Context, incident: Incident) -> str:
    return ctx.policy.severity(incident.severity).labels.get(ctx.channel_locale)


async def _thread_reply(session: AsyncSession, ctx: Context, incident: Incident, message: Message) -> None:
    posts = await alert_posts(session, incident)
    supervisors = [p for p in posts if p.audience == Audience.SUPERVISORS]
    reply_to = supervisors[0].id if supervisors else None
    await enqueue(session, ctx, incident, Audience.SUPERVISORS, message, reply_to=reply_to)


async def _renotify(session: AsyncSession, ctx: Context, job: Job, incident: Incident) -> None:
    if incident.status != "open":
        return
    locale = ctx.channel_locale
    text = t(locale, "escalation.renotify", ref=incident.ref, severity=_severity_label(ctx, incident),
             minutes=_minutes_since(ctx, incident.reported_at))
    message = Message(kind=Kind.RENOTIFY, text=text, mention_channel=True, incident=incident.ref, locale=locale)
    await _thread_reply(session, ctx, incident, message)
    assert incident.id is not None
    await _event(session, ctx, incident, "renotified", job)


async def _page(session: AsyncSession, ctx: Context, job: Job, incident: Incident) -> None:
    if incident.status != "open":
        return
    locale = ctx.channel_locale
    view = await load_view(session, ctx, incident)
    page = alert(ctx.policy, view, locale, kind=Kind.PAGE)
    intro = t(locale, "escalation.page", ref=incident.ref, minutes=_minutes_since(ctx, incident.reported_at))
    page = replace(page, text=f"{intro}\n{page.text}", mention_channel=True)
    await enqueue(session, ctx, incident, Audience.ESCALATION, page)
    await _event(session, ctx, incident, "paged", job)


async def _remind_owner(session: AsyncSession, ctx: Context, job: Job, incident: Incident) -> None:
    if not incident.owner_id:
        return
    locale = ctx.channel_locale
    text = t(locale, "escalation.remind_owner", ref=incident.ref, severity=_severity_label(ctx, incident))
    message = Message(kind=Kind.REMINDER, text=text, incident=incident.ref, locale=locale)
    await enqueue(session, ctx, incident, Audience.USER, message, user_id=incident.owner_id)
    await _event(session, ctx, incident, "reminded", job, detail={"to": "owner"})


async def _remind_channel(session: AsyncSession, ctx: Context, job: Job, incident: Incident) -> None:
    locale = ctx.channel_locale
    text = t(locale, "escalation.remind_channel", ref=incident.ref, severity=_severity_label(ctx, incident),
             owner=mention(incident.owner_id or "?"))
    message = Message(kind=Kind.REMINDER, text=text, incident=incident.ref, locale=locale,
                      mentions=tuple(m for m in (incident.owner_id,) if m))
    await _thread_reply(session, ctx, incident, message)
    await _event(session, ctx, incident, "reminded", job, detail={"to": "channel"})


async def _ask_join(session: AsyncSession, ctx: Context, job: Job, incident: Incident) -> None:
    if incident.second_responder_id:
        return
    locale = ctx.channel_locale
    owner = mention(incident.owner_id) if incident.owner_id else t(locale, "alert.none")
    view = await load_view(session, ctx, incident)
    join_buttons = tuple(b for b in alert(ctx.policy, view, locale).buttons if b.action == "join")
    text = t(locale, "escalation.ask_join", ref=incident.ref, severity=_severity_label(ctx, incident), owner=owner)
    message = Message(kind=Kind.RENOTIFY, text=text, buttons=join_buttons, incident=incident.ref, locale=locale)
    await _thread_reply(session, ctx, incident, message)
    step = int(job.payload.get("step", 1)) + 1
    severity = ctx.policy.severity(incident.severity)
    due = _deadline(ctx, incident, ctx.now(), severity.ack_within)
    await _plan(session, ctx, incident, "ask_join", step, due, generation=f"after{job.id}")


async def _event(session: AsyncSession, ctx: Context, incident: Incident, kind: str, job: Job,
                 detail: dict[str, object] | None = None) -> None:
    from storage import incidents as repo

    assert incident.id is not None
    await repo.add_event(session=session, incident_id=incident.id, kind=kind, actor="haven", at=ctx.now(),
                         detail={"job": job.id, **(detail or {})})
