"""duplicates: "not a duplicate" decisions, undoable merges, firms.merged_into_id

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:00:00

Firms merged before this revision carry their link only in the history (a ChangeRecord
"merged_into"); it is copied into the new column here so their pages link to the kept firm.
Those older merges cannot be undone: what undoing needs was not kept then.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_firms_merged_into_id'), ['merged_into_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_firms_merged_into_id_firms'), 'firms',
                                    ['merged_into_id'], ['id'])

    op.create_table(
        'duplicate_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('first_firm_id', sa.Integer(), nullable=False),
        sa.Column('second_firm_id', sa.Integer(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_duplicate_decisions_decided_by_id_users')),
        sa.ForeignKeyConstraint(['first_firm_id'], ['firms.id'],
                                name=op.f('fk_duplicate_decisions_first_firm_id_firms')),
        sa.ForeignKeyConstraint(['second_firm_id'], ['firms.id'],
                                name=op.f('fk_duplicate_decisions_second_firm_id_firms')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_decisions')),
        sa.UniqueConstraint('first_firm_id', 'second_firm_id',
                            name=op.f('uq_duplicate_decisions_first_firm_id')),
    )
    with op.batch_alter_table('duplicate_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_decisions_first_firm_id'),
                              ['first_firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_decisions_second_firm_id'),
                              ['second_firm_id'], unique=False)

    op.create_table(
        'firm_merges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kept_firm_id', sa.Integer(), nullable=False),
        sa.Column('merged_firm_id', sa.Integer(), nullable=False),
        sa.Column('merged_by_id', sa.Integer(), nullable=True),
        sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('undo', sa.JSON(), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.Column('undo_note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['kept_firm_id'], ['firms.id'],
                                name=op.f('fk_firm_merges_kept_firm_id_firms')),
        sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'],
                                name=op.f('fk_firm_merges_merged_by_id_users')),
        sa.ForeignKeyConstraint(['merged_firm_id'], ['firms.id'],
                                name=op.f('fk_firm_merges_merged_firm_id_firms')),
        sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'],
                                name=op.f('fk_firm_merges_undone_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_firm_merges')),
    )
    with op.batch_alter_table('firm_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_firm_merges_kept_firm_id'), ['kept_firm_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_firm_merges_merged_firm_id'), ['merged_firm_id'],
                              unique=False)
        batch_op.create_index('ix_firm_merges_merged_at', ['merged_at'], unique=False)

    _link_earlier_merges()


def _link_earlier_merges():
    """merged_into_id from the history of merges made before this revision."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT firm_id, new_value FROM change_records "
        "WHERE entity = 'firm' AND field = 'merged_into' ORDER BY id")).all()
    links = {}
    for firm_id, value in rows:
        if isinstance(value, str):  # the JSON column comes back as text on some drivers
            value = int(value) if value.isdigit() else None
        if isinstance(value, int):
            links[firm_id] = value
    if links:
        conn.execute(sa.text("UPDATE firms SET merged_into_id = :target WHERE id = :id"),
                     [{'id': k, 'target': v} for k, v in links.items()])


def downgrade():
    with op.batch_alter_table('firm_merges', schema=None) as batch_op:
        batch_op.drop_index('ix_firm_merges_merged_at')
        batch_op.drop_index(batch_op.f('ix_firm_merges_merged_firm_id'))
        batch_op.drop_index(batch_op.f('ix_firm_merges_kept_firm_id'))
    op.drop_table('firm_merges')
    with op.batch_alter_table('duplicate_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_decisions_second_firm_id'))
        batch_op.drop_index(batch_op.f('ix_duplicate_decisions_first_firm_id'))
    op.drop_table('duplicate_decisions')
    with op.batch_alter_table('firms', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_firms_merged_into_id_firms'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_firms_merged_into_id'))
        batch_op.drop_column('merged_into_id')
