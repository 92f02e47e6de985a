"""firm list: indexes for sorted, filtered pages and text search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.create_index('ix_firms_list_name', ['archived', 'name_search', 'id'], unique=False)
        batch_op.create_index('ix_firms_list_updated', ['archived', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_firms_list_province', ['archived', 'province_code', 'name_search', 'id'], unique=False)
        batch_op.create_index('ix_firms_list_size', ['archived', 'size_class', 'name_search', 'id'], unique=False)
        # SQLite scans this narrow copy for text searches; empty on PostgreSQL (see Firm).
        batch_op.create_index('ix_firms_search_cover', ['archived', 'search_text', 'name_search'], unique=False, postgresql_where=sa.text('false'))


def downgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_index('ix_firms_search_cover', postgresql_where=sa.text('false'))
        batch_op.drop_index('ix_firms_list_size')
        batch_op.drop_index('ix_firms_list_province')
        batch_op.drop_index('ix_firms_list_updated')
        batch_op.drop_index('ix_firms_list_name')
