"""Vietnamese HS titles: existing hs_codes rows get the titles of the shipped nomenclature

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:00:00

matching/data/hs_codes.csv now has a Vietnamese title for every chapter, every heading of the
chapters the programmes export from and every code the project's data uses (0410 names bird's
nest first). `crm init` reloads the reference data, but `crm db upgrade` alone does not: this
copies description_vi of the shipped file onto the rows a database already has (a database
whose reference data was never loaded has none, and gets the titles when it is loaded).
Restart the app afterwards: each process keeps the HS titles it read.
"""
import csv
import io
from importlib import resources

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    text = resources.files("matching").joinpath("data", "hs_codes.csv").read_text(
        encoding="utf-8")
    titles = {r["code"]: r["description_vi"] or None for r in csv.DictReader(io.StringIO(text))}
    conn = op.get_bind()
    hs = sa.table("hs_codes", sa.column("code", sa.String), sa.column("description_vi", sa.Text))
    stale = [{"c": code, "vi": titles[code]}
             for code, vi in conn.execute(sa.select(hs.c.code, hs.c.description_vi))
             if code in titles and vi != titles[code]]
    if stale:
        conn.execute(hs.update().where(hs.c.code == sa.bindparam("c"))
                     .values(description_vi=sa.bindparam("vi")), stale)


def downgrade():
    pass  # titles are reference data: the older code reads the new ones all the same
