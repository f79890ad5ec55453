"""record locks in the store: a signed consent, a procedure record once ended and a discharge cannot be
changed by any UPDATE, and a consent form's text is never rewritten (issue 13)

The domain refuses these changes already (RecordLocked); the triggers refuse them for every writer,
a bulk UPDATE included (GNU Health's write lock once checked only the first record of a batch). An
episode is one JSON document: the locked parts are its "consent" (once signed), its "procedure" (once
it has an end time) and its "discharge" (once recorded); each must stay as it is, byte for byte on
SQLite, value for value on PostgreSQL (jsonb). Corrections after signing are amendments, stored beside
the record, never an edit of it.

SQLite drops a table's triggers when Alembic's batch mode copies the table: a later migration that
alters ``episodes`` or ``consent_documents`` in batch mode must create these triggers again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

LOCKED = "record_locked"

SQLITE_TRIGGERS = {
    "episodes_signed_consent_locked": f"""
        CREATE TRIGGER episodes_signed_consent_locked BEFORE UPDATE OF document ON episodes
        WHEN json_type(OLD.document, '$.consent') = 'object'
         AND json_extract(NEW.document, '$.consent') IS NOT json_extract(OLD.document, '$.consent')
        BEGIN SELECT RAISE(ABORT, '{LOCKED}: a signed consent cannot be changed'); END""",
    "episodes_ended_procedure_locked": f"""
        CREATE TRIGGER episodes_ended_procedure_locked BEFORE UPDATE OF document ON episodes
        WHEN json_type(OLD.document, '$.procedure.ended_at') = 'text'
         AND json_extract(NEW.document, '$.procedure') IS NOT json_extract(OLD.document, '$.procedure')
        BEGIN SELECT RAISE(ABORT, '{LOCKED}: an ended procedure record cannot be changed'); END""",
    "episodes_discharge_locked": f"""
        CREATE TRIGGER episodes_discharge_locked BEFORE UPDATE OF document ON episodes
        WHEN json_type(OLD.document, '$.discharge') = 'object'
         AND json_extract(NEW.document, '$.discharge') IS NOT json_extract(OLD.document, '$.discharge')
        BEGIN SELECT RAISE(ABORT, '{LOCKED}: a discharge record cannot be changed'); END""",
    "consent_documents_locked": f"""
        CREATE TRIGGER consent_documents_locked BEFORE UPDATE ON consent_documents
        BEGIN SELECT RAISE(ABORT, '{LOCKED}: a consent form version is never rewritten; add a new version'); END""",
}

POSTGRESQL = f"""
CREATE FUNCTION threadlift_episode_locks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_doc jsonb := OLD.document::jsonb;
    new_doc jsonb := NEW.document::jsonb;
BEGIN
    IF jsonb_typeof(old_doc -> 'consent') = 'object'
       AND (new_doc -> 'consent') IS DISTINCT FROM (old_doc -> 'consent') THEN
        RAISE EXCEPTION '{LOCKED}: a signed consent cannot be changed (episode %)', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF jsonb_typeof(old_doc -> 'procedure' -> 'ended_at') = 'string'
       AND (new_doc -> 'procedure') IS DISTINCT FROM (old_doc -> 'procedure') THEN
        RAISE EXCEPTION '{LOCKED}: an ended procedure record cannot be changed (episode %)', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF jsonb_typeof(old_doc -> 'discharge') = 'object'
       AND (new_doc -> 'discharge') IS DISTINCT FROM (old_doc -> 'discharge') THEN
        RAISE EXCEPTION '{LOCKED}: a discharge record cannot be changed (episode %)', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER episodes_locked_parts BEFORE UPDATE OF document ON episodes
    FOR EACH ROW EXECUTE FUNCTION threadlift_episode_locks();
CREATE FUNCTION threadlift_consent_documents_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{LOCKED}: a consent form version is never rewritten; add a new version'
        USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER consent_documents_locked BEFORE UPDATE ON consent_documents
    FOR EACH ROW EXECUTE FUNCTION threadlift_consent_documents_locked();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL)
        return
    for statement in SQLITE_TRIGGERS.values():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS consent_documents_locked ON consent_documents")
        op.execute("DROP TRIGGER IF EXISTS episodes_locked_parts ON episodes")
        op.execute("DROP FUNCTION IF EXISTS threadlift_consent_documents_locked()")
        op.execute("DROP FUNCTION IF EXISTS threadlift_episode_locks()")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
