"""corrections are appended, never changed: an episode's signed amendments and its entries marked as
entered in error can be added to, but no UPDATE may change or remove one already recorded (issue 14)

Amendments and corrections live outside the locked parts of an episode (0010: the signed consent, the
ended procedure, the discharge), so they can be added after signing; these triggers keep them from being
rewritten in their turn, for every writer, a bulk UPDATE included. Each element already stored must be
there at the same position, unchanged (byte for byte on SQLite, value for value on PostgreSQL's jsonb).

SQLite drops a table's triggers when Alembic's batch mode copies the table: a later migration that
alters ``episodes`` in batch mode must create these triggers again (and 0010's).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

LOCKED = "record_locked"
LISTS = ("amendments", "entered_in_error")


def _changed_sqlite(key: str) -> str:
    return (f"EXISTS (SELECT 1 FROM json_each(OLD.document, '$.{key}') AS kept "
            f"WHERE kept.value IS NOT json_extract(NEW.document, '$.{key}[' || kept.key || ']'))")


SQLITE = f"""
CREATE TRIGGER episodes_corrections_appended BEFORE UPDATE OF document ON episodes
WHEN {' OR '.join(_changed_sqlite(key) for key in LISTS)}
BEGIN SELECT RAISE(ABORT, '{LOCKED}: an amendment or an entry marked in error is never changed or removed'); END"""


def _changed_postgresql(key: str) -> str:
    return (f"EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(old_doc -> '{key}', '[]'::jsonb)) "
            f"WITH ORDINALITY AS kept(value, n) "
            f"WHERE (new_doc -> '{key}' -> (kept.n - 1)::int) IS DISTINCT FROM kept.value)")


POSTGRESQL = f"""
CREATE FUNCTION threadlift_corrections_appended() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_doc jsonb := OLD.document::jsonb;
    new_doc jsonb := NEW.document::jsonb;
BEGIN
    IF {' OR '.join(_changed_postgresql(key) for key in LISTS)} THEN
        RAISE EXCEPTION '{LOCKED}: an amendment or an entry marked in error is never changed or removed '
                        '(episode %)', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER episodes_corrections_appended BEFORE UPDATE OF document ON episodes
    FOR EACH ROW EXECUTE FUNCTION threadlift_corrections_appended();
"""


def upgrade() -> None:
    op.execute(POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS episodes_corrections_appended ON episodes")
        op.execute("DROP FUNCTION IF EXISTS threadlift_corrections_appended()")
        return
    op.execute("DROP TRIGGER IF EXISTS episodes_corrections_appended")
