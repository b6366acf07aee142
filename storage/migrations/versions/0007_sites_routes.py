"""sites and routes: the incident's site, route and reported_for; the outbox row's site;
channel registrations per site (spec 8.2)

Revision ID: 0007_sites
Revises: 0006_records
Create Date: 2026-11-30 10:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.columns
import storage.crypto


revision: str = '0007_sites'
down_revision: Union[str, Sequence[str], None] = '0006_records'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('channel_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('site', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('registered_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('registered_at', storage.columns.UTCNaiveDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'role', 'site', name='uq_channel_registration')
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('route', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='line'))
        batch_op.add_column(sa.Column('reported_for', storage.crypto.EncryptedText(), nullable=True))
        batch_op.create_index(batch_op.f('ix_incidents_site'), ['site'], unique=False)
    # The server default 'line' stays: dropping it would make SQLite rebuild the incidents
    # table, which other tables' rows reference (foreign keys are on).
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('site')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_site'))
        batch_op.drop_column('reported_for')
        batch_op.drop_column('route')
        batch_op.drop_column('site')
    op.drop_table('channel_registrations')
