"""patient name tokens: an index for patient search by name prefix; date of birth indexed; the audit head row

The audit trail's head row is created here rather than by the first append: on PostgreSQL, the row
of a read is appended by one self-committing statement that needs the head to lock.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 08:30:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_BATCH = 5000


def _tokens(search_name: str) -> set[str]:
    # A frozen copy of threadlift.store.repository.name_tokens as it was when this migration was written:
    # a migration must do the same thing however the application changes later.
    tokens = set()
    for word in search_name.split():
        tokens.add(word)
        tokens.update(part for part in re.split(r"[-'\u2019]", word)[1:] if part)
    return tokens


def upgrade() -> None:
    tokens = op.create_table(
        'patient_name_tokens',
        sa.Column('token', sa.String(length=201).with_variant(sa.String(length=201, collation='C'), 'postgresql'),
                  nullable=False),
        sa.Column('search_name', sa.String(length=201), nullable=False),
        sa.Column('patient_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'],
                                name=op.f('fk_patient_name_tokens_patient_id_patients')),
        sa.PrimaryKeyConstraint('token', 'search_name', 'patient_id', name=op.f('pk_patient_name_tokens')),
    )
    with op.batch_alter_table('patient_name_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patient_name_tokens_patient_id'), ['patient_id'], unique=False)
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patients_date_of_birth'), ['date_of_birth'], unique=False)

    connection = op.get_bind()
    patients = sa.table('patients', sa.column('id', sa.String), sa.column('search_name', sa.String))
    rows = []
    for patient_id, search_name in connection.execute(sa.select(patients.c.id, patients.c.search_name)):
        rows += [{'token': token, 'patient_id': patient_id, 'search_name': search_name}
                 for token in sorted(_tokens(search_name))]
    for start in range(0, len(rows), _BATCH):
        connection.execute(sa.insert(tokens), rows[start:start + _BATCH])

    head = sa.table('audit_head', sa.column('id', sa.Integer), sa.column('last_id', sa.Integer),
                    sa.column('last_hash', sa.String))
    if connection.execute(sa.select(sa.func.count()).select_from(head)).scalar_one() == 0:
        connection.execute(sa.insert(head).values(id=1, last_id=0, last_hash='0' * 64))  # the chain's genesis


def downgrade() -> None:
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patients_date_of_birth'))
    with op.batch_alter_table('patient_name_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patient_name_tokens_patient_id'))
    op.drop_table('patient_name_tokens')
