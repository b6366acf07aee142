"""The reporter changes their report: "add details" and "I am in danger now".

Both re-assess the incident; a higher severity re-plans its deadlines, and a newly
endangered employee is announced in the alert's thread with the channel mention.
"""

from __future__ import annotations

from dataclasses import replace

from bot.flows import escalation, hr_route, routes
from bot.flows.assessment import customer_key, policy_snapshot
from bot.flows.context import Context, alert_posts, earlier_refs, enqueue, refresh_alerts
from bot.flows.lifecycle import Step, can
from bot.model.forms import Submission
from bot.model.inbound import Actor
from bot.model.messages import Audience, Kind
from bot.model.views import notice
from policy.rules import assess
from policy.triage import triage
from storage import incidents as repo
from storage import schedule
from storage import versions
from storage.db import Session
from storage.incident_models import Incident

IN_DANGER = "in_danger"
DETAIL_FIELDS = ("description", "exact_words", "demands", "location", "evidence",
                 "contact_channel", "occurred_at", "held_minutes")


async def add_details(ctx: Context, actor: Actor, ref: str, report: Submission) -> bool:
    """Fill in the existing incident from the details form; False if it is not theirs.
    A restricted category or ``to_hr`` moves a line incident to HR (when HR has a channel)."""
    hr_ready = await routes.reachable(ctx, actor.platform, Audience.HR, None)
    async with ctx.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        if incident is None or incident.reporter_id != actor.user_id or incident.platform != actor.platform:
            return False
        assert incident.id is not None
        incident = await schedule.lock_incident(session=session, incident_id=incident.id)  # versions in order
        assert incident is not None and incident.id is not None
        before = Incident(**incident.model_dump())
        if report.customer_ref:
            incident.customer_ref = report.customer_ref
            incident.customer_hash = ctx.db.cipher.keyed_hash(customer_key(report.customer_ref))
        for name in DETAIL_FIELDS:
            value = getattr(report, name)
            if value is not None:
                setattr(incident, name, value)
        incident.category = report.category
        incident.share_name = report.share_name
        if report.reported_for:
            incident.reported_for = report.reported_for
        now = ctx.now()
        number = await versions.record_change(session=session, before=before, after=incident,
                                              author=actor.user_id, at=now)
        await repo.add_event(session=session, incident_id=incident.id, kind="details_added",
                             actor=actor.user_id, at=now, detail={"version": number})
        wants_hr = report.to_hr or ctx.policy.is_restricted(report.category)
        if wants_hr and incident.route == routes.LINE and hr_ready:
            await hr_route.to_hr(session, ctx, incident, actor=actor.user_id)
        await _reassess_and_escalate(session, ctx, incident, in_danger=report.in_danger)
        await session.commit()
    ctx.wake()
    return True


async def mark_in_danger(ctx: Context, actor: Actor, incident: Incident) -> None:
    """"I am in danger now": critical, the channel told once, deadlines re-planned (held
    for HR: recorded, and sent with the report when it is released)."""
    async with ctx.db.session() as session:
        fresh = await repo.get_incident(session=session, ref=incident.ref)
        assert fresh is not None and fresh.id is not None
        if IN_DANGER in (fresh.flags or ()) or not can(fresh.status, Step.RAISE):
            return  # already announced; the reporter still gets the private reply
        await repo.add_event(session=session, incident_id=fresh.id, kind=IN_DANGER,
                             actor=actor.user_id, at=ctx.now())
        await _reassess_and_escalate(session, ctx, fresh, in_danger=True)
        await session.commit()
    ctx.wake()


async def _reassess_and_escalate(session: Session, ctx: Context, incident: Incident, *, in_danger: bool) -> None:
    newly_in_danger = in_danger and IN_DANGER not in (incident.flags or ())
    raised = await _reassess(session, ctx, incident, in_danger=in_danger or IN_DANGER in (incident.flags or ()))
    await repo.save_incident(session=session, incident=incident)
    await refresh_alerts(session, ctx, incident)
    if not can(incident.status, Step.RAISE) or incident.route == routes.HELD:
        return  # held for HR: nobody to alert yet; the raise shows in the alert sent on release
    if newly_in_danger:
        posts = await alert_posts(session, incident, ctx)
        urgent = replace(notice(Kind.NOW_CRITICAL, ctx.channel_locale, "alert.now_critical", ref=incident.ref),
                         mention_channel=True)
        await enqueue(session, ctx, incident, Audience.SUPERVISORS, urgent,
                      reply_to=posts[0].id if posts else None)
    if raised:
        await escalation.replan(session, ctx, incident)


async def _reassess(session: Session, ctx: Context, incident: Incident, *, in_danger: bool) -> bool:
    """Re-run the rules; returns True when the severity rose (it never falls)."""
    earlier = await earlier_refs(session, ctx, incident.customer_hash, at=incident.reported_at, before=incident.ref)
    words = triage(ctx.policy, incident.description, incident.exact_words)
    assessment = assess(ctx.policy, category=incident.category, in_danger=in_danger, earlier_reports=len(earlier),
                        triaged=words.severity)
    incident.triage = [r.id for r in ctx.policy.triage if r.id in {*words.rules, *(incident.triage or ())}]
    raised = ctx.policy.rank(assessment.severity) < ctx.policy.rank(incident.severity)
    if raised:
        incident.severity = assessment.severity
        incident.policy_snapshot = policy_snapshot(ctx, assessment.severity)
    incident.flags = sorted(set(incident.flags or ()) | set(assessment.flags))
    return raised
