"""`crm notices import` and `crm notices match`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from crm.cli import cli
from crm.models import Notice
from tests import factories

FIXTURES = Path(__file__).resolve().parents[2] / "crm" / "notices" / "fixtures"


def _run(app, *args):
    """Invoke `crm ...` on the test app (and its rolled-back transaction)."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_import_dry_run_then_import_then_again_adds_nothing(app, db):
    path = str(FIXTURES / "fda_refusals.csv")
    charges = str(FIXTURES / "fda_refusal_charges.csv")
    dry = _run(app, "notices", "import", path, "--source", "fda_refusal", "--charges", charges,
               "--dry-run")
    assert dry.exit_code == 0
    assert "would add 2" in dry.output
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
    done = _run(app, "notices", "import", path, "--source", "fda_refusal", "--charges", charges)
    assert done.exit_code == 0
    assert "added 2" in done.output
    again = _run(app, "notices", "import", path, "--source", "fda_refusal")
    assert "added 0, already there 2" in again.output


def test_bad_file_is_one_line_on_stderr_and_exit_2(app, db, tmp_path):
    bad = tmp_path / "cut.json"
    bad.write_bytes((FIXTURES / "eping_notifications.json").read_bytes()[:400])
    result = _run(app, "notices", "import", str(bad), "--source", "eping")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "JSON" in result.stderr
    missing = _run(app, "notices", "match", "999999", "--json")
    assert missing.exit_code == 2
    assert "no notice" in missing.stderr


def test_match_json_lists_firms_with_tax_code_tier_and_reasons(app, db):
    firm = factories.make_firm()
    factories.make_certification(firm, scheme_code="FDA", number="3012345678")
    db.session.commit()
    _run(app, "notices", "import", str(FIXTURES / "fda_refusals.csv"), "--source", "fda_refusal")
    notice = db.session.scalar(select(Notice).where(Notice.external_id == "RF2026-000101"))
    result = _run(app, "notices", "match", str(notice.id), "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.output)
    [row] = doc["matches"]
    assert (row["tax_code"], row["tier"]) == (firm.tax_code, "exact")
    assert row["reasons"][0]["code"] == "identifier"
