"""firm search: a firm's former names (firms.former_names)

Revision ID: 0023_firm_former_names
Revises: 0025_meeting_requests
Create Date: 2026-12-05 00:40:00

A JSON list of the firm's earlier legal (Vietnamese) names, newest last: the firm service
appends the old name when the name changes, officers may edit the list, and the search finds
a firm by a former name. No search document is rebuilt: every firm starts with none, and a
document without the former-names line reads as having none (crm.search.document.fields_of).

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023_firm_former_names'
down_revision = '0025_meeting_requests'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('former_names', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_column('former_names')
