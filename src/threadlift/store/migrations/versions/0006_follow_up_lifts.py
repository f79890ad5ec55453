"""follow-up lifts: each area's lift at a follow-up photo against the baseline, for the durability figures

The lift per area and side that a comparison measures (OUT-02) is kept, so the outcome statistics
(issue 18: Kaplan-Meier of "lift still at least X mm") read it without comparing photos again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'follow_up_lifts',
        sa.Column('after_photo_id', sa.String(length=36), nullable=False),
        sa.Column('area', sa.String(length=40), nullable=False),
        sa.Column('side', sa.String(length=10), nullable=False),
        sa.Column('before_photo_id', sa.String(length=36), nullable=False),
        sa.Column('episode_id', sa.String(length=36), nullable=False),
        sa.Column('patient_id', sa.String(length=36), nullable=False),
        sa.Column('days_after_procedure', sa.Integer(), nullable=False),
        sa.Column('lift_mm', sa.Float(), nullable=False),
        sa.Column('uncertainty_mm', sa.Float(), nullable=False),
        sa.Column('engine_version', sa.String(length=40), nullable=False),
        sa.Column('measured_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['after_photo_id'], ['photos.id'], name=op.f('fk_follow_up_lifts_after_photo_id_photos')),
        sa.ForeignKeyConstraint(['before_photo_id'], ['photos.id'], name=op.f('fk_follow_up_lifts_before_photo_id_photos')),
        sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_follow_up_lifts_episode_id_episodes')),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_follow_up_lifts_patient_id_patients')),
        sa.PrimaryKeyConstraint('after_photo_id', 'area', 'side', name=op.f('pk_follow_up_lifts')),
    )
    with op.batch_alter_table('follow_up_lifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_lifts_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_lifts_patient_id'), ['patient_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('follow_up_lifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_lifts_patient_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_lifts_episode_id'))
    op.drop_table('follow_up_lifts')
