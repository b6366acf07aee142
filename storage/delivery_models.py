"""The tables of delivery and scheduled work: jobs, the outbox, the workers that send it,
where to reach people and channels (conversation references, channel registrations) and
the idempotency keys of inbound deliveries.

Every datetime is naive UTC; outbox payloads are :class:`storage.crypto.EncryptedText`
(see :mod:`storage.models`, which registers every table).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.columns import EncryptedText, UTCNaiveDateTime

PENDING = text("state = 'pending'")  # partial indexes hold only the rows still to run
SENDING = text("state = 'sending'")


class Job(SQLModel, table=True):
    """Scheduled work: deadlines, re-notifications, pages, reminders, check-ins."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_due", "state", "due_at"),
        # the claim's index: only pending rows, in claim order (100,000 waiting check-ins
        # cost nothing until they fall due)
        Index("ix_jobs_pending", "due_at", "id", sqlite_where=PENDING, postgresql_where=PENDING),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, index=True, foreign_key="incidents.id")
    kind: str = Field(max_length=32)  # renotify | page | remind_owner | remind_channel | ask_join | checkin
    key: str = Field(unique=True, max_length=200)  # idempotency key, e.g. "INC-…:renotify:1"
    due_at: datetime = Field(sa_type=UTCNaiveDateTime)
    state: str = Field(default="pending", max_length=16)  # pending | claimed | done | cancelled
    lease_until: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    answer: str | None = Field(default=None, max_length=32)  # check-ins: ok | talk | stop
    answered_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxMessage(SQLModel, table=True):
    """A message to send. Payload is the serialized neutral message (ciphertext with a key)."""

    __tablename__ = "outbox"
    __table_args__ = (
        # the claim's index: pending rows in claim order (see storage.outbox.claim_messages)
        Index("ix_outbox_pending", "priority", "due_at", "id", sqlite_where=PENDING, postgresql_where=PENDING),
        # the watchdog's: leases of rows being sent
        Index("ix_outbox_leases", "lease_until", sqlite_where=SENDING, postgresql_where=SENDING),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, index=True, foreign_key="incidents.id")
    platform: str = Field(max_length=16)
    kind: str = Field(max_length=32)
    op: str = Field(default="post", max_length=16)  # post | update | notify
    audience: str = Field(max_length=16)  # reporter | supervisors | escalation | hr | user
    site: str | None = Field(default=None, max_length=64)  # the site whose channel a channel post goes to
    user_id: str | None = Field(default=None, max_length=128)
    reply_to: int | None = None  # outbox id of the post to thread under or to update
    payload: str = Field(sa_column=Column(EncryptedText, nullable=False))
    state: str = Field(default="pending", max_length=16)  # pending | sending | sent | dead
    due_at: datetime = Field(sa_type=UTCNaiveDateTime)
    # claim order before due_at: 0 urgent, 1 direct messages, 2 normal, 3 held (storage.outbox)
    priority: int = Field(default=2, sa_column_kwargs={"server_default": "2"})
    lease_until: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    sent_ref: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(sa_type=UTCNaiveDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    dead_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)


class ConversationRef(SQLModel, table=True):
    """Where to reach someone or something later (Teams conversation references, channels)."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("platform", "key", name="uq_conversation_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    key: str = Field(max_length=200)  # "user:<id>", "channel:supervisors", "channel:escalation"
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_type=UTCNaiveDateTime)


class ChannelRegistration(SQLModel, table=True):
    """A channel registered for a site's supervisors or escalation, or for HR (``site`` = "").

    ``channel_id`` is the Slack channel id or the Teams channel id; ``data`` holds what the
    platform needs to post there (Teams: team id, tenant, serviceUrl). Ids only, no names."""

    __tablename__ = "channel_registrations"
    __table_args__ = (UniqueConstraint("platform", "role", "site", name="uq_channel_registration"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    role: str = Field(max_length=16)  # supervisors | escalation | hr
    site: str = Field(default="", max_length=64)
    channel_id: str = Field(max_length=200)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    registered_by: str = Field(max_length=128)
    registered_at: datetime = Field(sa_type=UTCNaiveDateTime)


class Dedup(SQLModel, table=True):
    """Idempotency keys for inbound deliveries (Events API event ids, Teams activity ids)."""

    __tablename__ = "dedup"

    key: str = Field(primary_key=True, max_length=200)
    at: datetime = Field(index=True, sa_type=UTCNaiveDateTime)


class Worker(SQLModel, table=True):
    """A process that sends outbox rows, and when it last said it was alive (wall time).

    Rows a worker left in ``sending`` are re-queued as soon as its heartbeat is stale,
    without waiting for their lease (:func:`storage.outbox_upkeep.rescue_orphaned`)."""

    __tablename__ = "workers"

    id: str = Field(primary_key=True, max_length=64)
    started_at: datetime = Field(sa_type=UTCNaiveDateTime)
    beat_at: datetime = Field(index=True, sa_type=UTCNaiveDateTime)
