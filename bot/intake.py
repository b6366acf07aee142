"""Intake: a report becomes an incident, its audit event and its outbound messages,
committed in one transaction before anyone is told "logged"."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import escalation, followups
from bot.context import Context, alert_posts, enqueue, load_view, refresh_alerts
from bot.forms import Submission
from bot.inbound import Actor
from bot.messages import Audience, Kind
from bot.views import alert, notice
from policy.rules import assess
from storage import incidents as repo
from storage.models import Incident

log = logging.getLogger("haven.intake")


@dataclass(frozen=True)
class Logged:
    ref: str
    created: bool  # False when the intake key was seen before (a redelivery)
    alerted: bool  # False when no supervisors' channel is reachable on the platform


def quick_submission(ctx: Context, text: str) -> Submission:
    """``/abuse <text>``: category ``other``, name shared per the policy's defaults."""
    return Submission(
        category="other", description=text, occurred_at=None, contact_channel=None,
        customer_ref=None, in_danger=False, share_name=ctx.policy.defaults.share_name,
        exact_words=None, demands=None, held_minutes=None, location=None, evidence=None,
    )


def customer_key(reference: str) -> str:
    return unicodedata.normalize("NFKC", reference).casefold().strip()


async def log_report(
    ctx: Context, actor: Actor, report: Submission, *, intake_key: str | None
) -> Logged:
    """Commit the incident, its ``reported`` event, the alert and the schedule; then wake
    the dispatcher. A second delivery of the same intake key returns the first incident."""
    alerted = await _reachable(ctx, actor.platform)
    try:
        async with ctx.db.session() as session:
            if intake_key:
                existing = await _by_intake_key(session, intake_key)
                if existing:
                    return Logged(existing, created=False, alerted=alerted)
            incident = await _create(session, ctx, actor, report, intake_key)
            await session.commit()
    except IntegrityError:
        if not intake_key:
            raise
        async with ctx.db.session() as session:
            ref = await _by_intake_key(session, intake_key)
        if ref is None:
            raise
        return Logged(ref, created=False, alerted=alerted)
    ctx.metrics.incidents_reported.labels(platform=actor.platform, severity=incident.severity).inc()
    ctx.metrics.open_incidents.inc()
    log.info("incident %s reported on %s (severity %s)", incident.ref, actor.platform, incident.severity)
    ctx.wake()
    return Logged(incident.ref, created=True, alerted=alerted)


async def _reachable(ctx: Context, platform: str) -> bool:
    messenger = ctx.messengers.get(platform)
    if messenger is None:
        return False
    try:
        return await messenger.reachable(Audience.SUPERVISORS)
    except Exception:  # a look-up failure must not lose the report
        log.warning("could not tell whether the supervisors' channel is reachable on %s", platform)
        return True


async def _by_intake_key(session: AsyncSession, key: str) -> str | None:
    from sqlmodel import select

    row = (await session.exec(select(Incident.ref).where(Incident.intake_key == key))).first()
    return row


async def _create(
    session: AsyncSession, ctx: Context, actor: Actor, report: Submission, intake_key: str | None
) -> Incident:
    now = ctx.now()
    year = now.replace(tzinfo=UTC).astimezone(ctx.policy.zone).year
    customer_hash = ctx.db.cipher.keyed_hash(customer_key(report.customer_ref)) if report.customer_ref else None
    earlier: list[str] = []
    if customer_hash:
        since = now - ctx.policy.rules.repeated.window
        earlier = await repo.earlier_by_customer(session=session, customer_hash=customer_hash, since=since)
    assessment = assess(
        ctx.policy, category=report.category, in_danger=report.in_danger, earlier_reports=len(earlier)
    )
    incident = Incident(
        ref=await repo.next_ref(session=session, year=year),
        intake_key=intake_key,
        platform=actor.platform,
        reporter_id=actor.user_id,
        reporter_locale=actor.locale,
        share_name=report.share_name,
        category=report.category,
        severity=assessment.severity,
        flags=list(assessment.flags),
        contact_channel=report.contact_channel,
        occurred_at=report.occurred_at,
        held_minutes=report.held_minutes,
        description=report.description,
        exact_words=report.exact_words,
        demands=report.demands,
        location=report.location,
        evidence=report.evidence,
        customer_ref=report.customer_ref,
        customer_hash=customer_hash,
        reported_at=now,
        policy_version=ctx.policy.version,
        policy_snapshot=_snapshot(ctx, assessment.severity),
    )
    incident = await repo.add_incident(session=session, incident=incident)
    assert incident.id is not None
    await repo.add_event(session=session, incident_id=incident.id, kind="reported", actor=actor.user_id, at=now)
    view = await load_view(session, ctx, incident)
    await enqueue(session, ctx, incident, Audience.SUPERVISORS, alert(ctx.policy, view, ctx.channel_locale))
    await escalation.plan_on_report(session, ctx, incident)
    await followups.plan_checkins(session, ctx, incident)
    return incident


