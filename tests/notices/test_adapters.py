"""The source adapters read the fixture files and name the record of anything wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crm.notices import adapters

FIXTURES = Path(__file__).resolve().parents[2] / "crm" / "notices" / "fixtures"


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_eping_json_gives_symbol_markets_hs_and_dates(app):
    with app.test_request_context():
        parsed = adapters.parse("eping", _read("eping_notifications.json"))
    assert parsed.errors == []
    by_id = {d.external_id: d for d in parsed.drafts}
    jp = by_id["G/SPS/N/JPN/1321"]
    assert (jp.measure, jp.markets, jp.hs_codes) == ("sps", ["JP"], ["0306", "1605"])
    assert jp.comment_deadline == date(2026, 12, 1)
    assert by_id["G/SPS/N/EU/812"].markets == ["EU27"]  # WTO id U918: the EU as a whole
    assert by_id["G/TBT/N/USA/2150"].markets == ["US"]  # WTO id C840
    assert by_id["G/SPS/N/KOR/790"].severity == "high"  # emergency
    assert jp.raw["notifiedDocumentLink"].startswith("https://docs.wto.org")


def test_eping_csv_reads_the_export_headings(app):
    with app.test_request_context():
        parsed = adapters.parse("eping", _read("eping_notifications.csv"))
    assert parsed.errors == []
    assert [d.markets for d in parsed.drafts] == [["AU"], ["CN"], ["SA"]]
    assert parsed.drafts[1].hs_codes == ["0410"]


def test_rasff_keeps_only_viet_nam_origin_and_reads_day_first_dates(app):
    with app.test_request_context():
        parsed = adapters.parse("rasff", _read("rasff_export.json"))
    assert [d.external_id for d in parsed.drafts] == ["2026.7312", "2026.7420", "2026.7501"]
    assert len(parsed.skipped) == 1
    assert "2026.7455" in parsed.skipped[0]
    shrimp = parsed.drafts[0]
    assert shrimp.published_on == date(2026, 10, 14)
    assert (shrimp.measure, shrimp.severity, shrimp.markets) == ("border_rejection", "high",
                                                                 ["EU27"])


def test_fda_refusals_join_their_charges_and_keep_the_fei(app):
    with app.test_request_context():
        parsed = adapters.parse("fda_refusal", _read("fda_refusals.csv"),
                                _read("fda_refusal_charges.csv"))
    assert parsed.errors == []
    first = parsed.drafts[0]
    assert first.identifiers == ["3012345678"]
    assert [c["CHARGE_CODE"] for c in first.raw["charges"]] == ["SALMONELLA", "FILTHY"]
    assert first.hs_codes == ["03", "16"]  # industry 16: fishery and seafood
    assert "TH" in parsed.skipped[0]


def test_template_xlsx_reads_vietnamese_measures_and_markets(app):
    with app.test_request_context():
        parsed = adapters.parse("moit_trade_remedy", _read("moit_trade_remedies.xlsx"))
    assert parsed.errors == []
    ad = parsed.drafts[0]
    assert (ad.measure, ad.markets, ad.hs_codes, ad.severity) == (
        "anti_dumping", ["US"], ["030617", "160521"], "high")
    assert parsed.drafts[1].markets == ["TR"]
    assert parsed.drafts[1].effective_on == date(2027, 1, 1)


@pytest.mark.parametrize(("source", "name", "cut", "says"), [
    ("eping", "eping_notifications.json", 700, "JSON"),
    ("rasff", "rasff_export.json", 500, "JSON"),
    ("fda_refusal", "fda_refusals.csv", 300, "dòng 3"),
    ("moit_trade_remedy", "moit_trade_remedies.xlsx", 2000, ".xlsx"),
])
def test_a_file_cut_short_is_one_clear_error(app, source, name, cut, says):
    with app.test_request_context():
        parsed = adapters.parse(source, _read(name)[:cut])
    assert parsed.drafts == [] or parsed.errors
    assert any(says in e for e in parsed.errors), parsed.errors


def test_bad_values_name_their_record(app):
    data = (b'documentSymbol,notifyingMember,area,title,hsCodes,distributionDate\n'
            b'G/SPS/N/JPN/1,Japan,SPS,ok,0306,2026-01-02\n'
            b'G/SPS/N/XXX/2,Atlantis,SPS,bad member,0306,2026-01-02\n'
            b'G/SPS/N/JPN/3,Japan,SPS,bad hs,03X6,2026-01-02\n'
            b'G/SPS/N/JPN/4,Japan,SPS,bad date,0306,31.02.2026\n')
    with app.test_request_context():
        parsed = adapters.parse("eping", data)
    assert len(parsed.errors) == 3
    assert parsed.errors[0].startswith("dòng 3")
    assert "Atlantis" in parsed.errors[0]
    assert parsed.errors[1].startswith("dòng 4")
    assert "03X6" in parsed.errors[1]
    assert parsed.errors[2].startswith("dòng 5")
    assert "31.02.2026" in parsed.errors[2]
