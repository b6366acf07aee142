"""Looking after the reporter: check-ins in the days after, "talk to someone now",
and the reporter's own buttons on the receipt.

Check-ins are rows in ``jobs`` (kind ``checkin``) planned at the policy's offsets moved
forward into business time; answers are stored on the row and audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from bot.delivery import priority
from bot.flows import care, care_answers, routes
from bot.flows.context import Context
from bot.flows.report_forms import details_form
from bot.flows.decisions import PressResult, refuse
from bot.flows.lifecycle import JobKind
from bot.flows.reporter import mark_in_danger
from bot.model.i18n import t
from bot.model.inbound import PressIn, split_value
from bot.model.messages import Action, Audience, Button, Kind, Message, Reply
from bot.model.views import notice
from storage import audit
from storage import incidents as repo
from storage import checkins as bursts
from storage import outbox, schedule
from storage.checkins import Recipient
from storage.db import Session
from storage.delivery_models import Job
from storage.incident_models import Incident
from storage.schedule import ClaimedJob, NewJob

log = logging.getLogger("haven.followups")
CHECKIN = JobKind.CHECKIN
SKIPPED_STATE = "skipped"
REPORTER_ACTIONS = frozenset(
    {Action.ADD_DETAILS, Action.IN_DANGER, Action.TALK_NOW, Action.TALK_CANCEL, Action.TALK_HR,
     Action.FOLLOWUP_OK, Action.FOLLOWUP_TALK, Action.FOLLOWUP_STOP}
)
ANSWERS = {Action.FOLLOWUP_OK: "ok", Action.FOLLOWUP_TALK: "talk", Action.FOLLOWUP_STOP: "stop"}


def plan_checkins(ctx: Context, incident: Incident) -> list[NewJob]:
    """One row per check-in, at the policy's offsets moved forward into business time."""
    calendar = ctx.calendar_for(routes.site_of(ctx, incident))
    return [NewJob(incident_id=incident.id, kind=CHECKIN, key=f"{incident.ref}:checkin:{i}", due_at=due,
                   payload={"step": i})
            for i, due in enumerate(calendar.checkin_times(incident.reported_at), start=1)]


async def replan_checkins(session: Session, ctx: Context, incident: Incident, *, generation: str) -> None:
    """The incident moved to another site: the check-ins not yet sent are planned again
    from the report in that site's business time (one already sent is not repeated)."""
    assert incident.id is not None
    steps = set(await schedule.cancel_pending_steps(session=session, incident_id=incident.id, kinds=(CHECKIN,)))
    rows = [replace(row, key=f"{row.key}:{generation}") for row in plan_checkins(ctx, incident)
            if row.payload["step"] in steps]
    await schedule.schedule_many(session=session, rows=rows)


def checkin_message(ctx: Context, incident: Incident | Recipient, job_id: int, *, hr: bool = False) -> Message:
    """The check-in DM; each answer button's value is ``INC-…:<check-in id>``. ``hr``: an
    HR channel exists on the platform, so a report on the line route also offers ``talk_hr``."""
    locale = incident.reporter_locale or ctx.default_locale
    value = f"{incident.ref}:{job_id}"
    buttons: tuple[Button, ...] = (
        Button(Action.FOLLOWUP_OK, t(locale, "button.followup_ok"), value, style="primary"),
        Button(Action.FOLLOWUP_TALK, t(locale, "button.followup_talk"), value),
    )
    if hr and incident.route == routes.LINE:
        buttons += (Button(Action.TALK_HR, t(locale, "button.talk_hr"), incident.ref),)
    buttons += (Button(Action.FOLLOWUP_STOP, t(locale, "button.followup_stop"), value),)
    key = "checkin.text" if incident.route == routes.LINE else "checkin.text_hr"  # HR route: not the supervisors
    return Message(kind=Kind.CHECKIN, text=t(locale, key, ref=incident.ref), buttons=buttons,
                   incident=incident.ref, locale=locale)