def _snapshot(ctx: Context, severity_id: str) -> dict[str, object]:
    """The deadlines and options this incident was assessed with (Grafana OnCall's freeze)."""
    severity = ctx.policy.severity(severity_id)
    return {
        "severity": severity.model_dump(mode="json"),
        "options": [o.id for o in ctx.policy.options if severity_id in o.severities],
    }


async def add_details(ctx: Context, actor: Actor, ref: str, report: Submission) -> bool:
    """The reporter's "add details" form: fill in the existing incident, re-assess, update."""
    async with ctx.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        if incident is None or incident.reporter_id != actor.user_id or incident.platform != actor.platform:
            return False
        assert incident.id is not None
        now = ctx.now()
        if report.customer_ref:
            incident.customer_ref = report.customer_ref
            incident.customer_hash = ctx.db.cipher.keyed_hash(customer_key(report.customer_ref))
        for name in ("description", "exact_words", "demands", "location", "evidence",
                     "contact_channel", "occurred_at", "held_minutes"):
            value = getattr(report, name)
            if value is not None:
                setattr(incident, name, value)
        incident.category = report.category
        incident.share_name = report.share_name
        await _reassess(session, ctx, incident, in_danger=report.in_danger or "in_danger" in incident.flags)
        incident.version += 1
        session.add(incident)
        await repo.add_event(session=session, incident_id=incident.id, kind="details_added", actor=actor.user_id, at=now)
        await refresh_alerts(session, ctx, incident)
        await session.commit()
    ctx.wake()
    return True


async def _reassess(session: AsyncSession, ctx: Context, incident: Incident, *, in_danger: bool) -> bool:
    """Re-run the rules; returns True when the severity rose."""
    earlier: list[str] = []
    if incident.customer_hash:
        since = incident.reported_at - ctx.policy.rules.repeated.window
        earlier = [r for r in await repo.earlier_by_customer(
            session=session, customer_hash=incident.customer_hash, since=since) if r < incident.ref]
    assessment = assess(ctx.policy, category=incident.category, in_danger=in_danger, earlier_reports=len(earlier))
    raised = ctx.policy.rank(assessment.severity) < ctx.policy.rank(incident.severity)
    if raised:
        incident.severity = assessment.severity
        incident.policy_snapshot = _snapshot(ctx, assessment.severity)
    incident.flags = sorted(set(incident.flags or ()) | set(assessment.flags))
    return raised


async def mark_in_danger(ctx: Context, actor: Actor, incident: Incident) -> None:
    """"I am in danger now": critical, the channel told at once, deadlines re-planned."""
    async with ctx.db.session() as session:
        fresh = await repo.get_incident(session=session, ref=incident.ref)
        assert fresh is not None and fresh.id is not None
        raised = await _reassess(session, ctx, fresh, in_danger=True)
        fresh.version += 1
        session.add(fresh)
        now = ctx.now()
        await repo.add_event(session=session, incident_id=fresh.id, kind="in_danger", actor=actor.user_id, at=now)
        await refresh_alerts(session, ctx, fresh)
        posts = await alert_posts(session, fresh)
        urgent = replace(
            notice(Kind.RENOTIFY, ctx.channel_locale, "alert.now_critical", ref=fresh.ref),
            mention_channel=True,
        )
        await enqueue(session, ctx, fresh, Audience.SUPERVISORS, urgent,
                      reply_to=posts[0].id if posts else None)
        if raised and fresh.status == "open":
            await escalation.replan(session, ctx, fresh)
        await session.commit()
    ctx.wake()
