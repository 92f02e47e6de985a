"""B2B meetings: preliminary / final agenda, meetings published or moved by hand

Revision ID: 0024_meeting_agenda
Revises: 0026_meeting_attendance
Create Date: 2026-12-05 00:35:00

Issue 20, the scheduler part. Written beside 0026 (the meeting day) and chained after it at
the merge.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_meeting_agenda'
down_revision = '0026_meeting_attendance'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda_published_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('moved_by_hand', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('moved_by_hand')
        batch_op.drop_column('published_at')
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.drop_column('agenda_published_at')
