"""Releasing a legal hold (spec 8.4): ``release_hold`` is a proposal that a second
person must approve, like ``discontinue_service``; the approval releases the hold,
audited as ``hold_released``, and retention then runs from the later of the
resolution and the release. It stays possible once the incident is resolved (that is
when holds usually end). Nobody releases the hold on their own report."""

from __future__ import annotations

from bot.flows.context import Context
from bot.model.inbound import PressIn
from bot.model.messages import Action
from storage import choices
from storage import incidents as repo
from storage.db import Session
from storage.incident_models import Incident, Proposal

RELEASE_HOLD = str(Action.RELEASE_HOLD)


def own_case(press: PressIn, incident: Incident) -> bool:
    """The reporter may not decide on their own report's hold."""
    return press.actor.user_id == incident.reporter_id and press.actor.platform == incident.platform


async def may_propose(session: Session, press: PressIn, incident: Incident) -> str | None:
    """Why ``release_hold`` cannot be proposed now (a refusal reason), or None."""
    assert incident.id is not None
    if own_case(press, incident):
        return "own_case"
    if not incident.legal_hold:
        return "not_held"
    if await choices.pending_proposal(session=session, incident_id=incident.id, option=RELEASE_HOLD):
        return "already_proposed"
    return None


async def release(session: Session, ctx: Context, incident: Incident, proposal: Proposal,
                  approver: str) -> None:
    """The approved release: the hold ends now, audited with proposer and approver."""
    assert incident.id is not None
    now = ctx.now()
    if await repo.set_legal_hold(session=session, incident_id=incident.id, hold=False, at=now):
        await repo.add_event(session=session, incident_id=incident.id, kind="hold_released", actor=approver,
                             at=now, option=RELEASE_HOLD,
                             detail={"proposal": proposal.id, "proposer": proposal.proposer})
