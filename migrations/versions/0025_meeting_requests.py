"""Meeting requests: priority, expiry, who answered; a request quota per event; counterparts'
markets, required certifications and contact e-mail

Revision ID: 0025_meeting_requests
Revises: 0024_meeting_agenda
Create Date: 2026-12-05 00:40:00

Issue 20, requests and the enterprise portal. Written beside 0024 and 0026, chained after them
at the merge.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_meeting_requests'
down_revision = '0024_meeting_agenda'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_quota', sa.Integer(), nullable=True))

    with op.batch_alter_table('meeting_counterparts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('markets', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('required_certifications', sa.JSON(), server_default='[]',
                                      nullable=False))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=255), nullable=True))

    with op.batch_alter_table('meeting_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.String(length=10), server_default='meet',
                                      nullable=False))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meeting_requests_answered_by_id_users'),
                                    'users', ['answered_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('meeting_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meeting_requests_answered_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('answered_by_id')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('priority')

    with op.batch_alter_table('meeting_counterparts', schema=None) as batch_op:
        batch_op.drop_column('contact_email')
        batch_op.drop_column('required_certifications')
        batch_op.drop_column('markets')

    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.drop_column('request_quota')
