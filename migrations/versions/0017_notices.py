"""regulatory and market notices, and the firms each one is matched to

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10 10:00:00

notices: one row per (source, external_id), with the record as received in `raw`;
notice_targets: the firms a notice concerns (tier, reasons), kept or removed by the officer,
and when the alert was sent.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=30), nullable=False),
        sa.Column('external_id', sa.String(length=120), nullable=False),
        sa.Column('measure', sa.String(length=30), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('markets', sa.JSON(), nullable=False),
        sa.Column('hs_codes', sa.JSON(), nullable=False),
        sa.Column('product_text', sa.Text(), nullable=True),
        sa.Column('identifiers', sa.JSON(), nullable=False),
        sa.Column('named_firms', sa.JSON(), nullable=False),
        sa.Column('severity', sa.String(length=10), nullable=False),
        sa.Column('published_on', sa.Date(), nullable=True),
        sa.Column('comment_deadline', sa.Date(), nullable=True),
        sa.Column('effective_on', sa.Date(), nullable=True),
        sa.Column('link', sa.String(length=1000), nullable=True),
        sa.Column('summary_vi', sa.Text(), nullable=True),
        sa.Column('raw', sa.JSON(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_notices_created_by_id_users')),
        sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'],
                                name=op.f('fk_notices_sent_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
        sa.UniqueConstraint('source', 'external_id', name=op.f('uq_notices_source')),
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_status_published', ['status', 'published_on'],
                              unique=False)

    op.create_table(
        'notice_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('tier', sa.String(length=10), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('kept', sa.Boolean(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['firm_id'], ['firms.id'],
                                name=op.f('fk_notice_targets_firm_id_firms')),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'],
                                name=op.f('fk_notice_targets_notice_id_notices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_targets')),
        sa.UniqueConstraint('notice_id', 'firm_id', name=op.f('uq_notice_targets_notice_id')),
    )
    with op.batch_alter_table('notice_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_targets_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_targets_notice_id'), ['notice_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('notice_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_targets_notice_id'))
        batch_op.drop_index(batch_op.f('ix_notice_targets_firm_id'))
    op.drop_table('notice_targets')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_status_published')
    op.drop_table('notices')
