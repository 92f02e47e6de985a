"""portfolios: a firm's responsible officer (firms.officer_id)

Revision ID: 0020
Revises: 0019
Create Date: 2027-01-20 09:00:00

"My firms" on the home page and the firm list, and bulk assignment from the list. Indexed:
the home page and the "my firms" filter read a portfolio by officer.

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('officer_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_firms_officer_id'), ['officer_id'], unique=False)
        batch_op.create_foreign_key('fk_firms_officer_id_users', 'users', ['officer_id'], ['id'])


def downgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_constraint('fk_firms_officer_id_users', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_firms_officer_id'))
        batch_op.drop_column('officer_id')
