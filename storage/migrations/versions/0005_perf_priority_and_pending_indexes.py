"""Outbox priority, partial indexes on pending rows (claims at 100,000 waiting rows), reports per person

Revision ID: 0005_perf
Revises: 0004_triage
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_perf"
down_revision: str | Sequence[str] | None = "0004_triage"  # the head of main when this was written
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state = 'pending'")
SENDING = sa.text("state = 'sending'")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="2", nullable=False))
    op.create_index("ix_outbox_pending", "outbox", ["priority", "due_at", "id"], unique=False,
                    sqlite_where=PENDING, postgresql_where=PENDING)
    op.create_index("ix_outbox_leases", "outbox", ["lease_until"], unique=False,
                    sqlite_where=SENDING, postgresql_where=SENDING)
    op.drop_index("ix_outbox_due", table_name="outbox")  # (state, due_at): the two above replace it
    op.create_index("ix_jobs_pending", "jobs", ["due_at", "id"], unique=False,
                    sqlite_where=PENDING, postgresql_where=PENDING)
    op.create_index("ix_incidents_reporter_reported", "incidents", ["reporter_id", "reported_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_incidents_reporter_reported", table_name="incidents")
    op.drop_index("ix_jobs_pending", table_name="jobs")
    op.create_index("ix_outbox_due", "outbox", ["state", "due_at"], unique=False)
    op.drop_index("ix_outbox_leases", table_name="outbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("priority")
