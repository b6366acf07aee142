"""The rows of a batch of reports, written in a few multi-row statements: each new
incident (assessed, routed), its first audit event, the supervisors' alert, its escalation
steps and check-ins, and the flood hold; and what each report became (:class:`Logged`).

The public entry and the group commit that calls :func:`create_all` are in
:mod:`bot.flows.intake`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.delivery.priority import HELD, held_until, priority
from bot.flows import escalation, followups, routes
from bot.flows.assessment import customer_key, policy_snapshot
from bot.flows.context import Context, earlier_refs, view_of
from bot.model.forms import Submission
from bot.model.inbound import Actor
from bot.model.messages import Audience
from bot.model.alert import HistoryLine, alert
from policy.rules import assess
from policy.triage import triage
from storage import audit
from storage import incidents as repo
from storage import intake as bulk
from storage import outbox, schedule
from storage.db import Session
from storage.flood import reports_since
from storage.incident_models import Incident
from storage.schedule import NewJob

log = logging.getLogger("haven.intake")
FLOOD_WINDOW = timedelta(minutes=1)  # limits.reports_per_minute counts over this window


@dataclass(frozen=True)
class Logged:
    ref: str
    created: bool  # False when the intake key was seen before (a redelivery)
    alerted: bool  # False when no supervisors' channel is reachable on the platform
    severity: str | None = None  # of a created incident
    site: str | None = None
    route: str = routes.LINE  # line | hr | held
    hr_ready: bool = False  # an HR channel exists: the receipt may offer ``talk_hr``


@dataclass(frozen=True)
class QueuedReport:
    """A report waiting for the group commit, with what was looked up before it."""

    actor: Actor
    report: Submission
    intake_key: str | None
    alerted: bool
    site: str | None = None
    hr_ready: bool = False


def _wants_hr(ctx: Context, report: Submission) -> bool:
    return report.to_hr or ctx.policy.is_restricted(report.category)


def route_of(ctx: Context, report: Submission, hr_ready: bool) -> str:
    """HR only (held while no HR channel exists) for ``to_hr`` and restricted categories."""
    if not _wants_hr(ctx, report):
        return routes.LINE
    return routes.HR if hr_ready else routes.HELD


async def create_all(session: Session, ctx: Context, batch: Sequence[QueuedReport]) -> list[Logged]:
    """The batch's incidents, events, alerts and jobs in a few multi-row statements.
    A key already stored, or repeated within the batch, is a redelivery: no new incident."""
    stored = await bulk.refs_by_intake_keys(session=session, keys=[i.intake_key for i in batch if i.intake_key])
    fresh: dict[str, int] = {}  # intake key -> index of the report that creates it
    new = []
    for index, item in enumerate(batch):
        if item.intake_key and (item.intake_key in stored or item.intake_key in fresh):
            continue
        if item.intake_key:
            fresh[item.intake_key] = index
        new.append(index)
    now = ctx.now()
    refs = iter(await repo.next_refs(session=session, year=_year(ctx, now), count=len(new)))
    built = {i: await _incident(session, ctx, batch[i], next(refs), now) for i in new}
    for incident, _ in built.values():  # the chain's first link is known before the insert
        incident.chain_head = audit.first_event(incident_id=0, ref=incident.ref, kind="reported",
                                                actor=incident.reporter_id, at=now)["hash"]
        incident.event_count = 1
    held = await _flooding(session, ctx, batch, list(built), now)  # counted before this batch is written
    await bulk.insert_incidents(session=session, incidents=[incident for incident, _ in built.values()])
    events, alerts = [], []
    for i, (incident, earlier) in built.items():
        assert incident.id is not None
        events.append(audit.first_event(incident_id=incident.id, ref=incident.ref, kind="reported",
                                        actor=batch[i].actor.user_id, at=now))
        if incident.route != routes.HELD:
            alerts.append(_alert_row(ctx, incident, batch[i].actor, earlier, now, held=i in held))
        else:
            log.warning("%s: held for HR, but no HR channel exists on %s", incident.ref, incident.platform)
    if events:
        await bulk.add_events(session=session, rows=events)
        await outbox.enqueue_many(session=session, rows=alerts)
    await _schedule_new(session, ctx, [incident for incident, _ in built.values()])
    results: list[Logged] = []
    for index, item in enumerate(batch):
        if index in built:
            incident = built[index][0]
            alerted = item.hr_ready if incident.route != routes.LINE else item.alerted
            results.append(Logged(incident.ref, created=True, alerted=alerted, severity=incident.severity,
                                  site=incident.site, route=incident.route, hr_ready=item.hr_ready))
        else:
            key = item.intake_key or ""
            ref = stored.get(key) or built[fresh[key]][0].ref
            results.append(Logged(ref, created=False, alerted=item.alerted))
    return results


def _year(ctx: Context, now: datetime) -> int:
    return now.replace(tzinfo=UTC).astimezone(ctx.policy.zone).year


async def _incident(
    session: Session, ctx: Context, item: QueuedReport, ref: str, now: datetime
) -> tuple[Incident, tuple[str, ...]]:
    """A new incident, assessed (not yet added), and the earlier incidents of its customer."""
    report = item.report
    customer_hash = ctx.db.cipher.keyed_hash(customer_key(report.customer_ref)) if report.customer_ref else None
    earlier = await earlier_refs(session, ctx, customer_hash, at=now)
    words = triage(ctx.policy, report.description, report.exact_words)
    assessment = assess(ctx.policy, category=report.category, in_danger=report.in_danger,
                        earlier_reports=len(earlier), triaged=words.severity)
    incident = Incident(
        ref=ref,
        intake_key=item.intake_key,
        platform=item.actor.platform,
        reporter_id=item.actor.user_id,
        reporter_locale=item.actor.locale,
        share_name=report.share_name,
        category=report.category,
        severity=assessment.severity,
        flags=list(assessment.flags),
        triage=list(words.rules),
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
        site=item.site,
        route=route_of(ctx, report, item.hr_ready),
        reported_for=report.reported_for,
        reported_at=now,
        policy_version=ctx.policy.version,
        policy_snapshot=policy_snapshot(ctx, assessment.severity),
    )
    return incident, tuple(earlier)


async def _schedule_new(session: Session, ctx: Context, incidents: Sequence[Incident]) -> None:
    """Every new incident's escalation steps and check-ins, in one multi-row statement.

    Their keys start with a new, never reused ``INC-…`` id, so every one must be new:
    otherwise the transaction fails as a whole rather than lose a job silently."""
    rows: list[NewJob] = []
    for incident in incidents:
        if incident.route != routes.HELD:  # held for HR: no channel to escalate in yet
            rows += escalation.plan_on_report(ctx, incident)
        rows += followups.plan_checkins(ctx, incident)
    inserted = await schedule.schedule_many(session=session, rows=rows)
    if inserted != len(rows):
        raise RuntimeError(f"planned {len(rows)} jobs, {inserted} were new")


async def _flooding(session: Session, ctx: Context, batch: Sequence[QueuedReport], new: Sequence[int],
                    now: datetime) -> set[int]:
    """The new reports (batch indexes) past ``limits.reports_per_minute`` for their reporter,
    counting this batch too; a report marked "in danger" is never held."""
    limit = ctx.policy.limits.reports_per_minute
    counts: dict[tuple[str, str], int] = {}
    for platform in {batch[i].actor.platform for i in new}:
        reporters = {batch[i].actor.user_id for i in new if batch[i].actor.platform == platform}
        recent = await reports_since(session=session, platform=platform, reporter_ids=reporters,
                                     since=now - FLOOD_WINDOW)
        counts.update({(platform, reporter): count for reporter, count in recent.items()})
    held = set()
    for i in new:
        key = (batch[i].actor.platform, batch[i].actor.user_id)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > limit and not batch[i].report.in_danger:
            held.add(i)
    return held


def _alert_row(ctx: Context, incident: Incident, actor: Actor, earlier: tuple[str, ...],
               now: datetime, *, held: bool = False) -> dict[str, object]:
    """The supervisors' alert of a new incident, rendered from what was just written
    (one ``reported`` event, no choices yet) without reading it back. ``held``: a flood's
    alert, due at the end of its minute and folded with the reporter's others then."""
    view = view_of(incident, earlier=earlier, history=(HistoryLine("reported", actor.user_id, now),))
    message = alert(ctx.policy, view, ctx.channel_locale)
    wall = ctx.wall_now()
    rank = HELD if held else priority(ctx.policy, kind=message.kind, audience=Audience.SUPERVISORS,
                                      severity=incident.severity)
    audience, site = routes.destination(ctx, incident, Audience.SUPERVISORS)
    return outbox.message_row(
        incident_id=incident.id, platform=incident.platform, kind=str(message.kind),
        audience=str(audience), payload=message.to_json(), due_at=held_until(wall) if held else wall,
        created_at=wall, priority=rank, site=site,
    )
