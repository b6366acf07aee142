"""Answering a request to talk (spec 8.3): ``talk_accept`` by whoever may take it (HR
members on the HR route), ``talk_cancel`` by the employee; either closes the request,
stops its deadlines and replaces every post of it with the outcome."""

from __future__ import annotations

from bot.flows import care, permissions
from bot.flows.context import Context, enqueue
from bot.flows.decisions import PressResult, check_supervisor, refuse
from bot.model.inbound import PressIn, split_value
from bot.model.messages import Audience, Kind, Message, Reply, mention
from bot.model.ports import LookupFailed
from bot.model.views import local_time, notice
from storage import care as talks
from storage import incidents as repo
from storage import schedule
from storage.db import Session
from storage.incident_models import Incident, TalkRequest


async def accept(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """``talk_accept``: a supervisor (or, on a page, the next tier) takes the request; on
    the HR route (``talk_hr``), an HR member."""
    user = press.actor.user_id
    async with ctx.db.session() as session:
        talk = await _talk_of(session, press, incident)
    if talk is None:
        return refuse(ctx, press, "unknown_action", "refusal.unknown_action")
    refused = await _check_answerer(ctx, press, incident, care.route_of(talk))
    if refused is not None:
        return refused
    async with ctx.db.session() as session:
        now = ctx.now()
        if not await talks.close_talk(session=session, talk_id=talk.id or 0, state="accepted", actor=user, at=now):
            return refuse(ctx, press, "talk_closed", "talk.closed", ref=incident.ref)
        await _close(session, ctx, incident, talk, "talk_accepted", user,
                     notice(Kind.TALK_REQUEST, ctx.channel_locale, f"{care.route_of(talk).keys}.accepted",
                            ref=incident.ref, actor=mention(user), when=local_time(ctx.policy, now)))
        told = ctx.locale_of(incident)
        await enqueue(session, ctx, incident, Audience.USER, notice(
            Kind.REPORTER_UPDATE, told, "reporter.talk_accepted", ref=incident.ref, actor=mention(user),
            when=local_time(ctx.policy, now)), user_id=incident.reporter_id)
        await session.commit()
    ctx.wake()
    reply = notice(Kind.DECISION, press.actor.locale, "talk.accepted_you", ref=incident.ref,
                   reporter=mention(incident.reporter_id))
    return PressResult(replies=(Reply(reply, private=True),), changed=True)


async def _check_answerer(ctx: Context, press: PressIn, incident: Incident,
                          route: care.TalkRoute) -> PressResult | None:
    """None when the presser may take the request: HR members on the HR route (fail
    closed), else whoever may act on the incident."""
    if route.channel != Audience.HR:
        return await check_supervisor(ctx, press, incident)
    try:
        allowed = await permissions.is_hr_member(ctx, incident.platform, press.actor.user_id)
    except LookupFailed:
        return refuse(ctx, press, "lookup_failed", "refusal.lookup_failed")
    return None if allowed else refuse(ctx, press, "not_hr", "sites.refusal_not_hr")


async def cancel(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """``talk_cancel``: the employee withdraws the request (checked by the caller: only them)."""
    async with ctx.db.session() as session:
        talk = await _talk_of(session, press, incident)
        if talk is None:
            return refuse(ctx, press, "unknown_action", "refusal.unknown_action")
        now = ctx.now()
        if not await talks.close_talk(session=session, talk_id=talk.id or 0, state="cancelled",
                                      actor=press.actor.user_id, at=now):
            return refuse(ctx, press, "talk_closed", "talk.closed", ref=incident.ref)
        await _close(session, ctx, incident, talk, "talk_cancelled", press.actor.user_id,
                     notice(Kind.TALK_REQUEST, ctx.channel_locale, f"{care.route_of(talk).keys}.cancelled",
                            ref=incident.ref))
        await session.commit()
    ctx.wake()
    reply = notice(Kind.REPORTER_UPDATE, press.actor.locale, "reporter.talk_cancelled", ref=incident.ref)
    return PressResult(replies=(Reply(reply, private=True),), changed=True)


async def _talk_of(session: Session, press: PressIn, incident: Incident) -> TalkRequest | None:
    _, talk_id = split_value(press.value)
    talk = await talks.get_talk(session=session, talk_id=talk_id) if talk_id else None
    return talk if talk is not None and talk.incident_id == incident.id else None


async def _close(session: Session, ctx: Context, incident: Incident, talk: TalkRequest, kind: str,
                 actor: str, outcome: Message) -> None:
    """Stop the deadlines, audit, and replace every post of the request with its outcome."""
    assert incident.id is not None
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=tuple(care.KINDS))
    await repo.add_event(session=session, incident_id=incident.id, kind=kind, actor=actor, at=ctx.now(),
                         detail={"talk": talk.id})
    await care.replace_posts(session, ctx, incident, talk, outcome)
