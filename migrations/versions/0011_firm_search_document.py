"""firm search document: every searched field in search_text; the text indexes go

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 19:30:00

Firm.search_text now holds one line per searched field (crm/search/document.py: names,
products, HS codes, certificates/brands/stores, place, descriptions, tax code) and the firm
search reads it into its own index (crm/search/engine.py), so the SQLite covering index and
the PostgreSQL full-text index on it are dropped. The documents of existing firms are
rebuilt here from their rows.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_firms_search_fts')
    else:
        op.execute('DROP INDEX IF EXISTS ix_firms_search_cover')
    from crm.search.document import rebuild_documents

    rebuild_documents(conn)


def downgrade():
    # The documents stay in the new form (0010's search reads their first line as names).
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_firms_search_fts', 'firms',
                        [sa.text("to_tsvector('simple'::regconfig, search_text)")],
                        unique=False, postgresql_using='gin')
    else:
        op.create_index('ix_firms_search_cover', 'firms',
                        ['archived', 'search_text', 'name_search'], unique=False)
