"""appointments: follow-ups booked at a time, with a clinician and a room, and their history

Issue 14 item 5: reception books a follow-up window of the schedule; reschedules and cancellations keep
the booking, with their reasons, in ``history``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'appointments',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('patient_id', sa.String(length=36), nullable=False),
        sa.Column('episode_id', sa.String(length=36), nullable=False),
        sa.Column('follow_up', sa.Integer(), nullable=False),
        sa.Column('follow_up_name', sa.String(length=80), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('duration_minutes', sa.Integer(), nullable=False),
        sa.Column('clinician_id', sa.String(length=36), nullable=False),
        sa.Column('room', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('history', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['clinician_id'], ['users.id'], name=op.f('fk_appointments_clinician_id_users')),
        sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_appointments_episode_id_episodes')),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_appointments_patient_id_patients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        for column in ('clinician_id', 'episode_id', 'patient_id', 'starts_at', 'status'):
            batch_op.create_index(batch_op.f(f'ix_appointments_{column}'), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        for column in ('clinician_id', 'episode_id', 'patient_id', 'starts_at', 'status'):
            batch_op.drop_index(batch_op.f(f'ix_appointments_{column}'))
    op.drop_table('appointments')
