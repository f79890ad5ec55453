"""photo analysis versions: a stored photo analysed again by a later engine, kept beside the first analysis

``threadlift batch analyze --vault`` (issue 18) writes one row per photo and engine version; the analysis
made at upload stays in ``photos.analysis``, unchanged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'photo_analyses',
        sa.Column('photo_id', sa.String(length=36), nullable=False),
        sa.Column('engine_version', sa.String(length=120), nullable=False),
        sa.Column('analysed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('quality_ok', sa.Boolean(), nullable=False),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], name=op.f('fk_photo_analyses_photo_id_photos')),
        sa.PrimaryKeyConstraint('photo_id', 'engine_version', name=op.f('pk_photo_analyses')),
    )
    with op.batch_alter_table('photo_analyses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_analyses_engine_version'), ['engine_version'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('photo_analyses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_analyses_engine_version'))
    op.drop_table('photo_analyses')
