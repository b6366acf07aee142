"""triage and care: the matched triage rule ids on each incident; talk requests

Revision ID: 0004_triage
Revises: 0003_opsrun_workers
Create Date: 2026-11-30 10:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.columns

revision: str = "0004_triage"
down_revision: Union[str, Sequence[str], None] = "0003_opsrun_workers"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("triage", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "talk_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("route", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("requested_at", storage.columns.UTCNaiveDateTime(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("accepted_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("closed_at", storage.columns.UTCNaiveDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("talk_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_talk_requests_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("talk_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talk_requests_incident_id"))
    op.drop_table("talk_requests")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("triage")
