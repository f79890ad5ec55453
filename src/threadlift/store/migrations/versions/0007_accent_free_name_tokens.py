"""accent-free patient name tokens: each name word is also indexed without its accents, so a search
for "marta" finds "Márta" and one for "márta" finds "Marta" (issue 14)

Only rows are added; the downgrade removes the added tokens (those that differ from every word as
written), leaving the index as 0002 built it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:05:00
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_BATCH = 5000
_TOKENS = sa.table('patient_name_tokens', sa.column('token', sa.String), sa.column('search_name', sa.String),
                   sa.column('patient_id', sa.String))


def _folded(word: str) -> str:
    # A frozen copy of threadlift.store.repository.folded as it was when this migration was written.
    plain = unicodedata.normalize("NFKD", word)
    return "".join(c for c in plain if not unicodedata.combining(c)).lower()


def upgrade() -> None:
    connection = op.get_bind()
    existing = set(connection.execute(sa.select(_TOKENS.c.token, _TOKENS.c.search_name, _TOKENS.c.patient_id)))
    added = {(_folded(token), name, patient) for token, name, patient in existing} - existing
    rows = [{'token': token, 'search_name': name, 'patient_id': patient} for token, name, patient in sorted(added)]
    for start in range(0, len(rows), _BATCH):
        connection.execute(sa.insert(_TOKENS), rows[start:start + _BATCH])


def downgrade() -> None:
    connection = op.get_bind()
    rows = list(connection.execute(sa.select(_TOKENS.c.token, _TOKENS.c.search_name, _TOKENS.c.patient_id)))
    for token, name, patient in rows:
        if token not in _written(name):
            connection.execute(sa.delete(_TOKENS).where(_TOKENS.c.token == token, _TOKENS.c.search_name == name,
                                                       _TOKENS.c.patient_id == patient))


def _written(search_name: str) -> set[str]:
    # The tokens of 0002 (its frozen copy of name_tokens): the words as written and their parts.
    tokens = set()
    for word in search_name.split():
        tokens.add(word)
        tokens.update(part for part in re.split(r"[-'\u2019]", word)[1:] if part)
    return tokens
