"""Looking after the reporter: check-ins in the days after, "talk to someone now",
and the reporter's own buttons on the receipt."""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import Context, enqueue
from bot.decisions import PressResult, refuse
from bot.i18n import t
from bot.inbound import PressIn, split_value
from bot.messages import Action, Audience, Button, Kind, Message, Reply
from bot.views import notice
from storage import incidents as repo
from storage import schedule
from storage.models import Incident, Job

log = logging.getLogger("haven.followups")
REPORTER_ACTIONS = frozenset(
    {Action.ADD_DETAILS, Action.IN_DANGER, Action.TALK_NOW,
     Action.FOLLOWUP_OK, Action.FOLLOWUP_TALK, Action.FOLLOWUP_STOP}
)


async def plan_checkins(session: AsyncSession, ctx: Context, incident: Incident) -> None:
    """One row per check-in, at the policy's offsets moved forward into business time."""
    for i, due in enumerate(ctx.calendar.checkin_times(incident.reported_at), start=1):
        await schedule.schedule(session=session, incident_id=incident.id, kind="checkin",
                                key=f"{incident.ref}:checkin:{i}", due_at=due, payload={"step": i})


async def run_checkin(session: AsyncSession, ctx: Context, job: Job, incident: Incident) -> None:
    """Send one check-in by DM, unless the reporter said stop."""
    assert incident.id is not None and job.id is not None
    locale = ctx.locale_of(incident)
    value = f"{incident.ref}:{job.id}"
    message = Message(
        kind=Kind.CHECKIN,
        text=t(locale, "checkin.text", ref=incident.ref),
        buttons=(
            Button(Action.FOLLOWUP_OK, t(locale, "button.followup_ok"), value, style="primary"),
            Button(Action.FOLLOWUP_TALK, t(locale, "button.followup_talk"), value),
            Button(Action.FOLLOWUP_STOP, t(locale, "button.followup_stop"), value),
        ),
        incident=incident.ref,
        locale=locale,
    )
    await enqueue(session, ctx, incident, Audience.USER, message, user_id=incident.reporter_id)
    await repo.add_event(session=session, incident_id=incident.id, kind="checkin_sent", actor="haven",
                         at=ctx.now(), detail={"checkin": job.id})


async def reporter_press(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """The reporter's buttons: only the reporter may press them."""
    if incident.reporter_id != press.actor.user_id or incident.platform != press.actor.platform:
        return refuse(ctx, press, "not_reporter", "refusal.not_reporter")
    locale = press.actor.locale
    if press.action == Action.ADD_DETAILS:
        from bot.core_forms import details_form

        return PressResult(form=await details_form(ctx, press.actor, incident))
    if press.action == Action.IN_DANGER:
        from bot.intake import mark_in_danger

        await mark_in_danger(ctx, press.actor, incident)
        return _private(notice(Kind.REPORTER_UPDATE, locale, "reporter.in_danger", ref=incident.ref))
    if press.action in (Action.TALK_NOW, Action.FOLLOWUP_TALK):
        await talk_request(ctx, press, incident)
        return _private(notice(Kind.REPORTER_UPDATE, locale, "reporter.talk_sent", ref=incident.ref))
    return await _answer(ctx, press, incident)


def _private(message: Message) -> PressResult:
    return PressResult(replies=(Reply(message, private=True),), changed=True)


async def talk_request(ctx: Context, press: PressIn, incident: Incident) -> None:
    """Privately alert the owner; the channel without details when nobody owns it."""
    async with ctx.db.session() as session:
        fresh = await repo.get_incident(session=session, ref=incident.ref)
        assert fresh is not None and fresh.id is not None
        locale = ctx.channel_locale
        if fresh.owner_id:
            message = notice(Kind.TALK_REQUEST, locale, "talk.request", ref=fresh.ref)
            await enqueue(session, ctx, fresh, Audience.USER, message, user_id=fresh.owner_id)
        else:
            message = notice(Kind.TALK_REQUEST, locale, "talk.request_channel", ref=fresh.ref)
            await enqueue(session, ctx, fresh, Audience.SUPERVISORS, message)
        _, checkin = split_value(press.value)
        if press.action == Action.FOLLOWUP_TALK and checkin:
            await schedule.answer_checkin(session=session, job_id=checkin, answer="talk", at=ctx.now())
        await repo.add_event(session=session, incident_id=fresh.id, kind="talk_requested",
                             actor=press.actor.user_id, at=ctx.now(),
                             detail={"to": "owner" if fresh.owner_id else "channel"})
        await session.commit()
    ctx.wake()


async def _answer(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """``followup_ok`` / ``followup_stop``: stored, audited; stop cancels the rest."""
    _, checkin = split_value(press.value)
    locale = press.actor.locale
    answer = "ok" if press.action == Action.FOLLOWUP_OK else "stop"
    async with ctx.db.session() as session:
        assert incident.id is not None
        job = await schedule.get_job(session=session, job_id=checkin) if checkin else None
        if job is None or job.incident_id != incident.id or job.kind != "checkin":
            return refuse(ctx, press, "unknown_action", "refusal.unknown_action")
        if not await schedule.answer_checkin(session=session, job_id=job.id, answer=answer, at=ctx.now()):
            return _private(notice(Kind.REPORTER_UPDATE, locale, "checkin.already"))
        await repo.add_event(session=session, incident_id=incident.id, kind="checkin_answered",
                             actor=press.actor.user_id, at=ctx.now(), detail={"checkin": job.id, "answer": answer})
        if answer == "stop":
            await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=("checkin",))
        await session.commit()
    key = "checkin.ok_thanks" if answer == "ok" else "checkin.stopped"
    return _private(notice(Kind.REPORTER_UPDATE, locale, key, ref=incident.ref))
