"""One-time sign-in links and sessions for the HR desk.

A link is ``HAVEN_PUBLIC_URL/hr/login?token=…``: 32 random bytes, valid 10 minutes,
spent on first use. A session id is another 32 random bytes in the ``haven_hr`` cookie
for 8 hours, with its own CSRF token. Only SHA-256 hashes are stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.model.ports import Clock
from storage import hr_desk
from storage.db import Database
from storage.hr_desk import Identity, SessionRow

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=8)
COOKIE = "haven_hr"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


@dataclass(frozen=True)
class NewSession:
    session_id: str  # the cookie value; never stored
    csrf: str


@dataclass
class SignIn:
    db: Database
    clock: Clock
    public_url: str

    async def issue_link(self, identity: Identity) -> str:
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        async with self.db.session() as session:
            await hr_desk.add_login_token(session=session, token_hash=digest(token), identity=identity,
                                          now=now, expires_at=now + LINK_LIFETIME)
            await session.commit()
        return f"{self.public_url.rstrip('/')}/hr/login?token={token}"

    async def sign_in(self, token: str) -> tuple[Identity, NewSession] | None:
        """Spend the link and open a fresh session (a new id at every sign-in: no fixation)."""
        if not token or len(token) > 128:
            return None
        now = self.clock.now()
        async with self.db.session() as session:
            identity = await hr_desk.use_login_token(session=session, token_hash=digest(token), now=now)
            if identity is None:
                await session.commit()
                return None
            fresh = NewSession(session_id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(24))
            await hr_desk.forget_expired(session=session, now=now)
            await hr_desk.add_session(session=session, session_hash=digest(fresh.session_id), csrf=fresh.csrf,
                                      identity=identity, now=now, expires_at=now + SESSION_LIFETIME)
            await session.commit()
        return identity, fresh

    async def current(self, session_id: str | None) -> SessionRow | None:
        if not session_id or len(session_id) > 128:
            return None
        async with self.db.session() as session:
            return await hr_desk.get_session(session=session, session_hash=digest(session_id), now=self.clock.now())

    async def sign_out(self, session_id: str) -> None:
        async with self.db.session() as session:
            await hr_desk.end_session(session=session, session_hash=digest(session_id))
            await session.commit()
