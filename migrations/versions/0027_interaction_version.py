"""Interactions get a version column (optimistic locking for the API's ETag/If-Match)

Revision ID: 0027_interaction_version
Revises: 0023_firm_former_names
Create Date: 2026-12-05 01:35:00

Issue 18: support interactions were last-write-wins in the API; firms, partners and
opportunities already lock on a version column. Existing rows start at version 1.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_interaction_version'
down_revision = '0023_firm_former_names'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_column('version')
