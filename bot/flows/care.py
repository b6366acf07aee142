"""Care that closes the loop (spec 8.3): a request to talk is held to a deadline.

``talk_now`` and ``followup_talk`` open a talk request. Unanswered, it re-notifies the
route's channel at ``care.respond_within`` and pages the next tier at twice that (never
business-hours-only), until someone presses ``talk_accept``; the employee is told by DM
who will reach out and when it was accepted, and may withdraw (``talk_cancel``).

Who answers is a :class:`TalkRoute`: the line supervisors (the incident's owner by DM
first, else its site's channel; paged in the escalation channel), or HR (``talk_hr``, once
an HR channel exists): asked, re-notified and paged in the HR channel only, answered by
HR members only; no line channel hears of it. On an incident on the HR route every
request takes the HR route (a line owner cannot act there). While the report is held for
HR (no HR channel), a request is kept and sent to nobody, and the employee is told so; it
goes out, with deadlines from then, when the report is released (:func:`release`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.flows import routes
from bot.flows.context import Context, enqueue
from bot.flows.lifecycle import JobKind
from bot.model.i18n import t
from bot.model.messages import Action, Audience, Button, Kind, Message
from bot.model.views import notice
from storage import care as talks
from storage import incidents as repo
from storage.db import Session
from storage import outbox_upkeep
from storage import schedule
from storage.delivery_models import Job
from storage.incident_models import Incident, TalkRequest
from storage.schedule import NewJob

log = logging.getLogger("haven.care")
RENOTIFY = JobKind.TALK_RENOTIFY
PAGE = JobKind.TALK_PAGE
KINDS = frozenset({RENOTIFY, PAGE})
SUPERVISORS = "supervisors"
HR = "hr"


@dataclass(frozen=True)
class TalkRoute:
    """Who answers a talk request: asked first (the owner by DM, or the channel),
    re-notified in ``channel``, paged in ``page``."""

    name: str
    channel: Audience
    page: Audience
    owner_first: bool = True  # the incident's owner is asked by DM first, when there is one
    keys: str = "talk"  # the locale section of its channel texts (``talk.request`` …)
    told: str = "reporter.talk_requested"  # what the employee is told when it opens
    already: str = "reporter.talk_already"  # … and when they ask again while it is open


ROUTES: dict[str, TalkRoute] = {
    SUPERVISORS: TalkRoute(SUPERVISORS, Audience.SUPERVISORS, Audience.ESCALATION),
    HR: TalkRoute(HR, Audience.HR, Audience.HR, owner_first=False, keys="talk_hr",
                  told="reporter.talk_hr_requested", already="reporter.talk_hr_already"),
}


def route_of(talk: TalkRequest) -> TalkRoute:
    return ROUTES.get(talk.route, ROUTES[SUPERVISORS])


def page_audience(job: Job) -> Audience:
    """Where a talk request's page goes (asked before paging: is it reachable?)."""
    return ROUTES.get(str(job.payload.get("route", SUPERVISORS)), ROUTES[SUPERVISORS]).page


def _value(incident: Incident, talk: TalkRequest) -> str:
    return f"{incident.ref}:{talk.id}"


def _accept_button(locale: str, value: str) -> tuple[Button, ...]:
    return (Button(Action.TALK_ACCEPT, t(locale, "button.talk_accept"), value, style="primary"),)


