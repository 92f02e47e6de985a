"""Vietnamese HS titles: every chapter, the headings of the sectors the programmes export from
and every code the project's data uses has one, short enough to be printed whole in a reason,
and 0410 names bird's nest (yến) rather than insects."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db
from matching import reference as ref
from tests.conftest import PG_URL, drop_pg_schema, fresh_pg_schema, postgres_reachable

ROOT = Path(__file__).resolve().parents[2]
HS_CSV = ROOT / "matching" / "data" / "hs_codes.csv"

# Chapters whose every heading an officer meets: agriculture and food, cosmetics and soap,
# plastics and rubber, leather, wood, rattan and bamboo, textiles, garments and footwear,
# ceramics, glass and jewellery, furniture and handicrafts.
SECTOR_CHAPTERS = frozenset(
    [f"{c:02d}" for c in range(1, 25)] + ["33", "34", "39", "40"]
    + [str(c) for c in range(42, 47)] + [str(c) for c in range(50, 68)]
    + ["69", "70", "71", "94", "95", "96"])

# Where the project's data writes HS codes: demo generator, benches, labelled sets, market
# requirements, search data, tests and their fixtures.
DATA_FILES = (
    "crm/demodata/**/*.py", "crm/hscodes/**/*.py", "crm/hscodes/data/*.csv",
    "crm/search/**/*.py", "crm/search/data/*", "matching/bench.py",
    "matching/data/market_requirements.csv",
    "tests/**/*.py", "tests/**/*.json", "tests/**/*.jsonl",
)
QUOTED_CODE = re.compile(r"""["'](\d{4}(?:\.?\d{2})?)["']""")  # "0410", "041090", "0410.90"
CSV_CODE_COLUMNS = ("hs4", "hs_prefix", "hs_code")


@pytest.fixture(scope="module")
def nomenclature() -> dict[str, dict[str, str]]:
    with HS_CSV.open(encoding="utf-8") as fh:
        return {r["code"]: r for r in csv.DictReader(fh)}


def codes_in(path: Path) -> set[str]:
    """HS-looking strings of a file: quoted 4 or 6 digits, and the code columns of a CSV."""
    content = path.read_text(encoding="utf-8")
    found = {m.replace(".", "") for m in QUOTED_CODE.findall(content)}
    if path.suffix == ".csv":
        for row in csv.DictReader(content.splitlines()):
            found |= {row[c].replace(".", "") for c in CSV_CODE_COLUMNS if row.get(c)}
    return found


@pytest.fixture(scope="module")
def used_codes(nomenclature) -> dict[str, set[str]]:
    """HS code -> the data files that use it (digit strings that are no HS code, such as
    amounts or one-time codes, are left out; a year that is also a heading stays in)."""
    used: dict[str, set[str]] = {}
    for pattern in DATA_FILES:
        for path in ROOT.glob(pattern):
            if path.is_file() and path.suffix in (".py", ".csv", ".json", ".jsonl"):
                for code in codes_in(path) & nomenclature.keys():
                    used.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return used


def _untitled(rows, codes) -> list[str]:
    return sorted(c for c in codes if not rows[c]["description_vi"].strip())


def test_every_chapter_has_a_vietnamese_title(nomenclature):
    chapters = [c for c, r in nomenclature.items() if r["level"] == "2"]
    assert len(chapters) == 96  # chapter 77 is reserved
    assert _untitled(nomenclature, chapters) == []


def test_every_heading_of_the_export_sectors_has_a_vietnamese_title(nomenclature):
    headings = [c for c, r in nomenclature.items()
                if r["level"] == "4" and r["parent"] in SECTOR_CHAPTERS]
    assert len(headings) > 500
    assert _untitled(nomenclature, headings) == []


def test_every_code_the_data_uses_has_a_vietnamese_title(nomenclature, used_codes):
    # The collection reads the files: the demo registry's, the bench's and the labelled sets'
    # codes are all found (if it found nothing, this test would prove nothing).
    assert {"041090", "090111", "030617", "940360", "0410", "1006", "03"} <= used_codes.keys()
    assert sum(len(c) == 6 for c in used_codes) >= 30
    missing = {c: sorted(used_codes[c]) for c in _untitled(nomenclature, used_codes)}
    assert missing == {}


@pytest.mark.parametrize("code", ["0410", "041090"])
def test_bird_nest_heading_names_bird_nest_first(nomenclature, code):
    title = nomenclature[code]["description_vi"]
    assert title.startswith("Tổ yến")
    assert ref.hs_title(code, "vi").startswith("Tổ yến")  # what the ranking's reasons print


def test_reasons_print_every_vietnamese_title_whole(nomenclature):
    # matching.reference cuts a title longer than 90 characters at its first comma, which
    # would leave "Động vật giáp xác (tôm" of a long crustacean title.
    cut = {c: r["description_vi"] for c, r in nomenclature.items()
           if r["description_vi"] and ref.hs_title(c, "vi") != r["description_vi"]}
    assert cut == {}


def test_vietnamese_titles_are_written_with_diacritics(nomenclature):
    titled = [r["description_vi"] for r in nomenclature.values() if r["description_vi"]]
    assert len(titled) > 650
    bare = [t for t in titled if t.isascii() and t not in ("Vani",)]
    assert bare == []


def test_officer_sees_bird_nest_title_of_a_product_code(app, db):
    with app.test_request_context():  # Vietnamese unless the user switched to English
        from crm import display

        assert display.hs_title("041090").startswith("Tổ yến")


def _upgrade_old_database(url: str, engine_options: dict[str, Any]) -> dict[str, str]:
    """Titles after `crm db upgrade` of a database whose reference data an older release
    loaded (at revision 0013, 0410 titled "Côn trùng …")."""

    class Cfg(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = engine_options

    app = create_app(Cfg)
    with app.app_context():
        upgrade(revision="0013")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO hs_codes (code, level, parent, description_en, description_vi) "
                "VALUES ('04', 2, NULL, 'Dairy produce', NULL), "
                "('0410', 4, '04', 'Animal products; insects', 'Côn trùng và các sản phẩm'), "
                "('041090', 6, '0410', 'Animal products; other', NULL)"))
        upgrade()
        with db.engine.connect() as conn:
            titles = dict(conn.execute(text("SELECT code, description_vi FROM hs_codes")).all())
        downgrade(revision="base")
        db.engine.dispose()
    return titles


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_upgrade_gives_an_existing_database_the_new_titles(tmp_path, database):
    if database == "sqlite":
        titles = _upgrade_old_database(f"sqlite:///{tmp_path / 'old.db'}", {})
    else:
        reason = postgres_reachable()
        if reason:
            pytest.skip(reason)
        schema = fresh_pg_schema()
        try:
            titles = _upgrade_old_database(
                PG_URL, {"connect_args": {"options": f'-csearch_path="{schema}",public'}})
        finally:
            drop_pg_schema(schema)
    assert titles["0410"].startswith("Tổ yến")
    assert titles["041090"].startswith("Tổ yến")
    assert titles["04"].startswith("Sữa")
