"""The HR desk's sign-in links and sessions (hashes only; see :mod:`storage.hr_models`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.hr_models import HrLoginToken, HrSession


@dataclass(frozen=True)
class Identity:
    """Who a link or a session belongs to."""

    platform: str
    user_id: str


@dataclass(frozen=True)
class SessionRow:
    identity: Identity
    csrf: str
    expires_at: datetime


async def add_login_token(*, session: AsyncSession, token_hash: str, identity: Identity,
                          now: datetime, expires_at: datetime) -> None:
    session.add(HrLoginToken(token_hash=token_hash, platform=identity.platform, user_id=identity.user_id,
                             created_at=now, expires_at=expires_at))
    await session.flush()


async def use_login_token(*, session: AsyncSession, token_hash: str, now: datetime) -> Identity | None:
    """Spend a link once: a conditional UPDATE, so two concurrent uses cannot both win."""
    result = await session.exec(
        update(HrLoginToken)
        .where(col(HrLoginToken.token_hash) == token_hash, col(HrLoginToken.used_at).is_(None),
               col(HrLoginToken.expires_at) > now)
        .values(used_at=now)
        .returning(col(HrLoginToken.platform), col(HrLoginToken.user_id))
    )
    row = result.first()
    return Identity(platform=row[0], user_id=row[1]) if row else None


async def add_session(*, session: AsyncSession, session_hash: str, csrf: str, identity: Identity,
                      now: datetime, expires_at: datetime) -> None:
    session.add(HrSession(session_hash=session_hash, csrf=csrf, platform=identity.platform,
                          user_id=identity.user_id, created_at=now, expires_at=expires_at))
    await session.flush()


async def get_session(*, session: AsyncSession, session_hash: str, now: datetime) -> SessionRow | None:
    row = (await session.exec(
        select(col(HrSession.platform), col(HrSession.user_id), col(HrSession.csrf), col(HrSession.expires_at))
        .where(col(HrSession.session_hash) == session_hash, col(HrSession.expires_at) > now)
    )).first()
    if row is None:
        return None
    return SessionRow(identity=Identity(platform=row[0], user_id=row[1]), csrf=row[2], expires_at=row[3])


async def end_session(*, session: AsyncSession, session_hash: str) -> None:
    await session.exec(delete(HrSession).where(col(HrSession.session_hash) == session_hash))


async def forget_expired(*, session: AsyncSession, now: datetime) -> None:
    """Links and sessions past their time are deleted (called at sign-in)."""
    await session.exec(delete(HrSession).where(col(HrSession.expires_at) <= now))
    await session.exec(delete(HrLoginToken).where(col(HrLoginToken.expires_at) <= now))