async def request_talk(session: Session, ctx: Context, incident: Incident, *, actor: str,
                       route: str = SUPERVISORS) -> Message:
    """Open a talk request (in the caller's transaction) unless one is open; returns the
    reporter's private answer, with the button to withdraw. On the HR route it goes to HR
    (a line owner cannot act there); held for HR, it is kept and sent to nobody until the
    report is released (:func:`release`)."""
    assert incident.id is not None
    locale = ctx.locale_of(incident)
    held = incident.route == routes.HELD
    if routes.on_hr_route(incident):
        route = HR
    talk = await talks.open_talk(session=session, incident_id=incident.id)
    if talk is not None:
        if held:
            return held_notice(locale, "reporter.talk_held", incident, talk)
        return _with_cancel(notice(Kind.REPORTER_UPDATE, locale, route_of(talk).already, ref=incident.ref),
                            incident, talk)
    now = ctx.now()
    talk = await talks.create_talk(session=session, incident_id=incident.id, route=routes.HELD if held else route,
                                   requested_by=actor, at=now)
    if held:
        log.info("%s: talk request kept while the report is held for HR", incident.ref)
        await repo.add_event(session=session, incident_id=incident.id, kind="talk_requested", actor=actor, at=now,
                             detail={"talk": talk.id, "route": routes.HELD, "to": "nobody"})
        return held_notice(locale, "reporter.talk_held", incident, talk)
    to = await _ask(session, ctx, incident, talk, ROUTES[route])
    await repo.add_event(session=session, incident_id=incident.id, kind="talk_requested", actor=actor, at=now,
                         detail={"talk": talk.id, "route": route, "to": to})
    answer = _told(ctx, incident, ROUTES[route].told)
    return _with_cancel(answer, incident, talk)


async def release(session: Session, ctx: Context, incident: Incident) -> None:
    """The report held for HR was released (``route_supervisors``, or an HR channel now
    exists): its kept request to talk goes to the new route's channel, with its deadlines
    from now, and the employee is told."""
    assert incident.id is not None
    talk = await talks.open_talk(session=session, incident_id=incident.id)
    if talk is None or talk.route != routes.HELD or talk.id is None or incident.route == routes.HELD:
        return
    route = HR if routes.on_hr_route(incident) else SUPERVISORS
    await talks.set_route(session=session, talk_id=talk.id, route=route)
    talk.route = route
    to = await _ask(session, ctx, incident, talk, ROUTES[route], generation="released")
    await repo.add_event(session=session, incident_id=incident.id, kind="talk_released", actor="haven",
                         at=ctx.now(), detail={"talk": talk.id, "route": route, "to": to})
    told = _told(ctx, incident, f"{ROUTES[route].told}_released")
    await enqueue(session, ctx, incident, Audience.USER, _with_cancel(told, incident, talk),
                  user_id=incident.reporter_id)


async def _ask(session: Session, ctx: Context, incident: Incident, talk: TalkRequest, path: TalkRoute,
               *, generation: str = "") -> str:
    """Post the request (the owner by DM first, else the route's channel) and plan its
    deadlines from now; returns whom it asked (``owner`` or ``channel``)."""
    assert incident.id is not None
    now, within = ctx.now(), ctx.policy.care.respond_within
    to_owner = path.owner_first and incident.owner_id
    channel = ctx.channel_locale
    key = f"{path.keys}.request" if to_owner else f"{path.keys}.request_channel"
    message = Message(kind=Kind.TALK_REQUEST, text=t(channel, key, ref=incident.ref), incident=incident.ref,
                      buttons=_accept_button(channel, _value(incident, talk)), locale=channel)
    if to_owner:
        await enqueue(session, ctx, incident, Audience.USER, message, user_id=incident.owner_id)
    else:
        await enqueue(session, ctx, incident, path.channel, message)
    suffix = f":{generation}" if generation else ""
    await schedule.schedule_many(session=session, rows=[
        NewJob(incident_id=incident.id, kind=kind, key=f"{incident.ref}:talk{talk.id}:{kind}{suffix}", due_at=due,
               payload={"talk": talk.id, "route": path.name})
        for kind, due in ((RENOTIFY, now + within), (PAGE, now + 2 * within))])
    return "owner" if to_owner else "channel"


