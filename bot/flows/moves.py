"""Moving a live incident (spec 8.2): to HR (``move_to_hr``, a restricted re-triage), to
another site (``change_site``), or from "held for HR" to the site's supervisors
(``route_supervisors``).

A move edits the old channel's cards (content-free "moved to HR", or "moved to SITE"),
posts the alert where the incident lives now, and is audited. Later messages follow the
incident by themselves: every channel message is queued through
:func:`bot.flows.routes.destination`.
"""

from __future__ import annotations

import logging

from bot.flows import care, escalation, followups, routes
from bot.flows.context import Context, alert_posts, enqueue
from bot.flows.hr_route import alert_here, to_hr
from bot.flows.decisions import PressResult, refuse
from bot.flows.permissions import may_act_on
from bot.model.inbound import Actor, PressIn
from bot.model.messages import Audience, Kind, Message, Reply
from bot.model.ports import LookupFailed
from bot.model.views import notice
from storage import incidents as repo
from storage import sites as store
from storage.db import Session
from storage.incident_models import Incident

log = logging.getLogger("haven.moves")
SITE_CHANGED = "site_changed"


async def move_to_hr(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """A supervisor of the incident's site sends it to HR only (refused while no HR channel exists)."""
    try:
        allowed = await may_act_on(ctx, press.actor.user_id, incident, press.audience)
    except LookupFailed:
        return refuse(ctx, press, "lookup_failed", "refusal.lookup_failed")
    if not allowed:
        return refuse(ctx, press, "not_supervisor", "refusal.not_supervisor")
    if incident.status == "resolved":
        return refuse(ctx, press, "resolved", "refusal.resolved", ref=incident.ref)
    if routes.on_hr_route(incident):
        return refuse(ctx, press, "already_hr", "sites.moved_to_hr_done", ref=incident.ref)
    if not await routes.reachable(ctx, incident.platform, Audience.HR, None):
        return refuse(ctx, press, "no_hr_channel", "sites.hr_missing", ref=incident.ref)
    async with ctx.db.session() as session:
        fresh = await _fresh(session, incident)
        await to_hr(session, ctx, fresh, actor=press.actor.user_id)
        await session.commit()
    ctx.wake()
    done = notice(Kind.DECISION, press.actor.locale, "sites.moved_to_hr_done", ref=incident.ref)
    return PressResult(replies=(Reply(done, private=True),), changed=True)


async def change_site(ctx: Context, actor: Actor, ref: str, site_id: str) -> Message:
    """The reporter moves their report to another site's supervisors (``site_form``)."""
    locale = actor.locale
    site = next((s for s in ctx.policy.sites if s.id == site_id), None)
    async with ctx.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        if incident is None or incident.reporter_id != actor.user_id or incident.platform != actor.platform:
            return notice(Kind.REFUSAL, locale, "refusal.not_reporter")
        if site is None:
            return notice(Kind.REFUSAL, locale, "command.bad_site", site=site_id, sites=_site_ids(ctx))
        label = site.labels.get(locale)
        if routes.on_hr_route(incident) or incident.status == "resolved":
            return notice(Kind.REFUSAL, locale, "sites.site_unchanged", ref=ref, site=label)
        if routes.site_of(ctx, incident) == site.id:
            return notice(Kind.REPORTER_UPDATE, locale, "sites.site_unchanged", ref=ref, site=label)
        assert incident.id is not None
        old = await alert_posts(session, incident, ctx)
        previous = routes.site_of(ctx, incident)
        await store.set_site(session=session, incident_id=incident.id, site=site.id, route=incident.route)
        fresh = await _fresh(session, incident)
        await _replan_for_site(session, ctx, fresh)
        moved = notice(Kind.DECISION, ctx.channel_locale, "sites.moved_to_site", ref=ref,
                       site=site.labels.get(ctx.channel_locale))
        for post in old:
            await enqueue(session, ctx, fresh, Audience(post.audience), moved, op="update", reply_to=post.id)
        await alert_here(session, ctx, fresh)
        await repo.add_event(session=session, incident_id=incident.id, kind=SITE_CHANGED, actor=actor.user_id,
                             at=ctx.now(), detail={"from": previous, "to": site.id})
        await session.commit()
    ctx.wake()
    log.info("%s moved from site %s to %s", ref, previous, site.id)
    return notice(Kind.REPORTER_UPDATE, locale, "sites.site_changed", ref=ref, site=label)


async def _replan_for_site(session: Session, ctx: Context, incident: Incident) -> None:
    """Business time is the site's (spec 8.2): pending deadlines, reminders and check-ins
    are planned again from the report with the new site's calendar (steps already sent
    are not repeated; a re-notification already overdue there is dropped, the alert being
    just posted; an overdue page or reminder goes out now)."""
    assert incident.id is not None
    moves = sum(1 for e in await repo.events_for(session=session, incident_id=incident.id) if e.kind == SITE_CHANGED)
    generation = f"site{moves + 1}"
    await escalation.replan_from(session, ctx, incident, at=None, generation=generation, not_before=ctx.now())
    await followups.replan_checkins(session, ctx, incident, generation=generation)


async def route_supervisors(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """The reporter sends a report held for HR (no HR channel) to their site's supervisors."""
    locale = press.actor.locale
    if incident.route != routes.HELD:
        return refuse(ctx, press, "not_held", "sites.not_hr_route", ref=incident.ref)
    async with ctx.db.session() as session:
        fresh = await _fresh(session, incident)
        assert fresh.id is not None
        await store.set_site(session=session, incident_id=fresh.id, site=fresh.site, route=routes.LINE)
        fresh = await _fresh(session, fresh)
        await alert_here(session, ctx, fresh)
        assert fresh.id is not None
        await repo.add_event(session=session, incident_id=fresh.id, kind="routed_supervisors",
                             actor=press.actor.user_id, at=ctx.now())
        await _released(session, ctx, fresh)
        await session.commit()
    ctx.wake()
    told = notice(Kind.REPORTER_UPDATE, locale, "sites.routed_supervisors", ref=incident.ref)
    return PressResult(replies=(Reply(told, private=True),), changed=True)


async def release_held(ctx: Context, platform: str) -> int:
    """An HR channel now exists on ``platform``: send it every incident held for HR."""
    released = 0
    async with ctx.db.session() as session:
        for incident in await store.held(session=session, platform=platform):
            assert incident.id is not None
            await store.set_site(session=session, incident_id=incident.id, site=incident.site, route=routes.HR)
            fresh = await _fresh(session, incident)
            await alert_here(session, ctx, fresh)
            told = notice(Kind.REPORTER_UPDATE, ctx.locale_of(fresh), "sites.released_to_hr", ref=fresh.ref)
            await enqueue(session, ctx, fresh, Audience.USER, told, user_id=fresh.reporter_id)
            await _released(session, ctx, fresh)
            released += 1
        await session.commit()
    if released:
        log.info("%d incidents held for HR were sent to the new HR channel on %s", released, platform)
        ctx.wake()
    return released


async def _released(session: Session, ctx: Context, incident: Incident) -> None:
    """A report held for HR was just alerted on its new route: its deadlines run from now
    (nobody could see it before; whatever a raise planned while held is replaced), and a
    request to talk kept meanwhile goes out."""
    await escalation.replan_from(session, ctx, incident, at=ctx.now(), generation="released")
    await care.release(session, ctx, incident)


async def _fresh(session: Session, incident: Incident) -> Incident:
    assert incident.id is not None
    fresh = await repo.get_incident_by_id(session=session, incident_id=incident.id)
    assert fresh is not None
    return fresh


def _site_ids(ctx: Context) -> str:
    return ", ".join(s.id for s in ctx.policy.sites)
