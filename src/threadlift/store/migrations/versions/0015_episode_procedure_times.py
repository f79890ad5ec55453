"""the procedure's start and end on the episode's row, beside its document: the day's board reads them
without parsing each episode's document (issue 12); existing episodes get them from their documents

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 23:20:00
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

COLUMNS = ('procedure_started_at', 'procedure_ended_at')


def upgrade() -> None:
    # Added in place, not in batch mode: a batch copy of ``episodes`` would drop its locking triggers (0010).
    for name in COLUMNS:
        op.add_column('episodes', sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    # From the documents (frozen reading: the document layout of this revision). The triggers guard
    # UPDATE OF document only, so locked episodes take their times too.
    connection = op.get_bind()
    episodes = sa.table('episodes', sa.column('id', sa.String), sa.column('document', sa.JSON),
                        *(sa.column(name, sa.DateTime(timezone=True)) for name in COLUMNS))
    for episode_id, document in connection.execute(sa.select(episodes.c.id, episodes.c.document)):
        if isinstance(document, str):
            document = json.loads(document)
        procedure = document.get('procedure') or {}
        times = {f'procedure_{part}_at': _utc(procedure.get(f'{part}_at')) for part in ('started', 'ended')}
        if any(times.values()):
            connection.execute(sa.update(episodes).where(episodes.c.id == episode_id).values(**times))


def _utc(text: str | None) -> datetime | None:
    """An instant as the document keeps it (ISO 8601), in UTC as the store writes instants."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace('Z', '+00:00'))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def downgrade() -> None:
    for name in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":  # SQLite 3.35+ drops a column in place (no batch copy)
            op.execute(f"ALTER TABLE episodes DROP COLUMN {name}")
        else:
            op.drop_column('episodes', name)
