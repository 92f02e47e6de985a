"""ranking index: a plain index on firms.updated_at for its per-request change check

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:40:00

crm/ranking.py asks on every ranking and firm page for max(firms.updated_at) and for the
firms changed since its last look, archived or not. ix_firms_list_updated leads with
`archived`, so both were sequential scans (~40 ms each at 100,000 firms on PostgreSQL).

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.create_index('ix_firms_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_index('ix_firms_updated_at')
