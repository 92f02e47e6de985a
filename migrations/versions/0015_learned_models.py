"""learned ranking models; the model version a shortlist entry was ranked with

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 10:00:00

learned_models holds the logistic weights fitted on recorded pipeline outcomes, one version
per opportunity kind at a time active (a partial unique index); shortlist_entries.model_version
says which version ranked the firm when it was added (NULL = the hand-set weights).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'learned_models',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('cut_on', sa.Date(), nullable=False),
        sa.Column('coefficients', sa.JSON(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_learned_models_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_learned_models')),
        sa.UniqueConstraint('kind', 'version', name=op.f('uq_learned_models_kind')),
    )
    with op.batch_alter_table('learned_models', schema=None) as batch_op:
        batch_op.create_index('ix_learned_models_one_active', ['kind'], unique=True,
                              sqlite_where=sa.text('active'),
                              postgresql_where=sa.text('active'))
    with op.batch_alter_table('shortlist_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model_version', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('shortlist_entries', schema=None) as batch_op:
        batch_op.drop_column('model_version')
    with op.batch_alter_table('learned_models', schema=None) as batch_op:
        batch_op.drop_index('ix_learned_models_one_active')
    op.drop_table('learned_models')
