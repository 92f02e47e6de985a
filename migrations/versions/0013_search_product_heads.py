"""firm search document: products apart in the product line

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:00:00

The product line of Firm.search_text now separates products (crm/search/document.py
PRODUCT_SEP), so the search knows what each product is named first ("Thức ăn cho tôm" is
feed) and never pairs words of two products. Existing documents are rebuilt.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    from crm.search.document import rebuild_documents

    rebuild_documents(op.get_bind())


def downgrade():
    pass  # the older search reads the separated product line as words all the same
