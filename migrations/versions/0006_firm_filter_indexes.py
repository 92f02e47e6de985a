"""firm list: covering indexes for the product-group, certificate and market filters

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_hs_firm', ['hs_code', 'firm_id'], unique=False)
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index('ix_certifications_scheme_firm', ['scheme_code', 'firm_id', 'issued_on', 'expires_on'], unique=False)
    with op.batch_alter_table('firm_markets', schema=None) as batch_op:
        batch_op.create_index('ix_firm_markets_country_kind_firm', ['country_code', 'kind', 'firm_id'], unique=False)


def downgrade():
    with op.batch_alter_table('firm_markets', schema=None) as batch_op:
        batch_op.drop_index('ix_firm_markets_country_kind_firm')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index('ix_certifications_scheme_firm')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_hs_firm')
