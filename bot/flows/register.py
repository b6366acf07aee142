"""The register of customers no longer served (出入禁止, spec 8.5).

* An approved ``discontinue_service`` on an incident with a customer reference puts
  the customer on the register (scope: the incident's site, ``all`` before sites
  exist), with a review date ``register.review_after`` ahead; audited ``registered``
  on the incident's trail and in the register's log.
* :func:`check` answers a look-up privately and minimally ("on the register since
  DATE for SITE: do not serve alone…" or "not on the register"), matching by the
  customer key's keyed hash; every look-up is audited ``register_checked`` by ids.
* On the review date HR is asked (HR channel; the supervisors' channel until one
  exists) to ``register_extend`` or ``register_lift`` (or ``register_widen``: the entry
  then applies to all sites); each needs a second HR member's approval
  (:mod:`bot.flows.register_review`).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

from bot.flows.context import Context, alert_posts, enqueue
from bot.model.i18n import t
from bot.model.inbound import Actor, normalize
from bot.model.messages import Audience, Kind, Message
from bot.model.ports import LookupFailed
from bot.model.views import notice
from storage import incidents as repo
from storage.db import Session
from storage import register as store
from storage import schedule
from storage.incident_models import Incident, Proposal
from storage.register_models import RegisterEntry

log = logging.getLogger("haven.register")
REVIEW = "register_review"
DISCONTINUE = "discontinue_service"


def local_day(ctx: Context, moment: datetime) -> date:
    """The day of ``moment`` (naive UTC) in the policy time zone."""
    return moment.replace(tzinfo=UTC).astimezone(ctx.policy.zone).date()


def scope_of(ctx: Context, incident: Incident) -> str:
    """The incident's site (spec 8.2), or ``all`` while incidents have no site."""
    return str(getattr(incident, "site", None) or store.ALL_SITES)


def site_label(ctx: Context, scope: str, locale: str) -> str:
    """How a scope is shown: the site's label, or "all sites"."""
    if scope == store.ALL_SITES:
        return t(locale, "register.all_sites")
    for site in getattr(ctx.policy, "sites", None) or ():
        if site.id == scope:
            return str(site.labels.get(locale))
    return scope


async def on_approved(session: Session, ctx: Context, incident: Incident, proposal: Proposal,
                      approver: str) -> None:
    """``discontinue_service`` approved: register the customer when the report names one."""
    if proposal.option != DISCONTINUE or not incident.customer_hash or not incident.customer_ref:
        return
    assert incident.id is not None
    now = ctx.now()
    review_on = local_day(ctx, now) + ctx.policy.register_.review_after
    entry, created = await store.register(
        session=session, customer_hash=incident.customer_hash, customer_ref=incident.customer_ref,
        platform=incident.platform, scope=scope_of(ctx, incident), since=now, review_on=review_on,
        incident=incident.ref, approvers=[proposal.proposer, approver])
    assert entry.id is not None
    await repo.add_event(session=session, incident_id=incident.id, kind="registered", actor=approver, at=now,
                         detail={"entry": entry.id})
    await store.log(session=session, entry_id=entry.id, kind="registered", actor=approver, at=now,
                    detail={"incident": incident.ref, "proposer": proposal.proposer, "new": created})
    if created:
        await plan_review(session, ctx, entry)
    message = notice(Kind.DECISION, ctx.channel_locale, "register.registered", ref=incident.ref,
                     entry=store.entry_id(entry), review_on=entry.review_on.isoformat())
    posts = await alert_posts(session, incident)
    await enqueue(session, ctx, incident, Audience.SUPERVISORS, message, reply_to=posts[0].id if posts else None)
    log.info("%s: customer registered as %s", incident.ref, store.entry_id(entry))


async def plan_review(session: Session, ctx: Context, entry: RegisterEntry) -> None:
    """The review request, due at the start of business on ``review_on`` (policy time)."""
    assert entry.id is not None
    opens = ctx.policy.follow_ups.business_hours.opens
    local = datetime.combine(entry.review_on, time(opens.hour, opens.minute), tzinfo=ctx.policy.zone)
    await schedule.schedule(session=session, incident_id=None, kind=REVIEW,
                            key=f"register:{entry.id}:review:{entry.review_on.isoformat()}",
                            due_at=local.astimezone(UTC).replace(tzinfo=None), payload={"entry": entry.id})


async def check(ctx: Context, actor: Actor, reference: str) -> Message:
    """A private, minimal answer to "is this customer on the register?" (audited by ids).
    An entry for all sites answers before one site's entry."""
    locale = actor.locale
    text = normalize(reference)
    if not text:
        return notice(Kind.REFUSAL, locale, "register.empty")
    refusal = await _refuse_non_employee(ctx, actor)
    if refusal is not None:
        return refusal
    now = ctx.now()
    async with ctx.db.session() as session:
        entries = await store.active_for(session=session, customer_hash=ctx.db.cipher.keyed_hash(text))
        found = next((e for e in entries if e.scope == store.ALL_SITES), entries[0] if entries else None)
        await store.log(session=session, entry_id=found.id if found else None, kind="register_checked",
                        actor=actor.user_id, at=now, detail={"platform": actor.platform, "found": found is not None})
        await session.commit()
    log.info("register checked by %s on %s: %s", actor.user_id, actor.platform,
             store.entry_id(found) if found else "no entry")
    if found is None:
        return notice(Kind.DECISION, locale, "register.not_on_register")
    return notice(Kind.DECISION, locale, "register.on_register", since=local_day(ctx, found.since).isoformat(),
                  site=site_label(ctx, found.scope, locale))


async def _refuse_non_employee(ctx: Context, actor: Actor) -> Message | None:
    """Only the organisation's own people may look up the register. Adapters whose
    directory can tell (``is_employee``: not a guest, the same workspace or tenant) are
    asked, failing closed; a directory that cannot tell lets the platform's own
    membership stand (the command only reaches Haven from its workspace or tenant)."""
    directory = ctx.directories.get(actor.platform)
    is_employee = getattr(directory, "is_employee", None)
    if is_employee is None:
        return None if directory is not None else notice(Kind.REFUSAL, actor.locale, "register.refused")
    try:
        allowed = bool(await is_employee(actor.user_id))
    except LookupFailed:
        return notice(Kind.REFUSAL, actor.locale, "register.lookup_failed")
    if not allowed:
        ctx.metrics.refusals.labels(reason="not_employee").inc()
        log.info("register look-up refused for %s on %s: not an employee", actor.user_id, actor.platform)
        return notice(Kind.REFUSAL, actor.locale, "register.refused")
    return None


def review_after(ctx: Context) -> timedelta:
    """How long an entry (or an extension) lasts before the next review."""
    return ctx.policy.register_.review_after
