"""B2B meetings: the event's tables grouped in rooms (halls), so the scheduler leaves a free
slot to a participant who changes rooms

Revision ID: 0028_meeting_rooms
Revises: 0027_interaction_version
Create Date: 2026-12-05 01:45:00

Issue 20, rooms on the event form.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_meeting_rooms'
down_revision = '0027_interaction_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rooms', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.drop_column('rooms')
