"""firm search on PostgreSQL: a full-text GIN index instead of the trigram one

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:00:00

crm/search.py now asks PostgreSQL for word prefixes in to_tsvector('simple', search_text)
(`'ca':* & 'phe':*`). Short prefixes such as "ca" made the trigram index return most rows
for LIKE to recheck; the full-text index answers the prefixes themselves. SQLite keeps its
covering index (0005).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

VECTOR = "to_tsvector('simple'::regconfig, search_text)"


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_firms_search_trgm', table_name='firms')
    op.create_index('ix_firms_search_fts', 'firms', [sa.text(VECTOR)], unique=False,
                    postgresql_using='gin')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_firms_search_fts', table_name='firms')
    ext_schema = op.get_bind().execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar_one()
    op.create_index('ix_firms_search_trgm', 'firms', ['search_text'], unique=False,
                    postgresql_using='gin',
                    postgresql_ops={'search_text': f'"{ext_schema}".gin_trgm_ops'})
