"""outcome ratings: GAIS at follow-ups (OUT-01), the patient's report of the effect (OUT-03), follow-up times

Follow-ups gain the time they were recorded (for "how long was this patient followed") and the patient's
report of the effect; GAIS ratings get their own index table, each with its scale and anchor direction.
Existing follow-ups get their completion time from the episode documents.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('effect_noticeable', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('effect_lost_after_days', sa.Integer(), nullable=True))
    op.create_table(
        'gais_ratings',
        sa.Column('episode_id', sa.String(length=36), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('rater', sa.String(length=20), nullable=False),
        sa.Column('patient_id', sa.String(length=36), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('scale_name', sa.String(length=40), nullable=False),
        sa.Column('scale_version', sa.String(length=60), nullable=False),
        sa.Column('best_score', sa.Integer(), nullable=False),
        sa.Column('worst_score', sa.Integer(), nullable=False),
        sa.Column('standard_score', sa.Integer(), nullable=False),
        sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_gais_ratings_episode_id_episodes')),
        sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_gais_ratings_patient_id_patients')),
        sa.PrimaryKeyConstraint('episode_id', 'position', 'rater', name=op.f('pk_gais_ratings')),
    )
    with op.batch_alter_table('gais_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gais_ratings_patient_id'), ['patient_id'], unique=False)

    # Completion times from the episode documents (frozen reading: the document layout of this revision).
    connection = op.get_bind()
    episodes = sa.table('episodes', sa.column('id', sa.String), sa.column('document', sa.JSON))
    follow_ups = sa.table('follow_ups', sa.column('episode_id', sa.String), sa.column('position', sa.Integer),
                          sa.column('completed_at', sa.DateTime(timezone=True)))
    for episode_id, document in connection.execute(sa.select(episodes.c.id, episodes.c.document)):
        if isinstance(document, str):
            document = json.loads(document)
        for position, follow_up in enumerate(document.get('follow_ups') or []):
            completed = follow_up.get('completed_at')
            if completed:
                connection.execute(sa.update(follow_ups).where(follow_ups.c.episode_id == episode_id,
                                                               follow_ups.c.position == position)
                                   .values(completed_at=datetime.fromisoformat(completed.replace('Z', '+00:00'))))


def downgrade() -> None:
    with op.batch_alter_table('gais_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gais_ratings_patient_id'))
    op.drop_table('gais_ratings')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_column('effect_lost_after_days')
        batch_op.drop_column('effect_noticeable')
        batch_op.drop_column('completed_at')
