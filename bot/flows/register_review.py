"""Reviewing register entries: on ``review_on`` HR is asked to ``register_extend`` or
``register_lift`` (or ``register_widen``: a site's entry then applies to every site); the
choice is a proposal a second HR member approves or rejects (spec 8.5). The request, the
proposal and the decision go to the HR channel; until one exists, to the supervisors'
channel, whose members then count as HR (:func:`bot.flows.permissions.decides_register`)."""

from __future__ import annotations

import logging

from bot.flows import permissions, routes
from bot.flows.context import Context, enqueue
from bot.flows.decisions import PressResult, refuse
from bot.flows.register import local_day, plan_review, review_after, site_label
from bot.model.i18n import t
from bot.model.inbound import PressIn
from bot.model.messages import Action, Audience, Button, Kind, Message, mention
from bot.model.ports import LookupFailed
from storage import register as store
from storage.db import Session
from storage.delivery_models import Job
from storage.register_models import RegisterEntry

log = logging.getLogger("haven.register")
CHOICES = {Action.REGISTER_EXTEND: "extend", Action.REGISTER_LIFT: "lift", Action.REGISTER_WIDEN: "widen"}


async def _hr_audience(ctx: Context, platform: str) -> Audience:
    """The HR channel where one exists on this platform, else the supervisors'."""
    return Audience.HR if await routes.reachable(ctx, platform, Audience.HR, None) else Audience.SUPERVISORS


async def run(session: Session, ctx: Context, job: Job) -> None:
    """The due review request (a job of kind ``register_review``)."""
    entry = await store.get_entry(session=session, entry_id=int(job.payload.get("entry", 0)))
    if entry is None or entry.state != store.ACTIVE:
        return
    locale = ctx.channel_locale
    value = store.entry_id(entry)
    message = Message(
        kind=Kind.REMINDER, locale=locale,
        text=t(locale, "register.review", entry=value, since=local_day(ctx, entry.since).isoformat(),
               site=site_label(ctx, entry.scope, locale), incidents=", ".join(entry.incidents),
               review_on=entry.review_on.isoformat()),
        buttons=_review_buttons(locale, entry, value),
    )
    audience = await _hr_audience(ctx, entry.platform)
    await enqueue(session, ctx, None, audience, message, platform=entry.platform)
    await store.log(session=session, entry_id=entry.id, kind="review_requested", actor="haven", at=ctx.now())


def _review_buttons(locale: str, entry: RegisterEntry, value: str) -> tuple[Button, ...]:
    """Extend, lift, and (for one site's entry) widen to every site."""
    buttons = [Button(Action.REGISTER_EXTEND, t(locale, "register.button_extend"), value),
               Button(Action.REGISTER_LIFT, t(locale, "register.button_lift"), value, style="danger")]
    if entry.scope != store.ALL_SITES:
        buttons.append(Button(Action.REGISTER_WIDEN, t(locale, "register.button_widen"), value))
    return tuple(buttons)


async def press(ctx: Context, pressed: PressIn) -> PressResult:
    """``register_extend`` / ``register_lift`` / ``register_widen`` (a proposal), ``approve`` /
    ``reject`` (a decision): HR members only, the decision never by the proposer."""
    number = store.parse_entry_id(pressed.value)
    try:
        allowed = await permissions.decides_register(ctx, pressed.actor.platform, pressed.actor.user_id)
    except LookupFailed:
        return refuse(ctx, pressed, "lookup_failed", "refusal.lookup_failed")
    if not allowed:
        return refuse(ctx, pressed, "not_hr", "register.refusal_not_hr")
    async with ctx.db.session() as session:
        entry = await store.get_entry(session=session, entry_id=number) if number else None
        if entry is None or entry.id is None:
            return refuse(ctx, pressed, "unknown_entry", "register.refusal_unknown")
        shown = store.entry_id(entry)
        if entry.state != store.ACTIVE:
            return refuse(ctx, pressed, "lifted", "register.refusal_lifted", entry=shown)
        if pressed.action in CHOICES:
            result = await _propose(session, ctx, pressed, entry)
        elif pressed.action in (Action.APPROVE, Action.REJECT):
            result = await _decide(session, ctx, pressed, entry)
        else:
            return refuse(ctx, pressed, "unknown_action", "refusal.unknown_action")
        if result is None:
            await session.commit()
            ctx.wake()
            return PressResult(changed=True)
        return result


