"""Choices and proposals: an option recorded once per incident (``INSERT … ON CONFLICT DO
NOTHING`` on its unique key) and the proposals of options that need approval, decided
by compare-and-set.

Like :mod:`storage.incidents`, every function takes an open ``session`` and never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage._sql import compare_and_set, insert_ignoring_conflicts
from storage.db import utc_naive
from storage.incident_models import Choice, Proposal


async def record_choice(
    *,
    session: AsyncSession,
    incident_id: int,
    option: str,
    actor: str,
    at: datetime,
    state: str = "done",
) -> bool:
    """Record ``option`` once per incident. False if it was already recorded.

    Uses ``INSERT … ON CONFLICT DO NOTHING`` on the unique (incident, option) key, which
    is atomic under concurrency and leaves the caller's transaction usable (no error).
    """
    statement = insert_ignoring_conflicts(
        session, Choice, incident_id=incident_id, option=option, actor=actor,
        at=utc_naive(at), state=state,
    )
    return int((await session.exec(statement)).rowcount) == 1


async def update_choice_state(
    *, session: AsyncSession, incident_id: int, option: str, state: str
) -> None:
    """Set the state of a recorded choice (``done`` | ``proposed`` | ``rejected``)."""
    await session.exec(
        update(Choice)
        .where(col(Choice.incident_id) == incident_id, col(Choice.option) == option)
        .values(state=state)
    )


async def delete_choice(*, session: AsyncSession, incident_id: int, option: str) -> None:
    """Forget a choice (e.g. after a rejected proposal, so it may be proposed again)."""
    await session.exec(
        delete(Choice).where(col(Choice.incident_id) == incident_id, col(Choice.option) == option)
    )


async def chosen_options(*, session: AsyncSession, incident_id: int) -> dict[str, str]:
    """Recorded options of the incident, mapped to their state."""
    query = select(Choice.option, Choice.state).where(Choice.incident_id == incident_id)
    return {option: state for option, state in (await session.exec(query)).all()}


async def create_proposal(
    *, session: AsyncSession, incident_id: int, option: str, proposer: str, at: datetime
) -> Proposal:
    """Create a pending proposal for an option that needs approval (flushed, id set)."""
    proposal = Proposal(
        incident_id=incident_id, option=option, proposer=proposer, created_at=utc_naive(at)
    )
    session.add(proposal)
    await session.flush()
    return proposal


async def pending_proposal(*, session: AsyncSession, incident_id: int, option: str) -> Proposal | None:
    """The incident's pending proposal of ``option``, if any."""
    query = select(Proposal).where(col(Proposal.incident_id) == incident_id, col(Proposal.option) == option,
                                   col(Proposal.state) == "pending")
    return (await session.exec(query)).first()


async def get_proposal(*, session: AsyncSession, proposal_id: int) -> Proposal | None:
    """The proposal with this id, or None."""
    return await session.get(Proposal, proposal_id)


async def decide_proposal(
    *, session: AsyncSession, proposal_id: int, state: str, actor: str, at: datetime
) -> bool:
    """Approve or reject a pending proposal. True iff it was still pending (this call won)."""
    return await compare_and_set(
        session,
        Proposal,
        and_(col(Proposal.id) == proposal_id, col(Proposal.state) == "pending"),
        {"state": state, "decided_by": actor, "decided_at": utc_naive(at)},
    )
