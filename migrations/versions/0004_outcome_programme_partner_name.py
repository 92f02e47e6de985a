"""outcomes: programme they count for, free-text partner name

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partner_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outcomes_programme_id'), ['programme_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outcomes_programme_id_programmes'), 'programmes', ['programme_id'], ['id'])


def downgrade():
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outcomes_programme_id_programmes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outcomes_programme_id'))
        batch_op.drop_column('programme_id')
        batch_op.drop_column('partner_name')
