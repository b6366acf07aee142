"""The register's tables: customers no longer served and the register's own audit log; and
``haven_settings``, facts about the stored data (which key made the customer hashes).

Every datetime is naive UTC; references and lift reasons are
:class:`storage.crypto.EncryptedText` (see :mod:`storage.models`, which registers every table).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from storage.columns import EncryptedText, UTCNaiveDateTime


class RegisterEntry(SQLModel, table=True):
    """A customer no longer served (spec 8.5): matched by keyed hash, never by name."""

    __tablename__ = "register_entries"

    id: int | None = Field(default=None, primary_key=True)
    customer_hash: str = Field(index=True, max_length=128)
    customer_ref: str | None = Field(default=None, sa_column=Column(EncryptedText))
    platform: str = Field(max_length=16)  # where review requests go
    scope: str = Field(max_length=64)  # a site id, or "all"
    since: datetime = Field(sa_type=UTCNaiveDateTime)
    review_on: date
    incidents: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # INC-… refs
    approvers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="active", index=True, max_length=16)  # active | lifted
    lifted_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    lifted_by: str | None = Field(default=None, max_length=128)
    lift_reason: str | None = Field(default=None, sa_column=Column(EncryptedText))
    pending: str | None = Field(default=None, max_length=16)  # extend | lift | widen, awaiting a second HR member
    pending_by: str | None = Field(default=None, max_length=128)


class RegisterEvent(SQLModel, table=True):
    """The register's own audit log: ids and kinds only, never a reference."""

    __tablename__ = "register_events"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int | None = Field(default=None, index=True)
    kind: str = Field(max_length=32)  # registered | register_checked | register_lifted | …
    actor: str = Field(max_length=128)
    at: datetime = Field(index=True, sa_type=UTCNaiveDateTime)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Setting(SQLModel, table=True):
    """Facts about the stored data itself (e.g. which key made the customer hashes)."""

    __tablename__ = "haven_settings"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)
