"""B2B meetings on the day and after: check-in, each side's held / no-show answer, feedback,
the support-log entry of a held meeting, the event's time zone

Revision ID: 0026_meeting_attendance
Revises: 0021
Create Date: 2026-12-05 00:23:15

Issue 20 (agendas, on the day and after). Chained after the current head (0021, which itself
follows 0022); re-linked when the parallel meeting branches are merged.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_meeting_attendance'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('event_firm_id', sa.Integer(), nullable=True),
    sa.Column('counterpart_id', sa.Integer(), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_meeting_checkins_by_id_users')),
    sa.ForeignKeyConstraint(['counterpart_id'], ['meeting_counterparts.id'], name=op.f('fk_meeting_checkins_counterpart_id_meeting_counterparts')),
    sa.ForeignKeyConstraint(['event_firm_id'], ['meeting_firms.id'], name=op.f('fk_meeting_checkins_event_firm_id_meeting_firms')),
    sa.ForeignKeyConstraint(['event_id'], ['meeting_events.id'], name=op.f('fk_meeting_checkins_event_id_meeting_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_checkins')),
    sa.UniqueConstraint('counterpart_id', 'day', name=op.f('uq_meeting_checkins_counterpart_id')),
    sa.UniqueConstraint('event_firm_id', 'day', name=op.f('uq_meeting_checkins_event_firm_id'))
    )
    with op.batch_alter_table('meeting_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_checkins_event_id'), ['event_id'], unique=False)

    op.create_table('meeting_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('interest', sa.Integer(), nullable=False),
    sa.Column('next_step', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('given_by', sa.String(length=20), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_meeting_feedback_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_feedback_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_meeting_feedback_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_feedback')),
    sa.UniqueConstraint('meeting_id', name=op.f('uq_meeting_feedback_meeting_id'))
    )
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='Asia/Ho_Chi_Minh', nullable=False))

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('firm_answer', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('counterpart_answer', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('status_overridden', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('interaction_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meetings_interaction_id_interactions'), 'interactions', ['interaction_id'], ['id'])



def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meetings_interaction_id_interactions'), type_='foreignkey')
        batch_op.drop_column('interaction_id')
        batch_op.drop_column('status_overridden')
        batch_op.drop_column('counterpart_answer')
        batch_op.drop_column('firm_answer')

    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.drop_column('time_zone')

    op.drop_table('meeting_feedback')
    with op.batch_alter_table('meeting_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_checkins_event_id'))

    op.drop_table('meeting_checkins')
