"""a photo marked as entered in error: why, by whom and when, on its row; the photo itself is kept, never
measured, compared or planned on again (issue 14)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('photos', sa.Column('entered_in_error', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place (no batch copy)
        op.execute("ALTER TABLE photos DROP COLUMN entered_in_error")
        return
    op.drop_column('photos', 'entered_in_error')
