"""Intake: a report becomes an incident, its audit event and its outbound messages,
committed in one transaction before anyone is told "logged".

Here: the public entry (:func:`log_report`, :func:`quick_submission`) and the group commit
that writes concurrent reports together; the rows each batch writes are built in
:mod:`bot.flows.intake_rows`."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence

from bot.delivery.group_commit import GroupCommit
from bot.flows import routes
from bot.flows.context import Context
from bot.flows.intake_rows import Logged, QueuedReport, create_all
from bot.model.forms import Submission
from bot.model.inbound import Actor
from bot.model.messages import Audience
from policy.triage import triage
from storage import intake as bulk
from storage import sites as sites_repo
from storage.db import DuplicateKey

log = logging.getLogger("haven.intake")
OTHER = "other"  # the spec's category for a quick report no triage rule matches


def quick_submission(ctx: Context, text: str) -> Submission:
    """``/abuse <text>``: the category of the first triage rule the words match (else
    ``other``), name shared per the policy's defaults."""
    category = triage(ctx.policy, text).category or OTHER
    return Submission(
        category=category, description=text, occurred_at=None, contact_channel=None,
        customer_ref=None, in_danger=False, share_name=ctx.policy.defaults.share_name,
        exact_words=None, demands=None, held_minutes=None, location=None, evidence=None,
    )


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
    return await _group(ctx).submit(QueuedReport(actor, report, intake_key, alerted, site, hr_ready))


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


_GROUPS: dict[int, tuple[Context, GroupCommit[QueuedReport, Logged]]] = {}


def busy(ctx: Context) -> bool:
    """Reports are being committed right now (the dispatcher lets them go first)."""
    entry = _GROUPS.get(id(ctx))
    return entry is not None and entry[0] is ctx and entry[1].busy()


def _group(ctx: Context) -> GroupCommit[QueuedReport, Logged]:
    """One group commit per context (a runtime); kept as long as the context lives."""
    entry = _GROUPS.get(id(ctx))
    if entry is None or entry[0] is not ctx:
        entry = (ctx, GroupCommit(lambda batch: _write(ctx, batch)))
        _GROUPS[id(ctx)] = entry
        weakref.finalize(ctx, _GROUPS.pop, id(ctx), None)
    return entry[1]


async def _write(ctx: Context, batch: Sequence[QueuedReport]) -> list[Logged | BaseException]:
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


async def _alone(ctx: Context, item: QueuedReport, error: Exception | None) -> Logged | BaseException:
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


async def _commit(ctx: Context, batch: Sequence[QueuedReport]) -> list[Logged]:
    async with ctx.db.session() as session:
        logged = await create_all(session, ctx, batch)
        await session.commit()
    return logged


def _after_commit(ctx: Context, batch: Sequence[QueuedReport], logged: Sequence[Logged]) -> None:
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
