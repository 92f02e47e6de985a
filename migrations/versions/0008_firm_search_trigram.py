"""firm search: trigram GIN index on PostgreSQL instead of the empty covering index

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 19:55:00

ix_firms_search_cover stays on SQLite (0005); on PostgreSQL it was created empty
(WHERE false) only so that models and migrations agreed. The models now declare each index
for its own database (Index.ddl_if), and env.py skips the other database's ones.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_firms_search_cover', table_name='firms')
    # Trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    # The extension may already live in a schema that is not on this connection's
    # search_path (one schema per tenant or per test run): name its operator class in full.
    ext_schema = op.get_bind().execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar_one()
    opclass = f'"{ext_schema}".gin_trgm_ops'
    op.create_index('ix_firms_search_trgm', 'firms', ['search_text'], unique=False,
                    postgresql_using='gin', postgresql_ops={'search_text': opclass})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_firms_search_trgm', table_name='firms')
    # The extension stays: other objects may use it by now.
    op.create_index('ix_firms_search_cover', 'firms', ['archived', 'search_text', 'name_search'],
                    unique=False, postgresql_where=sa.text('false'))
