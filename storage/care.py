"""Talk requests (spec 8.3): an employee asked to talk to someone; who accepted, when.

Every function takes an open ``session`` and never commits. Accepting and cancelling are
compare-and-set ``UPDATE``s from ``open``: exactly one press wins.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import utc_naive
from storage.incident_models import TalkRequest

OPEN = "open"


async def create_talk(*, session: AsyncSession, incident_id: int, route: str, requested_by: str,
                      at: datetime) -> TalkRequest:
    """A new open talk request (flushed: its id is set)."""
    talk = TalkRequest(incident_id=incident_id, route=route, requested_by=requested_by,
                       requested_at=utc_naive(at), state=OPEN)
    session.add(talk)
    await session.flush()
    return talk


async def get_talk(*, session: AsyncSession, talk_id: int) -> TalkRequest | None:
    return await session.get(TalkRequest, talk_id)


async def open_talk(*, session: AsyncSession, incident_id: int) -> TalkRequest | None:
    """The incident's talk request still waiting for someone, if any."""
    query = (select(TalkRequest)
             .where(col(TalkRequest.incident_id) == incident_id, col(TalkRequest.state) == OPEN)
             .order_by(col(TalkRequest.id)))
    return (await session.exec(query)).first()


async def talks_for(*, session: AsyncSession, incident_id: int) -> list[TalkRequest]:
    query = select(TalkRequest).where(col(TalkRequest.incident_id) == incident_id).order_by(col(TalkRequest.id))
    return list((await session.exec(query)).all())


async def close_talk(*, session: AsyncSession, talk_id: int, state: str, actor: str, at: datetime) -> bool:
    """``accepted`` (by ``actor``) or ``cancelled``; True iff it was still open."""
    values: dict[str, object] = {"state": state, "closed_at": utc_naive(at)}
    if state == "accepted":
        values["accepted_by"] = actor
    result = await session.exec(
        update(TalkRequest)
        .where(col(TalkRequest.id) == talk_id, col(TalkRequest.state) == OPEN)
        .values(**values)
    )
    return result.rowcount == 1


async def set_route(*, session: AsyncSession, talk_id: int, route: str) -> None:
    """An open request kept while its report was held now goes to ``route``."""
    await session.exec(update(TalkRequest).where(col(TalkRequest.id) == talk_id, col(TalkRequest.state) == OPEN)
                       .values(route=route))
