"""Decisions: supervisors pressing alert buttons (options, approvals, join).

Only those :mod:`bot.flows.permissions` allows may act; anyone else is refused
privately, nothing changes, and the refusal is counted and logged by ids only (never
written to the incident's trail).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.flows import escalation, holds, register, retriage, routes
from bot.flows.context import Context, alert_posts, enqueue, refresh_alerts
from bot.flows.lifecycle import Step, can
from bot.flows.permissions import DECIDING, may_act_on, own_case
from bot.model.i18n import t
from bot.model.inbound import PressIn, split_value
from bot.model.messages import Action, Audience, Button, Form, Kind, Message, Reply, mention
from bot.model.ports import LookupFailed
from bot.model.alert import option_done, option_label
from bot.model.views import notice
from policy.rules import blocked_by, options_for
from storage import choices
from storage import incidents as repo
from storage import outbox_upkeep
from storage.db import Session
from storage.incident_models import Incident

log = logging.getLogger("haven.decisions")
ACKNOWLEDGE = "acknowledge"
RESOLVE = "resolve"


@dataclass(frozen=True)
class PressResult:
    replies: tuple[Reply, ...] = ()
    form: Form | None = None
    changed: bool = False


def refuse(ctx: Context, press: PressIn, reason: str, key: str, **values: str) -> PressResult:
    """A private refusal: counted, logged by ids, never written to the trail."""
    ctx.metrics.refusals.labels(reason=reason).inc()
    log.info("refused %s by %s on %s: %s", press.action, press.actor.user_id, split_value(press.value)[0], reason)
    message = notice(Kind.REFUSAL, press.actor.locale, key, **values)
    return PressResult(replies=(Reply(message, private=True),))


async def check_supervisor(ctx: Context, press: PressIn, incident: Incident) -> PressResult | None:
    """None when the presser may act on this incident where the button was pressed (its
    site's supervisors, the escalation tier on a page, HR on the HR route); else the private
    refusal (fail closed: a failed look-up refuses)."""
    try:
        allowed = await may_act_on(ctx, press.actor.user_id, incident, press.audience)
    except LookupFailed:
        return refuse(ctx, press, "lookup_failed", "refusal.lookup_failed")
    if not allowed and routes.on_hr_route(incident):
        return refuse(ctx, press, "not_hr", "sites.refusal_not_hr")
    if not allowed:
        return refuse(ctx, press, "not_supervisor", "refusal.not_supervisor")
    return None


async def supervisor_press(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """Route a supervisor's button after checking who is asking (fail closed)."""
    refused = await check_supervisor(ctx, press, incident)
    if refused is not None:
        return refused
    step = Step.RELEASE_HOLD if press.action == holds.RELEASE_HOLD else Step.CHOOSE
    if press.action not in (Action.APPROVE, Action.REJECT) and not can(incident.status, step):
        return refuse(ctx, press, "resolved", "refusal.resolved", ref=incident.ref)
    if press.action in DECIDING and own_case(incident, press.actor.user_id):
        return refuse(ctx, press, "own_case", "sites.refusal_own_case", ref=incident.ref)
    if press.action == holds.RELEASE_HOLD:
        return await _propose_release(ctx, press, incident)
    if press.action in (Action.APPROVE, Action.REJECT):
        return await _decide(ctx, press, incident)
    if press.action == Action.JOIN:
        return await _join(ctx, press, incident)
    if press.action == Action.TRIAGE:
        return PressResult(form=retriage.form_for(ctx, press.actor, incident))
    if press.action == ACKNOWLEDGE:
        return await _acknowledge(ctx, press, incident)
    return await _choose(ctx, press, incident)


async def _tell_reporter(session: Session, ctx: Context, incident: Incident, key: str, **values: object) -> None:
    message = notice(Kind.REPORTER_UPDATE, ctx.locale_of(incident), key, ref=incident.ref, **values)
    await enqueue(session, ctx, incident, Audience.USER, message, user_id=incident.reporter_id)


async def _acknowledge(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    user = press.actor.user_id
    if incident.second_responder_id == user:
        return refuse(ctx, press, "second_cannot_own", "refusal.second_cannot_own", ref=incident.ref)
    async with ctx.db.session() as session:
        assert incident.id is not None
        now = ctx.now()
        if not await repo.claim_owner(session=session, incident_id=incident.id, owner=user, at=now):
            await session.rollback()
            current = await repo.get_incident_by_id(session=session, incident_id=incident.id)
            owner = current.owner_id if current else None
            if owner == user:
                return refuse(ctx, press, "already_chosen", "refusal.already_chosen", ref=incident.ref)
            return refuse(ctx, press, "already_owned", "refusal.already_owned",
                          ref=incident.ref, owner=mention(owner or "?"))
        fresh = await repo.get_incident_by_id(session=session, incident_id=incident.id)
        assert fresh is not None
        await repo.add_event(session=session, incident_id=incident.id, kind="acknowledged",
                             actor=user, at=now, option=ACKNOWLEDGE)
        await escalation.on_acknowledged(session, ctx, fresh)
        await refresh_alerts(session, ctx, fresh)
        await _tell_reporter(session, ctx, fresh, "reporter.acknowledged")
        await session.commit()
    ctx.wake()
    return PressResult(changed=True)


async def _choose(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    option_id = press.action
    if option_id not in {o.id for o in ctx.policy.options}:
        return refuse(ctx, press, "unknown_action", "refusal.unknown_action")
    option = ctx.policy.option(option_id)
    user = press.actor.user_id
    async with ctx.db.session() as session:
        assert incident.id is not None
        now = ctx.now()
        chosen = await choices.chosen_options(session=session, incident_id=incident.id)
        if option_id in chosen:
            return refuse(ctx, press, "already_chosen", "refusal.already_chosen", ref=incident.ref)
        offered = {o.id for o in options_for(ctx.policy, severity=incident.severity, status=incident.status)}
        if option_id not in offered:
            return refuse(ctx, press, "not_offered", "refusal.not_offered", ref=incident.ref)
        done = {o for o, state in chosen.items() if state == "done"} | ({ACKNOWLEDGE} if incident.owner_id else set())
        waiting = blocked_by(ctx.policy, option_id, done=done)
        if waiting:
            locale = press.actor.locale
            return refuse(ctx, press, "requires", "refusal.requires", ref=incident.ref,
                          option=option_label(ctx.policy, option_id, locale),
                          required=", ".join(option_label(ctx.policy, r, locale) for r in waiting))
        state = "proposed" if option.needs_approval else "done"
        if not await choices.record_choice(session=session, incident_id=incident.id, option=option_id,
                                           actor=user, at=now, state=state):
            return refuse(ctx, press, "already_chosen", "refusal.already_chosen", ref=incident.ref)
        if option.needs_approval:
            await _propose(session, ctx, press, incident)
        elif option_id == RESOLVE:
            await _resolve(session, ctx, press, incident)
        else:
            await repo.add_event(session=session, incident_id=incident.id, kind="option_chosen",
                                 actor=user, at=now, option=option_id)
            await _apply_effects(session, ctx, incident, option_id)
            await _tell_reporter(session, ctx, incident, "reporter.update",
                                 what=option_done(ctx.policy, option_id, ctx.locale_of(incident)))
        fresh = await repo.get_incident_by_id(session=session, incident_id=incident.id)
        assert fresh is not None
        await refresh_alerts(session, ctx, fresh)
        await session.commit()
    ctx.wake()
    return PressResult(changed=True)


async def _apply_effects(session: Session, ctx: Context, incident: Incident, option_id: str) -> None:
    """Options the policy marks ``legal_hold`` put the incident on hold (no purge)."""
    option = ctx.policy.option(option_id)
    if option.legal_hold:
        assert incident.id is not None
        await repo.set_legal_hold(session=session, incident_id=incident.id, hold=True)


async def _resolve(session: Session, ctx: Context, press: PressIn, incident: Incident) -> None:
    assert incident.id is not None
    now = ctx.now()
    if await repo.resolve(session=session, incident_id=incident.id, at=now):
        await repo.add_event(session=session, incident_id=incident.id, kind="resolved",
                             actor=press.actor.user_id, at=now, option=RESOLVE)
        await escalation.on_resolved(session, ctx, incident)
        await _tell_reporter(session, ctx, incident, "reporter.resolved")


async def _propose_release(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """``release_hold``: a proposal a second person must approve."""
    async with ctx.db.session() as session:
        reason = await holds.may_propose(session, press, incident)
        if reason is not None:
            return refuse(ctx, press, reason, f"records.refusal_{reason}", ref=incident.ref)
        await _propose(session, ctx, press, incident)
        fresh = await repo.get_incident_by_id(session=session, incident_id=incident.id or 0)
        assert fresh is not None
        await refresh_alerts(session, ctx, fresh)
        await session.commit()
    ctx.wake()
    return PressResult(changed=True)


async def _propose(session: Session, ctx: Context, press: PressIn, incident: Incident) -> None:
    assert incident.id is not None
    now = ctx.now()
    proposal = await choices.create_proposal(session=session, incident_id=incident.id,
                                             option=press.action, proposer=press.actor.user_id, at=now)
    await repo.add_event(session=session, incident_id=incident.id, kind="proposed",
                         actor=press.actor.user_id, at=now, option=press.action)
    locale = ctx.channel_locale
    value = f"{incident.ref}:{proposal.id}"
    message = Message(
        kind=Kind.APPROVAL_REQUEST,
        text=t(locale, "decision.proposal", actor=mention(press.actor.user_id), ref=incident.ref,
               option=option_label(ctx.policy, press.action, locale)),
        buttons=(Button(Action.APPROVE, t(locale, "button.approve"), value, style="primary"),
                 Button(Action.REJECT, t(locale, "button.reject"), value, style="danger")),
        mentions=(press.actor.user_id,),
        incident=incident.ref,
        locale=locale,
    )
    posts = await alert_posts(session, incident, ctx)
    thread = next((p.id for p in posts if p.audience == str(press.audience)), posts[0].id if posts else None)
    await enqueue(session, ctx, incident, press.audience, message, reply_to=thread)


async def _decide(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    _, proposal_id = split_value(press.value)
    user = press.actor.user_id
    async with ctx.db.session() as session:
        proposal = await choices.get_proposal(session=session, proposal_id=proposal_id) if proposal_id else None
        if proposal is None or proposal.incident_id != incident.id:
            return refuse(ctx, press, "unknown_action", "refusal.unknown_action")
        if proposal.proposer == user:
            return refuse(ctx, press, "own_proposal", "refusal.own_proposal")
        if not can(incident.status, Step.RELEASE_HOLD if proposal.option == holds.RELEASE_HOLD else Step.CHOOSE):
            return refuse(ctx, press, "resolved", "refusal.resolved", ref=incident.ref)
        if proposal.option == holds.RELEASE_HOLD and holds.own_case(press, incident):
            return refuse(ctx, press, "own_case", "records.refusal_own_case", ref=incident.ref)
        approved = press.action == Action.APPROVE
        now = ctx.now()
        state = "approved" if approved else "rejected"
        assert proposal.id is not None
        if not await choices.decide_proposal(session=session, proposal_id=proposal.id, state=state, actor=user, at=now):
            return refuse(ctx, press, "proposal_decided", "refusal.proposal_decided")
        assert incident.id is not None
        await repo.add_event(session=session, incident_id=incident.id, kind=state, actor=user, at=now,
                             option=proposal.option, detail={"proposal": proposal.id, "proposer": proposal.proposer})
        locale = ctx.channel_locale
        label = option_label(ctx.policy, proposal.option, locale)
        if approved:
            await choices.update_choice_state(session=session, incident_id=incident.id, option=proposal.option,
                                              state="done")
            if proposal.option == holds.RELEASE_HOLD:
                await holds.release(session, ctx, incident, proposal, user)
            else:
                await _apply_effects(session, ctx, incident, proposal.option)
                await register.on_approved(session, ctx, incident, proposal, user)
            await _tell_reporter(session, ctx, incident, "reporter.update",
                                 what=option_done(ctx.policy, proposal.option, ctx.locale_of(incident)))
        else:
            await choices.delete_choice(session=session, incident_id=incident.id, option=proposal.option)
            told = notice(Kind.DECISION, locale, "decision.rejected_to_proposer", ref=incident.ref,
                          actor=mention(user), option=label)
            await enqueue(session, ctx, incident, Audience.USER, told, user_id=proposal.proposer)
        outcome = notice(Kind.DECISION, locale, f"decision.{state}", ref=incident.ref,
                         actor=mention(user), option=label, what=option_done(ctx.policy, proposal.option, locale))
        await _update_request(session, ctx, incident, proposal.id, outcome)
        fresh = await repo.get_incident_by_id(session=session, incident_id=incident.id)
        assert fresh is not None
        await refresh_alerts(session, ctx, fresh)
        await session.commit()
    ctx.wake()
    return PressResult(changed=True)


async def _update_request(session: Session, ctx: Context, incident: Incident, proposal_id: int | None,
                          outcome: Message) -> None:
    """Replace the approval request's buttons with its outcome."""
    assert incident.id is not None
    for row in await outbox_upkeep.messages_for(session=session, incident_id=incident.id):
        if row.kind != Kind.APPROVAL_REQUEST or row.op != "post":
            continue
        request = Message.from_json(row.payload)
        if any(b.value.endswith(f":{proposal_id}") for b in request.buttons):
            await enqueue(session, ctx, incident, Audience(row.audience), outcome, op="update", reply_to=row.id)


async def _join(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    user = press.actor.user_id
    if incident.owner_id == user:
        return refuse(ctx, press, "owner_cannot_join", "refusal.owner_cannot_join", ref=incident.ref)
    async with ctx.db.session() as session:
        assert incident.id is not None
        if not await repo.claim_second_responder(session=session, incident_id=incident.id, user=user):
            return refuse(ctx, press, "already_joined", "refusal.already_joined", ref=incident.ref)
        now = ctx.now()
        await repo.add_event(session=session, incident_id=incident.id, kind="joined", actor=user, at=now)
        fresh = await repo.get_incident_by_id(session=session, incident_id=incident.id)
        assert fresh is not None
        await escalation.on_joined(session, ctx, fresh)
        await refresh_alerts(session, ctx, fresh)
        await session.commit()
    ctx.wake()
    return PressResult(changed=True)
