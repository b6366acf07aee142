"""event notes: a re-triage note leaves the chained ``detail`` for the event's own
encrypted ``note`` column, so ``haven rotate-key`` can re-encrypt it without touching
the audit chain.

Each stored note is moved as stored (ciphertext stays ciphertext: no key is needed) and
its ``detail`` keeps ``"note": true``. The chain of an incident that held such a note is
linked again from that event on — when it verified before the move; a chain already
broken is left broken (never repaired by a migration).

Revision ID: 0008_notes
Revises: 0007_sites
Create Date: 2026-12-02 10:00:00

"""
from collections.abc import Sequence
from typing import Any

from alembic import op
import sqlalchemy as sa
import storage.columns
import storage.crypto


revision: str = '0008_notes'
down_revision: str | Sequence[str] | None = '0007_sites'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INCIDENTS = sa.table('incidents', sa.column('id', sa.Integer()), sa.column('ref', sa.String()),
                      sa.column('chain_head', sa.String()), sa.column('event_count', sa.Integer()))
_EVENTS = sa.table('events', sa.column('id', sa.Integer()), sa.column('incident_id', sa.Integer()),
                   sa.column('kind', sa.String()), sa.column('actor', sa.String()),
                   sa.column('option', sa.String()), sa.column('at', storage.columns.UTCNaiveDateTime()),
                   sa.column('detail', sa.JSON()), sa.column('seq', sa.Integer()), sa.column('hash', sa.String()),
                   sa.column('note', sa.Text()))  # the stored form, as is


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', storage.crypto.EncryptedText(), nullable=True))
    _move_notes_out_of_the_chain()


def _digest(ref: str, previous: str, row: Any, detail: Any) -> str:
    from storage.audit import canonical, link

    return link(previous, canonical(ref=ref, seq=row.seq, kind=row.kind, actor=row.actor, option=row.option,
                                    at=row.at, detail=detail))


def _move_notes_out_of_the_chain() -> None:
    from storage.audit import GENESIS

    bind = op.get_bind()
    triaged = bind.execute(sa.select(_EVENTS.c.incident_id, _EVENTS.c.detail).where(_EVENTS.c.kind == 'triaged')).all()
    affected = sorted({row.incident_id for row in triaged if isinstance((row.detail or {}).get('note'), str)})
    for incident_id in affected:
        incident = bind.execute(sa.select(_INCIDENTS).where(_INCIDENTS.c.id == incident_id)).one()
        rows = bind.execute(sa.select(_EVENTS).where(_EVENTS.c.incident_id == incident_id)
                            .order_by(_EVENTS.c.seq, _EVENTS.c.id)).all()
        previous, intact = GENESIS, True
        for number, row in enumerate(rows, start=1):
            intact = intact and row.seq == number and _digest(incident.ref, previous, row, row.detail) == row.hash
            previous = row.hash or GENESIS
        intact = intact and incident.event_count == len(rows) and (incident.chain_head or GENESIS) == previous
        previous = GENESIS
        for row in rows:
            detail, values = dict(row.detail or {}), {}
            if isinstance(detail.get('note'), str):
                values['note'], detail['note'] = detail['note'], True
                values['detail'] = detail
            if intact:
                values['hash'] = _digest(incident.ref, previous, row, detail)
            if values:
                bind.execute(_EVENTS.update().where(_EVENTS.c.id == row.id).values(**values))
            previous = values.get('hash', row.hash) or GENESIS
        if intact:
            bind.execute(_INCIDENTS.update().where(_INCIDENTS.c.id == incident_id).values(chain_head=previous))


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('note')
