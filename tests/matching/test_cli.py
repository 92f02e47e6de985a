"""The command line follows matching-io.md: JSON out, exit 2 + one line for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
FIRMS = str(DATA / "firms.jsonl")


def _opp(tmp_path: Path, data: object, name: str = "opp.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _cases() -> list[dict]:
    return json.loads((DATA / "cases.json").read_text(encoding="utf-8"))["cases"]


def _assert_one_line_error(proc, *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_rank_writes_the_spec_document(run_cli, tmp_path):
    opp = _opp(tmp_path, _cases()[0]["opportunity"])
    proc = run_cli(
        "rank", "--opportunity", opp, "--firms", FIRMS, "--today", "2026-12-01", "--top", "3"
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc) == {"opportunity", "ranked", "ineligible"}
    assert doc["opportunity"] == "OPP-UAE-HALAL"
    assert len(doc["ranked"]) == 3
    for item in doc["ranked"]:
        assert {"firm_id", "rank", "score", "reasons"} <= set(item)
    for item in doc["ineligible"]:
        assert {"firm_id", "missing", "detail"} <= set(item)


def test_explain_and_determinism(run_cli, tmp_path):
    opp = _opp(tmp_path, _cases()[1]["opportunity"])
    args = ("rank", "--opportunity", opp, "--firms", FIRMS, "--today", "2026-12-01", "--explain")
    first, second = run_cli(*args), run_cli(*args)
    assert first.returncode == 0
    assert first.stdout == second.stdout
    reasons = json.loads(first.stdout)["ranked"][0]["reasons"]
    assert all("contribution" in r for r in reasons if r["factor"] != "reminder")


def test_unknown_fields_are_ignored_and_missing_fields_are_unknown(run_cli, tmp_path):
    firms = tmp_path / "firms.jsonl"
    firms.write_text(
        json.dumps(
            {
                "id": "A",
                "name": "Yến sào A",
                "favourite_colour": "blue",
                "products": [{"name": "tổ yến", "hs_code": "0410", "colour": "white"}],
            }
        )
        + "\n\n"
        + json.dumps({"id": "B", "name": "Yến B"})
        + "\n",
        encoding="utf-8",
    )
    opp = _opp(
        tmp_path,
        {"id": 7, "kind": "trade_mission", "keywords": ["yến sào"], "extra": {"nested": True}},
    )
    proc = run_cli("rank", "--opportunity", opp, "--firms", str(firms), "--today", "2026-12-01")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["opportunity"] == 7
    assert next(r["firm_id"] for r in doc["ranked"]) == "A"


def test_unreadable_firms_file(run_cli, tmp_path):
    opp = _opp(tmp_path, _cases()[0]["opportunity"])
    missing = str(tmp_path / "nope.jsonl")
    _assert_one_line_error(
        run_cli("rank", "--opportunity", opp, "--firms", missing), "nope.jsonl", "cannot read"
    )


def test_unreadable_opportunity_file(run_cli, tmp_path):
    _assert_one_line_error(
        run_cli("rank", "--opportunity", str(tmp_path), "--firms", FIRMS), "cannot read"
    )


def test_invalid_json_in_firms_names_the_line(run_cli, tmp_path):
    firms = tmp_path / "firms.jsonl"
    lines = (DATA / "firms.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    lines.insert(6, '{"id": "BROKEN", "name": ')
    firms.write_text("\n".join(lines) + "\n", encoding="utf-8")
    opp = _opp(tmp_path, _cases()[0]["opportunity"])
    _assert_one_line_error(
        run_cli("rank", "--opportunity", opp, "--firms", str(firms)),
        "firms.jsonl line 7",
        "invalid JSON",
    )


def test_invalid_json_in_opportunity(run_cli, tmp_path):
    opp = _opp(tmp_path, '{\n  "id": "X",\n  "kind": \n}')
    _assert_one_line_error(
        run_cli("rank", "--opportunity", opp, "--firms", FIRMS), "opp.json line 4", "invalid JSON"
    )


def test_unknown_kind(run_cli, tmp_path):
    opp = _opp(tmp_path, {"id": "X", "kind": "webinar"})
    _assert_one_line_error(
        run_cli("rank", "--opportunity", opp, "--firms", FIRMS),
        "opp.json",
        "unknown kind 'webinar'",
    )


@pytest.mark.parametrize("value", ["2027-13-01", "10/03/2027", "soon", "2027-02-30"])
def test_malformed_start_date(run_cli, tmp_path, value):
    opp = _opp(tmp_path, {"id": "X", "kind": "trade_fair", "starts_on": value})
    _assert_one_line_error(
        run_cli("rank", "--opportunity", opp, "--firms", FIRMS),
        "opp.json",
        "malformed date",
        "starts_on",
    )


def test_malformed_date_in_firm_names_the_line(run_cli, tmp_path):
    firms = tmp_path / "firms.jsonl"
    firms.write_text(
        json.dumps({"id": "A", "name": "A"})
        + "\n"
        + json.dumps(
            {
                "id": "B",
                "name": "B",
                "certifications": [{"code": "HALAL", "valid_until": "31/12/2027"}],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    opp = _opp(tmp_path, {"id": "X", "kind": "trade_fair"})
    _assert_one_line_error(
        run_cli("rank", "--opportunity", opp, "--firms", str(firms)),
        "firms.jsonl line 2",
        "malformed date",
        "valid_until",
    )


def test_malformed_today(run_cli, tmp_path):
    opp = _opp(tmp_path, {"id": "X", "kind": "trade_fair"})
    _assert_one_line_error(
        run_cli("rank", "--opportunity", opp, "--firms", FIRMS, "--today", "tomorrow"),
        "--today",
        "malformed date",
    )


def test_firm_without_id_names_the_line(run_cli, tmp_path):
    firms = tmp_path / "firms.jsonl"
    firms.write_text('{"id": "A", "name": "A"}\n{"name": "no id"}\n', encoding="utf-8")
    opp = _opp(tmp_path, {"id": "X", "kind": "trade_fair"})
    _assert_one_line_error(
        run_cli("rank", "--opportunity", opp, "--firms", str(firms)),
        "firms.jsonl line 2",
        "missing id",
    )


def test_firm_line_that_is_not_an_object(run_cli, tmp_path):
    firms = tmp_path / "firms.jsonl"
    firms.write_text("[1, 2]\n", encoding="utf-8")
    opp = _opp(tmp_path, {"id": "X", "kind": "trade_fair"})
    _assert_one_line_error(
        run_cli("rank", "--opportunity", opp, "--firms", str(firms)),
        "firms.jsonl line 1",
        "JSON object",
    )


def test_missing_argument_is_one_line(run_cli):
    _assert_one_line_error(run_cli("rank", "--firms", FIRMS), "--opportunity")


def test_bench_smoke(run_cli):
    proc = run_cli("bench", "--firms", "300", "--queries", "4", "--naive-sample", "100")
    assert proc.returncode == 0, proc.stderr
    assert "p95" in proc.stdout
    assert "ratio" in proc.stdout
