"""patient portal: one-time sign-in links, portal sessions, questionnaires, readings, check-ins, drafts of
adverse events from check-ins, and the outbox of e-mails (issue 17)

Every table is new; nothing existing changes, so the downgrade drops them and loses only portal data.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_link_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_link_requests'))
    )
    with op.batch_alter_table('portal_link_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_link_requests_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_link_requests_key_hash'), ['key_hash'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('to_address', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_outbox_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name='uq_outbox_dedupe_key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_status'), ['status'], unique=False)

    op.create_table('portal_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_portal_links_patient_id_patients')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_portal_links'))
    )
    with op.batch_alter_table('portal_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_links_patient_id'), ['patient_id'], unique=False)

    op.create_table('portal_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_portal_sessions_patient_id_patients')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_portal_sessions'))
    )
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_sessions_patient_id'), ['patient_id'], unique=False)

    op.create_table('check_ins',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('episode_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('after_hours', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('photo_id', sa.String(length=36), nullable=True),
    sa.Column('photo_quality_ok', sa.Boolean(), nullable=True),
    sa.Column('triage_status', sa.String(length=20), nullable=False),
    sa.Column('triage_level', sa.String(length=20), nullable=True),
    sa.Column('triage', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_check_ins_episode_id_episodes')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_check_ins_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins')),
    sa.UniqueConstraint('episode_id', 'name', name='uq_check_ins_episode_name')
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_ins_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_ins_opens_at'), ['opens_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_ins_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_ins_triage_status'), ['triage_status'], unique=False)

    op.create_table('portal_readings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('episode_id', sa.String(length=36), nullable=True),
    sa.Column('document', sa.String(length=80), nullable=False),
    sa.Column('version', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_portal_readings_episode_id_episodes')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_portal_readings_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_readings'))
    )
    with op.batch_alter_table('portal_readings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_readings_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_readings_patient_id'), ['patient_id'], unique=False)

    op.create_table('questionnaires',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('episode_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('questionnaire', sa.String(length=40), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=36), nullable=True),
    sa.Column('confirmed', sa.JSON(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_questionnaires_episode_id_episodes')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_questionnaires_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaires')),
    sa.UniqueConstraint('episode_id', 'questionnaire', name='uq_questionnaires_episode_questionnaire')
    )
    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaires_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaires_patient_id'), ['patient_id'], unique=False)

    op.create_table('draft_adverse_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('episode_id', sa.String(length=36), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('check_in_id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('tier', sa.String(length=1), nullable=False),
    sa.Column('onset_on', sa.Date(), nullable=False),
    sa.Column('lot_ids', sa.JSON(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=36), nullable=True),
    sa.Column('event_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['check_in_id'], ['check_ins.id'], name=op.f('fk_draft_adverse_events_check_in_id_check_ins')),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_draft_adverse_events_episode_id_episodes')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_draft_adverse_events_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_adverse_events')),
    sa.UniqueConstraint('check_in_id', name=op.f('uq_draft_adverse_events_check_in_id'))
    )
    with op.batch_alter_table('draft_adverse_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_adverse_events_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_draft_adverse_events_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_draft_adverse_events_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('draft_adverse_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_adverse_events_status'))
        batch_op.drop_index(batch_op.f('ix_draft_adverse_events_patient_id'))
        batch_op.drop_index(batch_op.f('ix_draft_adverse_events_episode_id'))

    op.drop_table('draft_adverse_events')
    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaires_patient_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaires_episode_id'))

    op.drop_table('questionnaires')
    with op.batch_alter_table('portal_readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_readings_patient_id'))
        batch_op.drop_index(batch_op.f('ix_portal_readings_episode_id'))

    op.drop_table('portal_readings')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_ins_triage_status'))
        batch_op.drop_index(batch_op.f('ix_check_ins_patient_id'))
        batch_op.drop_index(batch_op.f('ix_check_ins_opens_at'))
        batch_op.drop_index(batch_op.f('ix_check_ins_episode_id'))

    op.drop_table('check_ins')
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_sessions_patient_id'))

    op.drop_table('portal_sessions')
    with op.batch_alter_table('portal_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_links_patient_id'))

    op.drop_table('portal_links')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_patient_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_next_attempt_at'))

    op.drop_table('outbox')
    with op.batch_alter_table('portal_link_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_link_requests_key_hash'))
        batch_op.drop_index(batch_op.f('ix_portal_link_requests_at'))

    op.drop_table('portal_link_requests')
