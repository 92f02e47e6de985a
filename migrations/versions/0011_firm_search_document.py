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
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 2000


def _children(conn, sql, ids):
    out = {}
    for row in conn.execute(sa.text(sql).bindparams(sa.bindparam('ids', expanding=True)),
                            {'ids': ids}).mappings():
        out.setdefault(row['firm_id'], []).append(SimpleNamespace(**row))
    return out


def _rebuild_documents(conn):
    from crm.search.document import search_text_for

    last = 0
    while True:
        firms = conn.execute(sa.text(
            'SELECT id, name, name_en, tax_code, address, commune_code, description '
            'FROM firms WHERE id > :last ORDER BY id LIMIT :n'), {'last': last, 'n': BATCH}
        ).mappings().all()
        if not firms:
            return
        ids = [f['id'] for f in firms]
        kids = {
            'products': _children(conn, 'SELECT firm_id, name, name_en, hs_code, description '
                                        'FROM products WHERE firm_id IN :ids ORDER BY id', ids),
            'certifications': _children(conn, 'SELECT firm_id, scheme_code, number FROM '
                                              'certifications WHERE firm_id IN :ids', ids),
            'trademarks': _children(conn, 'SELECT firm_id, mark, registration_number FROM '
                                          'trademarks WHERE firm_id IN :ids', ids),
            'stores': _children(conn, 'SELECT firm_id, platform, url FROM ecommerce_stores '
                                      'WHERE firm_id IN :ids', ids),
        }
        rows = [{'id': f['id'], 'doc': search_text_for(SimpleNamespace(
                    **f, **{k: v.get(f['id'], []) for k, v in kids.items()}))}
                for f in firms]
        conn.execute(sa.text('UPDATE firms SET search_text = :doc WHERE id = :id'), rows)
        last = ids[-1]


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_firms_search_fts')
    else:
        op.execute('DROP INDEX IF EXISTS ix_firms_search_cover')
    _rebuild_documents(conn)


def downgrade():
    # The documents stay in the new form (0010's search reads their first line as names).
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_firms_search_fts', 'firms',
                        [sa.text("to_tsvector('simple'::regconfig, search_text)")],
                        unique=False, postgresql_using='gin')
    else:
        op.create_index('ix_firms_search_cover', 'firms',
                        ['archived', 'search_text', 'name_search'], unique=False)
