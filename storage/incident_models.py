"""The incident's tables: the incident itself, its audit events, choices, proposals, report
versions and talk requests, and the counter behind its human id (``INC-YYYY-NNNNNN``).

Every datetime is naive UTC; free text columns are :class:`storage.crypto.EncryptedText`
(see :mod:`storage.models`, which registers every table).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import EncryptedText, UTCNaiveDateTime
from storage.kinds import Status


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


class Counter(SQLModel, table=True):
    """Sequences for human incident ids, one row per year."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=64)
    value: int = 0


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
