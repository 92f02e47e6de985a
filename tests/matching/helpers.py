"""Helpers shared by the matching tests: small records and the firm-by-firm oracle check."""

from __future__ import annotations

from datetime import date

import pytest

from matching import FirmIndex
from matching import factors as fx
from matching.rank import Ranking

TODAY = date(2026, 12, 1)
HALAL = {"code": "HALAL", "valid_from": "2025-01-01"}


def case(cases: list[dict], opp_id: str) -> dict:
    """The labelled case of an opportunity id."""
    return next(c for c in cases if c["opportunity"]["id"] == opp_id)


def by_id(items: list[dict]) -> dict[str, dict]:
    """Items of a ranking document by firm id."""
    return {item["firm_id"]: item for item in items}


def halal_opp(**extra: object) -> dict:
    """A bird's nest mission to the UAE that requires Halal; `extra` overrides fields."""
    opp = {
        "id": "OPP-T",
        "kind": "trade_mission",
        "markets": ["AE"],
        "hs_prefixes": ["0410"],
        "keywords": ["yến sào"],
        "required_certifications": ["HALAL"],
        "starts_on": "2027-03-10",
    }
    opp.update(extra)
    return opp


def nest(fid: str, *certs: dict, **extra: object) -> dict:
    """A small bird's nest firm holding `certs` (Halal when none given); `extra` overrides."""
    firm = {
        "id": fid,
        "name": f"Yến sào {fid}",
        "size": "small",
        "products": [{"name": "Tổ yến", "hs_code": "041090"}],
        "certifications": list(certs) or [dict(HALAL)],
    }
    firm.update(extra)
    return firm


def assert_arrays_equal_oracle(index: FirmIndex, ranking: Ranking) -> None:
    """Firm by firm, what the vectorised ranking computed (factor values, tie-break parts,
    gaps, score) equals what the per-firm scorer factors.assess finds."""
    s = ranking.scores
    for row, fid in enumerate(index.ids):
        a = fx.assess(index.firm(row), ranking.ctx, text_index=index.text)
        for name, values in s.values.items():
            assert values[row] == pytest.approx(a.values[name], abs=1e-5), (fid, name)
        for name, part in s.ties.items():
            assert part[row] == pytest.approx(a.ties[name]), (fid, name)
        lacking = [code for code, rows in s.missing if rows[row]]
        assert sorted(lacking) == sorted(a.missing), fid
        assert s.score[row] == pytest.approx(fx.final_score(a), abs=1.1e-4), fid
