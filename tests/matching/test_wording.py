"""Reasons are codes with parameters; the words come from one catalogue, formatted per locale."""

from __future__ import annotations

import re
from datetime import date

from matching import FirmIndex, match
from matching.wording import MESSAGES, Part, Words

TODAY = date(2027, 1, 5)

# A value for every parameter a message uses, of the kind its name says.
SAMPLE = {
    "hs": "090111", "product": "Cà phê rang", "heading": "0901", "keyword": "cà phê",
    "current": ["AE"], "targets": ["AE", "SA"], "countries": ["DE", "FR"], "groups": ["EU27"],
    "years": 4.5, "languages": ["en", "ar"], "certs": ["KR_MFDS", "USDA_ORGANIC"],
    "size": "small", "min_size": "medium", "tonnes": 690.749, "min_tonnes": 1000,
    "platforms": ["tiktok_shop", "amazon"], "marks": ["EM", "US"], "stars": 4,
    "usd": 1120000, "kind": "ecommerce_cohort", "last_date": "2026-10-01", "pct": 12,
    "points": 0.0234, "cert": "KR_MFDS", "market": "EU27", "date": "2027-03-05",
    "event": "trade_fair", "start_date": "2027-03-10", "day_date": "2027-03-10",
    "prefix": "0306", "conditions": "x", "n": 2, "total": 3,
}
RAW_CODES = re.compile(r"\b(tiktok_shop|ecommerce_cohort|KR_MFDS|USDA_ORGANIC|EU27|exposure:)\b")


def _params(message: str) -> dict:
    return {k: SAMPLE[k] for k in re.findall(r"%\((\w+)\)s", message)}


def test_every_reason_reads_without_raw_codes_in_both_languages():
    en, vi = Words("en"), Words("vi")
    for code, message in MESSAGES.items():
        part = Part(code, _params(message))
        for words in (en, vi):
            text = words.part(part)
            assert not RAW_CODES.search(text), (code, words.lang, text)
            assert "%(" not in text
        assert en.part(part) != vi.part(part), f"{code} has no English"


def test_numbers_money_and_dates_follow_the_locale():
    vi, en = Words("vi"), Words("en")
    assert vi.part(Part("capacity.tonnes", {"tonnes": 690.749})) == "690,7 tấn/năm"
    assert en.part(Part("capacity.tonnes", {"tonnes": 690.749})) == "690.7 t/year"
    assert vi.part(Part("partner.revenue", {"usd": 1120000})) == "doanh thu xuất khẩu 1.120.000 USD"
    assert en.part(Part("partner.revenue", {"usd": 1120000})) == "export revenue USD 1,120,000"
    expired = Part("gap.expired", {"cert": "HALAL", "date": "2027-03-05"})
    assert vi.part(expired) == "chứng nhận Halal đã hết hạn ngày 05/03/2027"
    assert en.part(expired) == "Halal certificate expired on 5 Mar 2027"
    assert vi.part(Part("capacity.tonnes", {"tonnes": 0.25})) == "0,25 tấn/năm"


def test_names_not_codes_for_platforms_kinds_countries_and_certificates():
    vi = Words("vi")
    assert vi.part(Part("ecommerce.stores", {"platforms": ["tiktok_shop"]})) == (
        "có gian hàng trên TikTok Shop")
    assert vi.part(Part("readiness.holds", {"certs": ["USDA_ORGANIC"]})) == "có hữu cơ USDA"
    assert "Hàn Quốc" in vi.part(Part("gap.none", {"cert": "KR_MFDS"}))
    assert vi.part(Part("market.targets", {"targets": ["CN"]})) == "nhắm tới Trung Quốc"


def _firm(fid: str, name: str, hs: str, description: str = "") -> dict:
    return {"id": fid, "name": f"Công ty {fid}", "target_markets": ["DE"],
            "products": [{"name": name, "hs_code": hs, "description": description}]}


def test_a_reason_names_the_product_and_word_that_matched_never_a_lookalike():
    firms = [_firm("PEPPER", "Hồ tiêu đen (Black pepper)", "090411"),
             _firm("COFFEE", "Cà phê rang xay", "090121"),
             _firm("DESC", "Sản phẩm đặc sản", "", "Cà phê phin nguyên chất Buôn Ma Thuột")]
    opp = {"id": "O", "kind": "trade_fair", "markets": ["DE"], "hs_prefixes": ["0901"],
           "keywords": ["cà phê"]}
    ranking = match(FirmIndex.build(firms), opp, today=TODAY, top=10)
    said = {r.firm_id: [p for reason in r.reasons for p in reason.parts]
            for r in ranking.ranked()}
    coffee = {p.code: p.params for p in said["COFFEE"]}
    assert coffee["product.hs"]["product"] == "Cà phê rang xay"
    assert coffee["product.keyword_name"] == {"product": "Cà phê rang xay", "keyword": "cà phê"}
    assert {p.code for p in said.get("DESC", [])} >= {"product.keyword_description"}
    for part in said.get("PEPPER", []):
        assert part.code not in ("product.keyword_name", "product.keyword_description"), part
        assert part.code != "product.hs", part  # 0904 is only in the same chapter as 0901
