"""The labelled set of the targeting (crm/notices/data/labelled_set.json): firms, notices and
the firms each notice should reach. `crm bench alerts` and the tests measure against it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from crm.extensions import db
from crm.models import Certification, Firm, FirmMarket, Product
from crm.notices.adapters import Draft
from crm.notices.targeting import KEPT_BY_DEFAULT, match_notice
from crm.validators import synthetic_tax_codes


@cache
def labelled_set() -> dict[str, Any]:
    """The set as read from its file."""
    text = resources.files("crm.notices").joinpath("data/labelled_set.json").read_text("utf-8")
    return json.loads(text)


def build_labelled_firms(prefix: str = "77") -> dict[str, int]:
    """Add the set's firms (flush only); returns key -> firm id."""
    codes = synthetic_tax_codes(10**5, prefix=prefix)
    ids: dict[str, int] = {}
    for key, spec in labelled_set()["firms"].items():
        firm = Firm(tax_code=next(codes), name=spec.get("name") or f"Công ty nhãn {key}",
                    legal_form="llc", sectors=[], languages=["vi"],
                    archived=bool(spec.get("archived")))
        firm.search_text = firm.name_search
        for name, hs in spec.get("products", []):
            firm.products.append(Product(name=name, hs_code=hs))
        for country, kind in spec.get("markets", []):
            firm.markets.append(FirmMarket(country_code=country, kind=kind))
        for scheme, number in spec.get("certs", []):
            firm.certifications.append(Certification(
                scheme_code=scheme, number=number, issued_on=date(2024, 1, 1),
                expires_on=date(2029, 1, 1)))
        db.session.add(firm)
        db.session.flush()
        ids[key] = firm.id
    return ids


def notice_drafts() -> list[tuple[Draft, list[str]]]:
    """The set's notices as drafts, each with the keys of the firms it should reach."""
    out = []
    for n in labelled_set()["notices"]:
        draft = Draft(source="manual", external_id=n["id"], measure="sps", title=n["id"],
                      where=n["id"], markets=n["markets"], hs_codes=n["hs_codes"],
                      product_text=n.get("product_text"), identifiers=n.get("identifiers", []),
                      named_firms=n.get("named_firms", []))
        out.append((draft, n["expected"]))
    return out


@dataclass
class Evaluation:
    """Precision and recall of the ticked matches, and what went wrong where."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    per_notice: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def evaluate(ids: dict[str, int]) -> Evaluation:
    """Match each notice of the set; compare the ticked firms with the expected ones."""
    today = date.fromisoformat(labelled_set()["today"])
    keys = {v: k for k, v in ids.items()}
    result = Evaluation()
    for draft, expected in notice_drafts():
        got = {keys[m.firm_id] for m in match_notice(draft, today)
               if m.tier in KEPT_BY_DEFAULT and m.firm_id in keys}
        want = set(expected)
        result.true_positives += len(got & want)
        result.false_positives += len(got - want)
        result.false_negatives += len(want - got)
        result.per_notice.append((draft.external_id, sorted(got - want), sorted(want - got)))
    return result
