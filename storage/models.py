"""SQLModel tables. Every datetime is naive UTC (:class:`storage.columns.UTCNaiveDateTime`).

Free text columns (description, exact words, demands, location, evidence, customer
reference, reported for, register lift reasons, re-triage notes, outbox payloads) are
:class:`storage.crypto.EncryptedText` (``haven rotate-key`` finds them all by that type): they hold
ciphertext when an encryption key is configured and are decrypted transparently on
load with the cipher of the :class:`storage.db.Database` that runs the query.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.columns import EncryptedText, UTCNaiveDateTime
from storage.kinds import Status

PENDING = text("state = 'pending'")  # partial indexes hold only the rows still to run
SENDING = text("state = 'sending'")


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_reporter_reported", "reporter_id", "reported_at"),)  # flood control

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)  # INC-YYYY-NNNNNN
    intake_key: str | None = Field(default=None, unique=True, max_length=200)
    platform: str = Field(max_length=16)  # slack | teams | console
    reporter_id: str = Field(index=True, max_length=128)
    reporter_locale: str = Field(default="en", max_length=16)
    share_name: bool = True
    category: str = Field(max_length=64)
    severity: str = Field(max_length=64)
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=Status.OPEN.value, index=True, max_length=16)
    owner_id: str | None = Field(default=None, max_length=128)
    second_responder_id: str | None = Field(default=None, max_length=128)
    contact_channel: str | None = Field(default=None, max_length=32)
    occurred_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    held_minutes: int | None = None
    # free text (ciphertext when a key is configured)
    description: str | None = Field(default=None, sa_column=Column(EncryptedText))
    exact_words: str | None = Field(default=None, sa_column=Column(EncryptedText))
    demands: str | None = Field(default=None, sa_column=Column(EncryptedText))
    location: str | None = Field(default=None, sa_column=Column(EncryptedText))
    evidence: str | None = Field(default=None, sa_column=Column(EncryptedText))
    customer_ref: str | None = Field(default=None, sa_column=Column(EncryptedText))
    customer_hash: str | None = Field(default=None, index=True, max_length=128)
    reported_at: datetime = Field(index=True, sa_type=UTCNaiveDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    policy_version: str = Field(max_length=64)
    policy_snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    legal_hold: bool = False
    hold_released_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    version: int = 0  # bumped on every state change (compare-and-set)
    # ids of the policy's triage rules the report's words matched (spec 8.1)
    triage: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    # the audit trail's hash chain (storage.audit): the newest event's hash and how many
    chain_head: str | None = Field(default=None, max_length=64)
    event_count: int = 0
    # sites and routes (spec 8.2): None = the default site (installs without sites)
    site: str | None = Field(default=None, index=True, max_length=64)
    route: str = Field(default="line", max_length=16)  # line | hr | held (HR route, no HR channel yet)
    reported_for: str | None = Field(default=None, sa_column=Column(EncryptedText))


class Event(SQLModel, table=True):
    """Append-only audit trail: ids, kinds and options only in what the hash covers.

    ``note`` is the one free text an event may carry (a re-triage note): encrypted, kept
    beside the chained content (``detail`` says ``"note": true``), so re-encrypting it
    never touches the chain."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(index=True, foreign_key="incidents.id")
    kind: str = Field(max_length=32)
    actor: str = Field(max_length=128)
    option: str | None = Field(default=None, max_length=64)
    at: datetime = Field(sa_type=UTCNaiveDateTime)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    seq: int | None = None  # position in the incident's chain, 1-based (storage.audit)
    hash: str | None = Field(default=None, max_length=64)  # SHA-256(previous hash + canonical content)
    note: str | None = Field(default=None, sa_column=Column(EncryptedText))  # not in the hash


class Choice(SQLModel, table=True):
    """One row per incident and option: the unique key makes 'once per option' atomic."""

    __tablename__ = "choices"
    __table_args__ = (UniqueConstraint("incident_id", "option", name="uq_choice_incident_option"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    option: str = Field(max_length=64)
    actor: str = Field(max_length=128)
    at: datetime = Field(sa_type=UTCNaiveDateTime)
    state: str = Field(default="done", max_length=16)  # done | proposed | rejected


class Proposal(SQLModel, table=True):
    __tablename__ = "proposals"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(index=True, foreign_key="incidents.id")
    option: str = Field(max_length=64)
    proposer: str = Field(max_length=128)
    state: str = Field(default="pending", max_length=16)  # pending | approved | rejected
    decided_by: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(sa_type=UTCNaiveDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)


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


class TalkRequest(SQLModel, table=True):
    """An employee's request to talk to someone, held to ``care.respond_within`` (spec 8.3).

    ``route`` says who answers: ``supervisors`` (the line, paged to the escalation channel)
    or another route such as HR. States: ``open`` → ``accepted`` | ``cancelled``.
    """

    __tablename__ = "talk_requests"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(index=True, foreign_key="incidents.id")
    route: str = Field(default="supervisors", max_length=32)
    requested_by: str = Field(max_length=128)
    requested_at: datetime = Field(sa_type=UTCNaiveDateTime)
    state: str = Field(default="open", max_length=16)
    accepted_by: str | None = Field(default=None, max_length=128)
    closed_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)


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


class Counter(SQLModel, table=True):
    """Sequences for human incident ids, one row per year."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=64)
    value: int = 0


class Dedup(SQLModel, table=True):
    """Idempotency keys for inbound deliveries (Events API event ids, Teams activity ids)."""

    __tablename__ = "dedup"

    key: str = Field(primary_key=True, max_length=200)
    at: datetime = Field(index=True, sa_type=UTCNaiveDateTime)


class ReportVersion(SQLModel, table=True):
    """One version of a report's content: "add details" never overwrites (spec 8.4).

    The incident's own text columns hold the latest version (what alerts show); these
    rows keep every version, encrypted like the incident's."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("incident_id", "number", name="uq_report_version"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(index=True, foreign_key="incidents.id")
    number: int  # 1 = the original report
    author: str = Field(max_length=128)
    at: datetime = Field(sa_type=UTCNaiveDateTime)
    category: str = Field(max_length=64)
    contact_channel: str | None = Field(default=None, max_length=32)
    occurred_at: datetime | None = Field(default=None, sa_type=UTCNaiveDateTime)
    held_minutes: int | None = None
    description: str | None = Field(default=None, sa_column=Column(EncryptedText))
    exact_words: str | None = Field(default=None, sa_column=Column(EncryptedText))
    demands: str | None = Field(default=None, sa_column=Column(EncryptedText))
    location: str | None = Field(default=None, sa_column=Column(EncryptedText))
    evidence: str | None = Field(default=None, sa_column=Column(EncryptedText))
    customer_ref: str | None = Field(default=None, sa_column=Column(EncryptedText))


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
class Worker(SQLModel, table=True):
    """A process that sends outbox rows, and when it last said it was alive (wall time).

    Rows a worker left in ``sending`` are re-queued as soon as its heartbeat is stale,
    without waiting for their lease (:func:`storage.outbox_upkeep.rescue_orphaned`)."""

    __tablename__ = "workers"

    id: str = Field(primary_key=True, max_length=64)
    started_at: datetime = Field(sa_type=UTCNaiveDateTime)
    beat_at: datetime = Field(index=True, sa_type=UTCNaiveDateTime)


import storage.hr_models  # noqa: E402,F401  (the HR desk's tables on the same metadata)
