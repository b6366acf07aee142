"""Intake: a report becomes an incident, its audit event and its outbound messages,
committed in one transaction before anyone is told "logged"."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.delivery.group_commit import GroupCommit
from bot.flows import escalation, followups
from bot.flows.assessment import customer_key, policy_snapshot
from bot.flows import routes
from bot.flows.context import Context, earlier_refs, view_of
from bot.model.forms import Submission
from bot.delivery.priority import HELD, held_until, priority
from bot.model.inbound import Actor
from bot.model.messages import Audience
from bot.model.views import HistoryLine, alert
from policy.rules import assess
from policy.triage import triage
from storage import audit
from storage import incidents as repo
from storage import intake as bulk
from storage import outbox, schedule
from storage.db import DuplicateKey, Session
from storage.flood import reports_since
from storage.incident_models import Incident
from storage import sites as sites_repo
from storage.schedule import NewJob

log = logging.getLogger("haven.intake")
OTHER = "other"  # the spec's category for a quick report no triage rule matches
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


def quick_submission(ctx: Context, text: str) -> Submission:
    """``/abuse <text>``: the category of the first triage rule the words match (else
    ``other``), name shared per the policy's defaults."""
    category = triage(ctx.policy, text).category or OTHER
    return Submission(
        category=category, description=text, occurred_at=None, contact_channel=None,
        customer_ref=None, in_danger=False, share_name=ctx.policy.defaults.share_name,
        exact_words=None, demands=None, held_minutes=None, location=None, evidence=None,
    )


@dataclass(frozen=True)
class _Report:
    actor: Actor
    report: Submission
    intake_key: str | None
    alerted: bool
    site: str | None = None
    hr_ready: bool = False


async def log_report(
    ctx: Context, actor: Actor, report: Submission, *, intake_key: str | None
) -> Logged:
    """Commit the incident, its ``reported`` event, the alert and the schedule; then wake
    the dispatcher. A second delivery of the same intake key returns the first incident.

    Concurrent reports share one transaction (:mod:`bot.delivery.group_commit`); each caller
    returns only once the transaction holding its report has committed."""
    site = await _site(ctx, actor, report)
    alerted = await _reachable(ctx, actor.platform, Audience.SUPERVISORS, site)
    hr_ready = await _reachable(ctx, actor.platform, Audience.HR, None)
    return await _group(ctx).submit(_Report(actor, report, intake_key, alerted, site, hr_ready))


async def _site(ctx: Context, actor: Actor, report: Submission) -> str | None:
    """The form's site; for a quick report, the reporter's last site, else the default."""
    if not ctx.policy.sites:
        return None
    if report.site and ctx.policy.site(report.site) is not None and report.site in {s.id for s in ctx.policy.sites}:
        return report.site
    async with ctx.db.session() as session:
        last = await sites_repo.last_site(session=session, platform=actor.platform, reporter_id=actor.user_id)
    site = ctx.policy.site(last)
    return site.id if site is not None else None


def _wants_hr(ctx: Context, report: Submission) -> bool:
    return report.to_hr or ctx.policy.is_restricted(report.category)


def route_of(ctx: Context, report: Submission, hr_ready: bool) -> str:
    """HR only (held while no HR channel exists) for ``to_hr`` and restricted categories."""
    if not _wants_hr(ctx, report):
        return routes.LINE
    return routes.HR if hr_ready else routes.HELD


_GROUPS: dict[int, tuple[Context, GroupCommit[_Report, Logged]]] = {}


def busy(ctx: Context) -> bool:
    """Reports are being committed right now (the dispatcher lets them go first)."""
    entry = _GROUPS.get(id(ctx))
    return entry is not None and entry[0] is ctx and entry[1].busy()


def _group(ctx: Context) -> GroupCommit[_Report, Logged]:
    """One group commit per context (a runtime); kept as long as the context lives."""
    entry = _GROUPS.get(id(ctx))
    if entry is None or entry[0] is not ctx:
        entry = (ctx, GroupCommit(lambda batch: _write(ctx, batch)))
        _GROUPS[id(ctx)] = entry
        weakref.finalize(ctx, _GROUPS.pop, id(ctx), None)
    return entry[1]


async def _write(ctx: Context, batch: Sequence[_Report]) -> list[Logged | BaseException]:
    """One transaction for the batch; if it fails, one per report, so a bad report (or a
    lost intake-key race) fails alone and nobody gets another report's id."""
    try:
        logged = await _commit(ctx, batch)
    except Exception as error:  # retried report by report below
        if len(batch) == 1:
            return [await _alone(ctx, batch[0], error)]
        log.warning("group commit of %d reports failed (%s); writing them one by one",
                    len(batch), type(error).__name__)
        return [await _alone(ctx, item, None) for item in batch]
    _after_commit(ctx, batch, logged)
    return list(logged)


async def _alone(ctx: Context, item: _Report, error: Exception | None) -> Logged | BaseException:
    """One report in its own transaction; a redelivery that lost the race gets the winner's id."""
    try:
        if error is None:
            logged = await _commit(ctx, [item])
            _after_commit(ctx, [item], logged)
            return logged[0]
        raise error
    except DuplicateKey as failure:
        if not item.intake_key:
            return failure
        async with ctx.db.session() as session:
            refs = await bulk.refs_by_intake_keys(session=session, keys=[item.intake_key])
        ref = refs.get(item.intake_key)
        return Logged(ref, created=False, alerted=item.alerted) if ref else failure
    except Exception as failure:  # this report's own error, for its caller
        return failure


async def _commit(ctx: Context, batch: Sequence[_Report]) -> list[Logged]:
    async with ctx.db.session() as session:
        logged = await _create_all(session, ctx, batch)
        await session.commit()
    return logged


def _after_commit(ctx: Context, batch: Sequence[_Report], logged: Sequence[Logged]) -> None:
    for item, result in zip(batch, logged, strict=True):
        if result.created:
            ctx.metrics.incidents_reported.labels(platform=item.actor.platform, severity=result.severity).inc()
            log.info("incident %s reported on %s (severity %s)", result.ref, item.actor.platform, result.severity)
    if any(r.created for r in logged):
        ctx.wake()


async def _reachable(ctx: Context, platform: str, audience: Audience, site: str | None) -> bool:
    try:
        return await routes.reachable(ctx, platform, audience, site)
    except Exception:  # a look-up failure must not lose the report
        log.warning("could not tell whether the %s channel is reachable on %s", audience, platform)
        return audience != Audience.HR  # never guess that HR is there: hold instead


async def _create_all(session: Session, ctx: Context, batch: Sequence[_Report]) -> list[Logged]:
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
    session: Session, ctx: Context, item: _Report, ref: str, now: datetime
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


async def _flooding(session: Session, ctx: Context, batch: Sequence[_Report], new: Sequence[int],
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
