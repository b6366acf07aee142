"""workers: a heartbeat row per outbox worker, so a dead worker's sends are re-queued at once

Revision ID: 0003_opsrun_workers
Revises: 0002_hrdesk
Create Date: 2026-11-30 10:10:00

"""
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.columns


revision: str = '0003_opsrun_workers'
down_revision: str | Sequence[str] | None = '0002_hrdesk'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('workers',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('started_at', storage.columns.UTCNaiveDateTime(), nullable=False),
    sa.Column('beat_at', storage.columns.UTCNaiveDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workers_beat_at'), ['beat_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workers_beat_at'))
    op.drop_table('workers')
