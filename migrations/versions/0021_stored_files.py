"""shared file storage: stored_files (scans and import files) and import_uploads (wizard state)

Revision ID: 0021
Revises: 0022 (written beside 0022, chained after it when both landed)
Create Date: 2027-01-27 09:00:00

With CRM_FILE_STORAGE=database every app host reads the same files from PostgreSQL
(crm/storage.py), and the import wizard's state between the dry run and the run lives in
import_uploads instead of a JSON file on one host's disk. On PostgreSQL the file column is
stored EXTERNAL (out of line, uncompressed): scans and xlsx are already compressed, and
substr() on an uncompressed value reads only the chunk asked for.

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
        sa.UniqueConstraint('key', name=op.f('uq_stored_files_key')),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE stored_files ALTER COLUMN data SET STORAGE EXTERNAL")
    op.create_table(
        'import_uploads',
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_import_uploads_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_import_uploads')),
    )
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_uploads_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_uploads_user_id'))
    op.drop_table('import_uploads')
    op.drop_table('stored_files')