async def _propose(session: Session, ctx: Context, pressed: PressIn, entry: RegisterEntry) -> PressResult | None:
    assert entry.id is not None
    action, user, shown = CHOICES[Action(pressed.action)], pressed.actor.user_id, store.entry_id(entry)
    if action == "widen" and entry.scope == store.ALL_SITES:
        return refuse(ctx, pressed, "register_all_sites", "register.refusal_all_sites", entry=shown)
    if not await store.propose(session=session, entry_id=entry.id, action=action, actor=user):
        return refuse(ctx, pressed, "register_pending", "register.refusal_pending", entry=shown)
    await store.log(session=session, entry_id=entry.id, kind="register_proposed", actor=user, at=ctx.now(),
                    detail={"action": action})
    locale = ctx.channel_locale
    message = Message(
        kind=Kind.APPROVAL_REQUEST, locale=locale, mentions=(user,),
        text=t(locale, "register.proposal_widen" if action == "widen" else "register.proposal", actor=mention(user),
               what=t(locale, f"register.what_{action}"), entry=shown, site=site_label(ctx, entry.scope, locale)),
        buttons=(Button(Action.APPROVE, t(locale, "button.approve"), shown, style="primary"),
                 Button(Action.REJECT, t(locale, "button.reject"), shown, style="danger")),
    )
    await enqueue(session, ctx, None, await _hr_audience(ctx, entry.platform), message, platform=entry.platform)
    return None


async def _decide(session: Session, ctx: Context, pressed: PressIn, entry: RegisterEntry) -> PressResult | None:
    assert entry.id is not None
    user, shown, action = pressed.actor.user_id, store.entry_id(entry), entry.pending
    if action is None:
        return refuse(ctx, pressed, "no_proposal", "register.refusal_no_proposal", entry=shown)
    if entry.pending_by == user:
        return refuse(ctx, pressed, "own_proposal", "register.refusal_own")
    now, locale = ctx.now(), ctx.channel_locale
    values: dict[str, object] = {}
    detail: dict[str, object] = {"action": action, "proposer": entry.pending_by}
    if pressed.action == Action.REJECT:
        kind, key = "register_rejected", "register.rejected"
    elif action == "extend":
        entry.review_on = local_day(ctx, now) + review_after(ctx)
        values, kind, key = {"review_on": entry.review_on}, "register_extended", "register.extended"
    elif action == "widen":
        values, kind, key = {"scope": store.ALL_SITES}, "register_widened", "register.widened"
        detail |= {"from": entry.scope, "to": store.ALL_SITES}
    else:
        values = {"state": store.LIFTED, "lifted_at": now, "lifted_by": user}
        kind, key = "register_lifted", "register.lifted"
    if not await store.settle(session=session, entry_id=entry.id, action=action, values=values):
        return refuse(ctx, pressed, "no_proposal", "register.refusal_no_proposal", entry=shown)
    await store.log(session=session, entry_id=entry.id, kind=kind, actor=user, at=now, detail=detail)
    if kind == "register_extended":
        await plan_review(session, ctx, entry)
    text = t(locale, key, actor=mention(user), entry=shown, what=t(locale, f"register.what_{action}"),
             review_on=entry.review_on.isoformat())
    await enqueue(session, ctx, None, await _hr_audience(ctx, entry.platform),
                  Message(kind=Kind.DECISION, text=text, locale=locale), platform=entry.platform)
    log.info("register entry %s: %s by %s", shown, kind, user)
    return None
