"""Supervisors re-triage an incident (spec 8.1): action ``triage`` opens ``triage_form``;
submitting it changes the category and severity, audited as ``triaged`` (from, to, note).

Deadlines are planned again from the moment of the re-triage (steps already sent are not
repeated; check-ins keep their schedule). A raise to the most severe severity re-alerts
the channel with its mention; the reporter is told in plain words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.flows import escalation, hr_route, routes
from bot.flows.assessment import policy_snapshot
from bot.flows.context import Context, alert_posts, enqueue, refresh_alerts
from bot.model.inbound import Actor, FormIn, split_value
from bot.model.messages import Audience, Form, Kind, mention
from bot.flows.permissions import may_act
from bot.model.ports import LookupFailed
from bot.model.triage_form import Retriage, check_triage, triage_form
from bot.model.views import notice
from storage import incidents as repo
from storage.db import Session
from storage.incident_models import Incident

log = logging.getLogger("haven.triage")
TRIAGED = "triaged"


@dataclass(frozen=True)
class Outcome:
    """Errors to show in the form (field id → message); none, and the ref, when done."""

    errors: dict[str, str]
    ref: str | None = None


def form_for(ctx: Context, actor: Actor, incident: Incident) -> Form:
    """The re-triage form, preselected with the incident's category and severity."""
    return triage_form(ctx.policy, actor.locale, ref=incident.ref, category=incident.category,
                       severity=incident.severity)


async def submit(ctx: Context, submitted: FormIn) -> Outcome:
    """Check the answers and who is asking (a supervisor, fail closed), then re-triage."""
    locale = submitted.actor.locale
    ref, _ = split_value(submitted.metadata)
    async with ctx.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
    if incident is None or incident.status == "resolved":
        key = "refusal.unknown_incident" if incident is None else "refusal.resolved"
        return Outcome(errors={"category": notice(Kind.REFUSAL, locale, key, ref=ref).text})
    refusal = await _refusal(ctx, submitted.actor)
    if refusal:
        ctx.metrics.refusals.labels(reason=refusal).inc()
        log.info("re-triage of %s refused for %s: %s", ref, submitted.actor.user_id, refusal)
        return Outcome(errors={"category": notice(Kind.REFUSAL, locale, f"refusal.{refusal}").text})
    answers, errors = check_triage(ctx.policy, submitted.values, locale,
                                   current=(incident.category, incident.severity))
    if answers is None:
        return Outcome(errors=errors)
    if not await _apply(ctx, submitted.actor.user_id, incident, answers):
        return Outcome(errors={"category": notice(Kind.REFUSAL, locale, "refusal.triage_busy", ref=ref).text})
    return Outcome(errors={}, ref=ref)


async def _refusal(ctx: Context, actor: Actor) -> str | None:
    """The form may come from the alert or from a page: members of either channel may act."""
    try:
        allowed = await may_act(ctx.directories.get(actor.platform), actor.user_id, audience=Audience.ESCALATION)
    except LookupFailed:
        return "lookup_failed"
    return None if allowed else "not_supervisor"


async def _apply(ctx: Context, user: str, incident: Incident, answers: Retriage) -> bool:
    assert incident.id is not None
    before = (incident.category, incident.severity)
    now = ctx.now()
    async with ctx.db.session() as session:
        if not await repo.retriage(session=session, incident_id=incident.id, category=answers.category,
                                   severity=answers.severity, snapshot=policy_snapshot(ctx, answers.severity),
                                   version=incident.version):
            await session.rollback()
            return False
        count = sum(1 for e in await repo.events_for(session=session, incident_id=incident.id) if e.kind == TRIAGED)
        await repo.add_event(session=session, incident_id=incident.id, kind=TRIAGED, actor=user, at=now, detail={
            "from": {"category": before[0], "severity": before[1]},
            "to": {"category": answers.category, "severity": answers.severity},
            "note": True if answers.note else None,  # the text: encrypted, outside the chain
        }, note=answers.note or None)
        fresh = await repo.get_incident_by_id(session=session, incident_id=incident.id)
        assert fresh is not None
        await escalation.replan_from(session, ctx, fresh, at=now, generation=f"triage{count + 1}")
        if ctx.policy.is_restricted(fresh.category) and fresh.route == routes.LINE \
                and await routes.reachable(ctx, fresh.platform, Audience.HR, None):
            await hr_route.to_hr(session, ctx, fresh, actor=user)  # restricted: HR only from now on
            fresh = await repo.get_incident_by_id(session=session, incident_id=incident.id)
            assert fresh is not None
        await refresh_alerts(session, ctx, fresh)
        await _announce(session, ctx, fresh, user, before)
        await session.commit()
    log.info("%s re-triaged by %s: %s/%s -> %s/%s", incident.ref, user, *before, answers.category, answers.severity)
    ctx.wake()
    return True


async def _announce(session: Session, ctx: Context, incident: Incident, user: str,
                    before: tuple[str, str]) -> None:
    """A note in the alert's thread (a raise to the top severity mentions the channel),
    and the reporter told in plain words."""
    policy, locale = ctx.policy, ctx.channel_locale
    top = policy.severities[0].id
    raised = incident.severity == top and before[1] != top and incident.status != "resolved"

    def label(category: str, severity: str) -> str:
        return f"{policy.severity(severity).labels.get(locale)} · {policy.category(category).labels.get(locale)}"

    after = label(incident.category, incident.severity)
    key = "triage.raised" if raised else "triage.changed"
    note = notice(Kind.RENOTIFY if raised else Kind.DECISION, locale, key, ref=incident.ref,
                  actor=mention(user), before=label(*before), after=after)
    posts = [p for p in await alert_posts(session, incident) if p.audience == Audience.SUPERVISORS]
    await enqueue(session, ctx, incident, Audience.SUPERVISORS, replace(note, mention_channel=raised, mentions=(user,)),
                  reply_to=posts[0].id if posts else None)
    told = ctx.locale_of(incident)
    await enqueue(session, ctx, incident, Audience.USER, notice(
        Kind.REPORTER_UPDATE, told, "reporter.triaged_urgent" if raised else "reporter.triaged", ref=incident.ref,
        severity=policy.severity(incident.severity).labels.get(told),
        category=policy.category(incident.category).labels.get(told),
    ), user_id=incident.reporter_id)
