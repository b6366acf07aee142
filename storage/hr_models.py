"""Tables of the HR desk: one-time sign-in links and signed-in sessions.

Only SHA-256 hashes of tokens and session ids are stored: a copy of the database never
signs anyone in.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.columns import UTCNaiveDateTime


class HrLoginToken(SQLModel, table=True):
    __tablename__ = "hr_login_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UTCNaiveDateTime)
    expires_at: datetime = Field(sa_type=UTCNaiveDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)


class HrSession(SQLModel, table=True):
    __tablename__ = "hr_sessions"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(unique=True, max_length=64)
    csrf: str = Field(max_length=64)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UTCNaiveDateTime)
    expires_at: datetime = Field(index=True, sa_type=UTCNaiveDateTime)