@dataclass
class Burst:
    """A burst of check-ins as rows: the DMs (outbox), the events and each incident's new
    chain head, and the check-ins skipped (overtaken by a later one due at the same time)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    heads: list[tuple[int, int, str]] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def checkin_rows(ctx: Context, jobs: list[ClaimedJob], recipients: dict[int, Recipient], stopped: set[int],
                 *, hr: frozenset[str] = frozenset(), newest: dict[int, int] | None = None) -> Burst:
    """A burst of check-ins as rows, the same rows :func:`add_checkin` writes one by one
    (``checkin_sent``, or ``checkin_skipped`` for a check-in overdue with a later one:
    after a catch-up only an incident's ``newest`` due check-in is sent). A job whose
    incident is gone, or whose reporter said stop, writes nothing. ``hr``: the platforms
    with an HR channel."""
    burst = Burst()
    heads: dict[int, tuple[int, str | None]] = {}
    wall, now = ctx.wall_now(), ctx.now()
    for job in jobs:
        who = recipients.get(job.incident_id or 0)
        if who is None or who.id in stopped:
            continue
        latest = (newest or {}).get(who.id, job.id)
        if latest == job.id:
            burst.messages.append(outbox.message_row(
                incident_id=who.id, platform=who.platform, kind=str(Kind.CHECKIN), audience=str(Audience.USER),
                user_id=who.reporter_id, payload=checkin_message(ctx, who, job.id, hr=who.platform in hr).to_json(),
                due_at=wall, priority=priority.DIRECT))
        else:
            burst.skipped.append(job.id)
        count, head = heads.get(who.id, (who.event_count, who.chain_head))
        if latest == job.id:
            event = audit.next_event(incident_id=who.id, ref=who.ref, count=count, head=head, kind="checkin_sent",
                                     actor="haven", at=now, detail=_detail(job.id, job.payload, latest))
        else:
            event = audit.next_event(incident_id=who.id, ref=who.ref, count=count, head=head,
                                     kind="checkin_skipped", actor="haven", at=now,
                                     detail=_detail(job.id, job.payload, latest))
        burst.events.append(event)
        heads[who.id] = (event["seq"], event["hash"])
    burst.heads = [(i, n, h) for i, (n, h) in heads.items() if h is not None]
    return burst


def _detail(job_id: int, payload: dict[str, Any], latest: int) -> dict[str, Any]:
    detail = {"checkin": job_id, "step": payload.get("step")}
    return detail if latest == job_id else {**detail, "instead": latest}


async def run_checkin(session: Session, ctx: Context, job: Job, incident: Incident, *, hr: bool = False) -> str:
    """Send one check-in by DM, unless the reporter said stop (even on a check-in whose
    row was claimed before the stop cancelled the rest), or a later check-in is due too
    (a catch-up: only the latest is sent; this one is skipped). Returns the row's final
    state (``done`` or ``skipped``)."""
    assert incident.id is not None and job.id is not None
    if incident.id in await schedule.checkins_stopped(session=session, incident_ids=[incident.id]):
        return "done"
    latest = (await bursts.newest_due(session=session, incident_ids=[incident.id], now=ctx.now())).get(
        incident.id, job.id)
    if latest != job.id:
        log.info("%s: check-in %s skipped, check-in %s is due too", incident.ref, job.id, latest)
        audit.append_loaded(session=session, incident=incident, kind="checkin_skipped", actor="haven", at=ctx.now(),
                            detail=_detail(job.id, job.payload, latest))
        await session.flush()
        return SKIPPED_STATE
    await add_checkin(session, ctx, job, incident, hr=hr)
    await session.flush()
    return "done"


async def add_checkin(session: Session, ctx: Context, job: Job, incident: Incident, *, hr: bool = False) -> None:
    """Queue the check-in DM and its ``checkin_sent`` event in the session, unflushed, so
    the sweeper can queue a whole batch with one flush (the same rows as
    :func:`bot.flows.context.enqueue` and :func:`storage.incidents.add_event` write).
    ``incident`` is the one the sweeper locked in this session (its hash chain advances
    in memory)."""
    assert incident.id is not None and job.id is not None
    await outbox.enqueue(
        session=session, incident_id=incident.id, platform=incident.platform, kind=str(Kind.CHECKIN),
        audience=str(Audience.USER), user_id=incident.reporter_id,
        payload=checkin_message(ctx, incident, job.id, hr=hr).to_json(), due_at=ctx.wall_now(), flush=False,
        priority=priority.DIRECT,
    )
    audit.append_loaded(session=session, incident=incident, kind="checkin_sent", actor="haven", at=ctx.now(),
                        detail={"checkin": job.id, "step": job.payload.get("step")})


async def reporter_press(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """The reporter's buttons: only the reporter may press them."""
    if incident.reporter_id != press.actor.user_id or incident.platform != press.actor.platform:
        return refuse(ctx, press, "not_reporter", "refusal.not_reporter")
    locale = press.actor.locale
    if press.action == Action.ADD_DETAILS:
        return PressResult(form=await details_form(ctx, press.actor, incident))
    if press.action == Action.IN_DANGER:
        await mark_in_danger(ctx, press.actor, incident)
        if incident.route == routes.HELD:  # nobody could be alerted: say so, and what they can do
            return _private(care.held_notice(locale, "reporter.in_danger_held", incident))
        return _private(notice(Kind.REPORTER_UPDATE, locale, "reporter.in_danger", ref=incident.ref))
    if press.action == Action.TALK_NOW:
        return _private(await talk_request(ctx, press, incident))
    if press.action == Action.TALK_HR:
        return await _talk_to_hr(ctx, press, incident)
    if press.action == Action.TALK_CANCEL:
        return await care_answers.cancel(ctx, press, incident)
    return await _answer(ctx, press, incident)


def _private(message: Message) -> PressResult:
    return PressResult(replies=(Reply(message, private=True),), changed=True)


async def _talk_to_hr(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """``talk_hr``: someone other than the line supervisors; only while an HR channel
    exists (never sent to a line channel instead)."""
    try:
        ready = await routes.reachable(ctx, incident.platform, Audience.HR, None)
    except Exception:  # a look-up failure: say so rather than guess that HR is there
        log.warning("%s: could not tell whether an HR channel exists", incident.ref)
        ready = False
    if not ready:
        return _private(notice(Kind.REPORTER_UPDATE, press.actor.locale, "reporter.talk_hr_unavailable",
                               ref=incident.ref))
    return _private(await talk_request(ctx, press, incident, route=care.HR))


async def talk_request(ctx: Context, press: PressIn, incident: Incident, *, route: str = care.SUPERVISORS) -> Message:
    """"Talk to someone now": a talk request held to ``care.respond_within``."""
    async with ctx.db.session() as session:
        fresh = await repo.get_incident(session=session, ref=incident.ref)
        assert fresh is not None
        answer = await care.request_talk(session, ctx, fresh, actor=press.actor.user_id, route=route)
        await session.commit()
    ctx.wake()
    return answer


async def _answer(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """``followup_ok`` / ``followup_talk`` / ``followup_stop``: stored on the check-in and
    audited; talk alerts the owner (a second "talk" press still does); stop cancels
    every check-in not yet sent."""
    _, checkin = split_value(press.value)
    locale = press.actor.locale
    answer = ANSWERS[Action(press.action)]
    async with ctx.db.session() as session:
        assert incident.id is not None
        fresh = await repo.get_incident_by_id(session=session, incident_id=incident.id)
        job = await schedule.get_job(session=session, job_id=checkin) if checkin else None
        if fresh is None or job is None or job.id is None or job.incident_id != incident.id or job.kind != CHECKIN:
            return refuse(ctx, press, "unknown_action", "refusal.unknown_action")
        first = await schedule.answer_checkin(session=session, job_id=job.id, answer=answer, at=ctx.now())
        if not first and answer != "talk":
            await session.rollback()
            return _private(notice(Kind.REPORTER_UPDATE, locale, "checkin.already"))
        if first:
            await repo.add_event(session=session, incident_id=incident.id, kind="checkin_answered",
                                 actor=press.actor.user_id, at=ctx.now(),
                                 detail={"checkin": job.id, "answer": answer})
        talked = await care.request_talk(session, ctx, fresh, actor=press.actor.user_id) if answer == "talk" else None
        if answer == "stop":
            cancelled = await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=(CHECKIN,))
            log.info("%s: reporter stopped check-ins (%d cancelled)", incident.ref, cancelled)
        await session.commit()
    ctx.wake()
    if talked is not None:
        return _private(talked)
    key = {"ok": "checkin.ok_thanks", "stop": "checkin.stopped"}[answer]
    return _private(notice(Kind.REPORTER_UPDATE, locale, key, ref=incident.ref))