def _told(ctx: Context, incident: Incident, key: str) -> Message:
    """What the employee is told when their request goes out."""
    locale = ctx.locale_of(incident)
    minutes = int(ctx.policy.care.respond_within.total_seconds() // 60)
    answer = notice(Kind.REPORTER_UPDATE, locale, key, ref=incident.ref, minutes=minutes)
    if not incident.share_name:  # the alert hid their name; the person who accepts must know whom to call
        answer = Message(kind=answer.kind, text=f"{answer.text}\n{t(locale, 'reporter.talk_name_shared')}",
                         incident=answer.incident, locale=locale)
    return answer


def held_notice(locale: str, key: str, incident: Incident, talk: TalkRequest | None = None) -> Message:
    """The honest answer while the report is held for HR: nobody was told; the employee
    may send it to their supervisors instead (and withdraw a kept request)."""
    told = notice(Kind.REPORTER_UPDATE, locale, key, ref=incident.ref)
    buttons: tuple[Button, ...] = (
        Button(Action.ROUTE_SUPERVISORS, t(locale, "sites.button_route_supervisors"), incident.ref),)
    if talk is not None:
        buttons += (Button(Action.TALK_CANCEL, t(locale, "button.talk_cancel"), _value(incident, talk)),)
    return Message(kind=told.kind, text=told.text, buttons=buttons, incident=incident.ref, locale=locale)


def _with_cancel(message: Message, incident: Incident, talk: TalkRequest) -> Message:
    cancel = Button(Action.TALK_CANCEL, t(message.locale, "button.talk_cancel"), _value(incident, talk))
    return Message(kind=message.kind, text=message.text, buttons=(cancel,), incident=incident.ref,
                   locale=message.locale)


async def replace_posts(session: Session, ctx: Context, incident: Incident, talk: TalkRequest,
                        outcome: Message) -> None:
    """Replace every post of the request (the owner's DM, the channels') with ``outcome``."""
    value = _value(incident, talk)
    for row in await outbox_upkeep.messages_for(session=session, incident_id=incident.id or 0):
        posted = row.kind == Kind.TALK_REQUEST and row.op == "post" and row.state != "dead"
        if posted and any(b.value == value for b in Message.from_json(row.payload).buttons):
            await enqueue(session, ctx, incident, Audience(row.audience), outcome, op="update",
                          reply_to=row.id, user_id=row.user_id)


async def follow_to_hr(session: Session, ctx: Context, incident: Incident) -> None:
    """The incident moved to HR (``move_to_hr``, a re-triage into a restricted category):
    an open request to talk follows it. Its posts so far (a line owner's DM, the line
    channel) become a content-free notice; HR is asked afresh, with deadlines from now."""
    assert incident.id is not None
    talk = await talks.open_talk(session=session, incident_id=incident.id)
    if talk is None or talk.id is None or talk.route in (HR, routes.HELD):
        return
    await talks.set_route(session=session, talk_id=talk.id, route=HR)
    await schedule.cancel_jobs(session=session, incident_id=incident.id, kinds=tuple(KINDS))
    await replace_posts(session, ctx, incident, talk, notice(Kind.TALK_REQUEST, ctx.channel_locale, "talk.moved_to_hr"))
    talk.route = HR
    to = await _ask(session, ctx, incident, talk, ROUTES[HR], generation="moved")
    await repo.add_event(session=session, incident_id=incident.id, kind="talk_moved", actor="haven", at=ctx.now(),
                         detail={"talk": talk.id, "route": HR, "to": to})


async def run(session: Session, ctx: Context, job: Job, incident: Incident, *, reachable: bool) -> None:
    """A talk request's deadline fell due: re-notify its channel, or page the next tier."""
    talk = await talks.get_talk(session=session, talk_id=int(job.payload.get("talk", 0)))
    if talk is None or talk.state != "open" or incident.route == routes.HELD:
        return  # held for HR: nobody to remind yet (its deadlines are planned again on release)
    assert incident.id is not None
    route = route_of(talk)
    locale = ctx.channel_locale
    minutes = max(0, int((ctx.now() - talk.requested_at).total_seconds() // 60))
    buttons = _accept_button(locale, _value(incident, talk))
    if job.kind == PAGE and reachable:
        text = t(locale, f"{route.keys}.page", ref=incident.ref, minutes=minutes)
        audience, kind = route.page, "talk_paged"
    else:
        text = t(locale, f"{route.keys}.renotify", ref=incident.ref, minutes=minutes)
        audience, kind = route.channel, "talk_renotified" if job.kind == RENOTIFY else "talk_page_failed"
    message = Message(kind=Kind.TALK_REQUEST, text=text, buttons=buttons, mention_channel=True,
                      incident=incident.ref, locale=locale)
    await enqueue(session, ctx, incident, audience, message)
    await repo.add_event(session=session, incident_id=incident.id, kind=kind, actor="haven", at=ctx.now(),
                         detail={"talk": talk.id, "job": job.id})
