"""market requirements owned by the database: effective dates, updated_at, change history

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 10:00:00

Rules already loaded from matching/data/market_requirements.csv stay as they are, open-ended
(valid_from / valid_until NULL); updated_at is set to the upgrade time so the ranking's cached
reference has a mark to compare with.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('market_requirements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE market_requirements SET updated_at = CURRENT_TIMESTAMP"))

    op.create_table(
        'market_requirement_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requirement_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('old_values', sa.JSON(), nullable=True),
        sa.Column('new_values', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ['requirement_id'], ['market_requirements.id'],
            name=op.f('fk_market_requirement_changes_requirement_id_market_requirements')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_market_requirement_changes_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_market_requirement_changes')),
    )
    with op.batch_alter_table('market_requirement_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_market_requirement_changes_requirement_id'),
                              ['requirement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('market_requirement_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_market_requirement_changes_requirement_id'))
    op.drop_table('market_requirement_changes')
    with op.batch_alter_table('market_requirements', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')
