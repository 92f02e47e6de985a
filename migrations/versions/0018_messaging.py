"""messages to firms (portal inbox) and the e-mail outbox

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-09 10:00:00

messages: one inbox item per firm and alert or reminder (dedupe_key unique), with read /
acknowledged / help-requested times, the support interaction a help request opened and the
officer's follow-up task. outbox_emails: one e-mail per address, sent by the worker after
commit (status, attempts, backoff, a unique idempotency key that is also its Message-ID).
Chained after 0015 (this worktree's head); the lead re-chains it after 0017 when merging.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.Integer(), nullable=True),
        sa.Column('recipient_user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('source_type', sa.String(length=30), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
        sa.Column('help_requested_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('help_note', sa.Text(), nullable=True),
        sa.Column('help_interaction_id', sa.Integer(), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['firm_id'], ['firms.id'],
                                name=op.f('fk_messages_firm_id_firms')),
        sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'],
                                name=op.f('fk_messages_recipient_user_id_users')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_messages_created_by_id_users')),
        sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'],
                                name=op.f('fk_messages_acknowledged_by_id_users')),
        sa.ForeignKeyConstraint(['help_interaction_id'], ['interactions.id'],
                                name=op.f('fk_messages_help_interaction_id_interactions')),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'],
                                name=op.f('fk_messages_task_id_tasks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_messages_dedupe_key')),
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_firm_created', ['firm_id', 'created_at'])
        batch_op.create_index('ix_messages_firm_read', ['firm_id', 'read_at'])
        batch_op.create_index('ix_messages_source', ['source_type', 'source_id'])
        batch_op.create_index(batch_op.f('ix_messages_recipient_user_id'),
                              ['recipient_user_id'])
    op.create_table(
        'outbox_emails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('to_address', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id'],
                                name=op.f('fk_outbox_emails_message_id_messages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_emails')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_emails_idempotency_key')),
    )
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_emails_due', ['status', 'next_attempt_at'])
        batch_op.create_index(batch_op.f('ix_outbox_emails_message_id'), ['message_id'])


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_emails_message_id'))
        batch_op.drop_index('ix_outbox_emails_due')
    op.drop_table('outbox_emails')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_recipient_user_id'))
        batch_op.drop_index('ix_messages_source')
        batch_op.drop_index('ix_messages_firm_read')
        batch_op.drop_index('ix_messages_firm_created')
    op.drop_table('messages')
