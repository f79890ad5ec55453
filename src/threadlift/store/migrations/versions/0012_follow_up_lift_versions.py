"""follow-up lift versions: a pair compared again by another engine version is kept beside the first

``threadlift batch compare --vault`` (issue 18) writes each follow-up pair's lift per area under its own
engine version; the lifts measured before (on the outcome page, by an earlier engine) stay. The engine
version joins the primary key and grows to the length the batch runs' versions need.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('follow_up_lifts', schema=None) as batch_op:
        batch_op.alter_column('engine_version', existing_type=sa.String(length=40), type_=sa.String(length=120),
                              existing_nullable=False)
        batch_op.drop_constraint('pk_follow_up_lifts', type_='primary')
        batch_op.create_primary_key('pk_follow_up_lifts', ['after_photo_id', 'area', 'side', 'engine_version'])


def downgrade() -> None:
    # Only the latest measurement of each follow-up photo's area and side can stay under the old key (of two
    # made at the same instant, the later engine version in text order, as the durability figures read them),
    # its engine version cut to the old column's length.
    op.execute("DELETE FROM follow_up_lifts WHERE EXISTS (SELECT 1 FROM follow_up_lifts AS later "
               "WHERE later.after_photo_id = follow_up_lifts.after_photo_id AND later.area = follow_up_lifts.area "
               "AND later.side = follow_up_lifts.side AND (later.measured_at > follow_up_lifts.measured_at "
               "OR (later.measured_at = follow_up_lifts.measured_at "
               "AND later.engine_version > follow_up_lifts.engine_version)))")
    op.execute("UPDATE follow_up_lifts SET engine_version = substr(engine_version, 1, 40) "
               "WHERE length(engine_version) > 40")
    with op.batch_alter_table('follow_up_lifts', schema=None) as batch_op:
        batch_op.drop_constraint('pk_follow_up_lifts', type_='primary')
        batch_op.create_primary_key('pk_follow_up_lifts', ['after_photo_id', 'area', 'side'])
        batch_op.alter_column('engine_version', existing_type=sa.String(length=120), type_=sa.String(length=40),
                              existing_nullable=False)
