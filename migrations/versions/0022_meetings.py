"""B2B meetings: events of an opportunity, sessions, interpreters, participants, requests,
meetings

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-04 22:57:32

Issue 20, first subset. down_revision is 0020: 0021 is added in parallel and the chain is
re-linked when both are merged.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('location', sa.String(length=255), nullable=True),
    sa.Column('tables', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], name=op.f('fk_meeting_events_opportunity_id_opportunities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_events'))
    )
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_events_opportunity_id'), ['opportunity_id'], unique=False)

    op.create_table('meeting_counterparts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('products_sought', sa.Text(), nullable=True),
    sa.Column('hs_prefixes', sa.JSON(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('session_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_meeting_counterparts_country_code_countries')),
    sa.ForeignKeyConstraint(['event_id'], ['meeting_events.id'], name=op.f('fk_meeting_counterparts_event_id_meeting_events')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_meeting_counterparts_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_counterparts'))
    )
    with op.batch_alter_table('meeting_counterparts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_counterparts_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_counterparts_partner_id'), ['partner_id'], unique=False)

    op.create_table('meeting_firms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('session_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['meeting_events.id'], name=op.f('fk_meeting_firms_event_id_meeting_events')),
    sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_meeting_firms_firm_id_firms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_firms')),
    sa.UniqueConstraint('event_id', 'firm_id', name=op.f('uq_meeting_firms_event_id'))
    )
    with op.batch_alter_table('meeting_firms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_firms_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_firms_firm_id'), ['firm_id'], unique=False)

    op.create_table('meeting_interpreters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['meeting_events.id'], name=op.f('fk_meeting_interpreters_event_id_meeting_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_interpreters'))
    )
    with op.batch_alter_table('meeting_interpreters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_interpreters_event_id'), ['event_id'], unique=False)

    op.create_table('meeting_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['meeting_events.id'], name=op.f('fk_meeting_sessions_event_id_meeting_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_sessions'))
    )
    with op.batch_alter_table('meeting_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_sessions_event_id'), ['event_id'], unique=False)

    op.create_table('meeting_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('event_firm_id', sa.Integer(), nullable=False),
    sa.Column('counterpart_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['counterpart_id'], ['meeting_counterparts.id'], name=op.f('fk_meeting_requests_counterpart_id_meeting_counterparts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_requests_created_by_id_users')),
    sa.ForeignKeyConstraint(['event_firm_id'], ['meeting_firms.id'], name=op.f('fk_meeting_requests_event_firm_id_meeting_firms')),
    sa.ForeignKeyConstraint(['event_id'], ['meeting_events.id'], name=op.f('fk_meeting_requests_event_id_meeting_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_requests')),
    sa.UniqueConstraint('event_firm_id', 'counterpart_id', name=op.f('uq_meeting_requests_event_firm_id'))
    )
    with op.batch_alter_table('meeting_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_requests_counterpart_id'), ['counterpart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_requests_event_firm_id'), ['event_firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_requests_event_id'), ['event_id'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('slot_index', sa.Integer(), nullable=False),
    sa.Column('table_no', sa.Integer(), nullable=False),
    sa.Column('interpreter_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['interpreter_id'], ['meeting_interpreters.id'], name=op.f('fk_meetings_interpreter_id_meeting_interpreters')),
    sa.ForeignKeyConstraint(['request_id'], ['meeting_requests.id'], name=op.f('fk_meetings_request_id_meeting_requests')),
    sa.ForeignKeyConstraint(['session_id'], ['meeting_sessions.id'], name=op.f('fk_meetings_session_id_meeting_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings')),
    sa.UniqueConstraint('request_id', name=op.f('uq_meetings_request_id'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_session_id'))

    op.drop_table('meetings')
    with op.batch_alter_table('meeting_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_requests_event_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_requests_event_firm_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_requests_counterpart_id'))

    op.drop_table('meeting_requests')
    with op.batch_alter_table('meeting_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_sessions_event_id'))

    op.drop_table('meeting_sessions')
    with op.batch_alter_table('meeting_interpreters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_interpreters_event_id'))

    op.drop_table('meeting_interpreters')
    with op.batch_alter_table('meeting_firms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_firms_firm_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_firms_event_id'))

    op.drop_table('meeting_firms')
    with op.batch_alter_table('meeting_counterparts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_counterparts_partner_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_counterparts_event_id'))

    op.drop_table('meeting_counterparts')
    with op.batch_alter_table('meeting_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_events_opportunity_id'))

    op.drop_table('meeting_events')
