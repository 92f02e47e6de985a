"""Search quality: a labelled set of firm-list queries and its measurement.

The firm set is the demo generator's (crm.demodata) at a fixed size, seed and date; the
queries, typed as trade-promotion officers type them, are in data/quality_set.json. Which
firms are relevant to a query is a rule over the firms' structured data (products and HS
codes, province and commune, legal form, certificates, stores...), never a search result,
so any search can be measured against the same labels.

Figures (macro averages over the queries, overall and per query class):
- recall@20: share of the relevant firms in the first 20 results, out of at most 20
  (a query with 30 relevant firms scores 1.0 when all 20 shown are relevant);
- MRR: reciprocal rank of the first relevant firm, 0 when none is in the first 20;
- nDCG@10: graded relevance with linear gains (as trec_eval), 1/log2(rank + 1) discount.

`crm bench search-quality` prints them; tests/firms/test_search_quality.py keeps them above
the floors recorded in the JSON file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files
from typing import Any

from flask import Flask
from sqlalchemy import Select, false, func, or_, select

from crm.config import sqlalchemy_url
from crm.demodata.scratch import scratch_app
from crm.display import commune_name
from crm.errors import fail
from crm.extensions import db
from crm.models import Certification, EcommerceStore, Firm, Product, Trademark
from matching.text import fold_words

QUALITY_SET = "search/data/quality_set.json"  # inside the crm package
TOP_K = 20  # results looked at: one page of the firm list
NDCG_K = 10
METRICS = ("recall_at_20", "mrr", "ndcg_at_10")

Rule = dict[str, Any]
Search = Callable[[str], list[int]]


# --- metrics ---------------------------------------------------------------------------------


def recall_at(ranked: Sequence[int], relevant: Collection[int], k: int = TOP_K) -> float:
    """Relevant firms among the first k results, out of min(k, number relevant)."""
    if not relevant:
        return 0.0
    found = len(set(ranked[:k]) & set(relevant))
    return found / min(k, len(relevant))


def reciprocal_rank(ranked: Sequence[int], relevant: Collection[int], k: int = TOP_K) -> float:
    """1 / rank of the first relevant result within the first k, else 0."""
    wanted = set(relevant)
    for rank, firm_id in enumerate(ranked[:k], start=1):
        if firm_id in wanted:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[int], grades: Mapping[int, int], k: int = NDCG_K) -> float:
    """Normalised discounted cumulative gain of the first k results (linear gains)."""
    dcg = sum(grades.get(firm_id, 0) / math.log2(rank + 1)
              for rank, firm_id in enumerate(ranked[:k], start=1))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


# --- the labelled set ------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledQuery:
    """A query as typed, its class, and the rules saying which firms it should find."""

    q: str
    cls: str
    relevant: Rule
    graded: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


@cache
def quality_set() -> dict[str, Any]:
    """The JSON file: firm set parameters, floors and queries (read once)."""
    return json.loads(files("crm").joinpath(QUALITY_SET).read_text(encoding="utf-8"))


def labelled_queries() -> list[LabelledQuery]:
    """The labelled queries, in file order."""
    return [LabelledQuery(q["q"], q["class"], q["relevant"], q.get("graded", []),
                          q.get("note", "")) for q in quality_set()["queries"]]


def set_today() -> date:
    """The day the firm set is built and searched on (certificate validity depends on it)."""
    return date.fromisoformat(quality_set()["firm_set"]["today"])


def floors() -> dict[str, float]:
    """Figures the current search must not fall below (recall_at_20, mrr, ndcg_at_10)."""
    return dict(quality_set()["floors"])


# --- the firm set ----------------------------------------------------------------------------


def build_firm_set() -> dict[str, int]:
    """Add the labelled set's firms (demo generator, fixed size and seed) and commit.

    Needs an app context on a database with the schema and reference data and no firms.
    """
    from crm.demodata.demoset import build_demo

    params = quality_set()["firm_set"]
    counts = build_demo(params["n_firms"], seed=params["seed"], today=set_today(),
                        activity=False)
    db.session.commit()
    return counts


@contextmanager
def quality_app(database_url: str | None = None) -> Iterator[Flask]:
    """An app on a fresh database holding the firm set, removed afterwards.

    A temporary SQLite file by default; with a PostgreSQL `database_url`, a new schema in
    that database (dropped at the end), as the test suite does.
    """
    with scratch_app(build_firm_set, database_url) as app:
        yield app


# --- relevance rules -------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _phrases(value: Any) -> list[str]:
    return [f" {fold_words(str(v))} " for v in _as_list(value)]


def _holds(texts: Sequence[str | None], phrases: list[str]) -> bool:
    """Some text holds one of the (folded, space-padded) phrases as whole words."""
    return any(p in f" {fold_words(t)} " for t in texts if t for p in phrases)


def _rows_holding(stmt: Select[Any], phrases: list[str]) -> set[int]:
    """Firm ids of rows (firm_id, text, ...) where a text holds one of the phrases."""
    return {row[0] for row in db.session.execute(stmt) if _holds(row[1:], phrases)}


def _product_starts(value: Any) -> set[int]:
    starts = [p.strip() for p in _phrases(value)]
    return {firm_id for firm_id, name in db.session.execute(select(Product.firm_id, Product.name))
            if any(f"{fold_words(name)} ".startswith(f"{s} ") for s in starts)}


def _sectors(value: Any) -> set[int]:
    wanted = set(_as_list(value))
    return {firm_id for firm_id, sectors in db.session.execute(select(Firm.id, Firm.sectors))
            if wanted & set(sectors or ())}


def _mentions(value: Any) -> set[int]:
    """The place or word is visible on the firm: names, address, commune, description."""
    phrases = _phrases(value)
    return {row.id for row in db.session.execute(
        select(Firm.id, Firm.name, Firm.name_en, Firm.address, Firm.description,
               Firm.commune_code))
        if _holds([row.name, row.name_en, row.address, row.description,
                   commune_name(row.commune_code)], phrases)}


def _firm_ids(stmt: Select[Any]) -> set[int]:
    return set(db.session.scalars(stmt))


def _valid_certs(value: Any, today: date) -> set[int]:
    return _firm_ids(select(Certification.firm_id).where(
        Certification.scheme_code.in_(_as_list(value)), Certification.issued_on <= today,
        or_(Certification.expires_on.is_(None), Certification.expires_on >= today)))


def _hs_prefix(value: Any) -> set[int]:
    prefixes = ["".join(ch for ch in str(p) if ch.isdigit()) for p in _as_list(value)]
    return _firm_ids(select(Product.firm_id).where(
        or_(*(Product.hs_code.startswith(p) for p in prefixes))))


# Rule key -> the firms having that fact; a list value means "any of". Text keys match folded
# whole words ("ca phe" holds in "Cà phê nhân", not in "cà phêin"):
#   hs_prefix        a product's HS code starts with it (dots and spaces ignored)
#   product          a product's name or English name holds it; product_starts: begins with it
#   ocop_stars       a product has that OCOP rating
#   name             the firm's name or English name holds it; name_exact: is the name
#   description      the firm's description holds it
#   mentions         name, address, commune or description hold it (wherever a place shows)
#   province         today's province code; commune_between: [low, high] commune codes (the
#                    range a pre-2025 province's communes kept, e.g. Bình Định in Gia Lai)
#   tax_code, tax_code_prefix, legal_form, sector (Firm.sectors)
#   cert_scheme      a certificate of that scheme, in any state; cert_valid: valid on the day
#   cert_number, store_platform, trademark (a mark holds it)
_KEYS: dict[str, Callable[[Any, date], set[int]]] = {
    "hs_prefix": lambda v, _t: _hs_prefix(v),
    "product": lambda v, _t: _rows_holding(
        select(Product.firm_id, Product.name, Product.name_en), _phrases(v)),
    "product_starts": lambda v, _t: _product_starts(v),
    "ocop_stars": lambda v, _t: _firm_ids(
        select(Product.firm_id).where(Product.ocop_stars.in_(_as_list(v)))),
    "name": lambda v, _t: _rows_holding(select(Firm.id, Firm.name, Firm.name_en), _phrases(v)),
    "name_exact": lambda v, _t: {
        i for i, name in db.session.execute(select(Firm.id, Firm.name))
        if f" {fold_words(name)} " in _phrases(v)},
    "description": lambda v, _t: _rows_holding(select(Firm.id, Firm.description), _phrases(v)),
    "mentions": lambda v, _t: _mentions(v),
    "province": lambda v, _t: _firm_ids(select(Firm.id).where(
        Firm.province_code.in_(_as_list(v)))),
    "commune_between": lambda v, _t: _firm_ids(select(Firm.id).where(
        Firm.commune_code.between(v[0], v[1]))),
    "tax_code": lambda v, _t: _firm_ids(select(Firm.id).where(Firm.tax_code.in_(_as_list(v)))),
    "tax_code_prefix": lambda v, _t: _firm_ids(select(Firm.id).where(
        or_(*(Firm.tax_code.startswith(p) for p in _as_list(v))))),
    "legal_form": lambda v, _t: _firm_ids(select(Firm.id).where(
        Firm.legal_form.in_(_as_list(v)))),
    "sector": lambda v, _t: _sectors(v),
    "cert_scheme": lambda v, _t: _firm_ids(select(Certification.firm_id).where(
        Certification.scheme_code.in_(_as_list(v)))),
    "cert_valid": _valid_certs,
    "cert_number": lambda v, _t: _firm_ids(select(Certification.firm_id).where(
        Certification.number.in_(_as_list(v)))),
    "store_platform": lambda v, _t: _firm_ids(select(EcommerceStore.firm_id).where(
        EcommerceStore.platform.in_(_as_list(v)))),
    "trademark": lambda v, _t: _rows_holding(
        select(Trademark.firm_id, Trademark.mark), _phrases(v)),
}


def matching_firms(rule: Rule, today: date) -> set[int]:
    """Ids of the active firms a rule holds for: keys are ANDed, "any" ORs rules, "not"
    negates one."""
    ids = _firm_ids(select(Firm.id).where(Firm.archived == false()))
    for key, value in rule.items():
        if key == "any":
            ids &= set().union(*(matching_firms(r, today) for r in value))
        elif key == "not":
            ids -= matching_firms(value, today)
        elif key in _KEYS:
            ids &= _KEYS[key](value, today)
        else:
            raise ValueError(f"unknown relevance rule key {key!r}")
    return ids


def relevance(query: LabelledQuery, today: date) -> dict[int, int]:
    """Firm id -> grade (1, or the highest grade whose `when` rule holds) of relevant firms."""
    grades = dict.fromkeys(matching_firms(query.relevant, today), 1)
    for level in query.graded:
        for firm_id in matching_firms(level["when"], today) & grades.keys():
            grades[firm_id] = max(grades[firm_id], int(level["grade"]))
    return grades


# --- evaluation ------------------------------------------------------------------------------


def firm_list_search(query: str) -> list[int]:
    """Ids of the first page (20) of the firm list searched for `query`: the app's own path."""
    from crm.firms.queries import FirmFilters, firm_page

    result = firm_page(FirmFilters(q=query), page=1, per_page=TOP_K, today=set_today())
    return [f.id for f in result.page.items]


def _mean(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {m: sum(r[m] for r in rows) / len(rows) if rows else 0.0 for m in METRICS}


def evaluate(search: Search | None = None) -> dict[str, Any]:
    """Run every labelled query through `search` (default: the firm list) and score it.

    Needs an app context on the firm set. Returns {"overall": figures, "by_class":
    {class: figures}, "queries": [per query: q, class, figures, relevant, returned]}.
    """
    search = search or firm_list_search
    today = set_today()
    rows: list[dict[str, Any]] = []
    for query in labelled_queries():
        grades = relevance(query, today)
        returned = list(search(query.q))[:TOP_K]
        rows.append({
            "q": query.q, "class": query.cls, "relevant": grades, "returned": returned,
            "recall_at_20": recall_at(returned, grades),
            "mrr": reciprocal_rank(returned, grades),
            "ndcg_at_10": ndcg_at(returned, grades),
        })
    classes = list(dict.fromkeys(r["class"] for r in rows))
    return {
        "overall": {**_mean(rows), "queries": len(rows)},
        "by_class": {c: {**_mean([r for r in rows if r["class"] == c]),
                         "queries": sum(r["class"] == c for r in rows)} for c in classes},
        "queries": rows,
    }


def _figures(f: Mapping[str, float]) -> str:
    return f"recall@20 {f['recall_at_20']:.3f}  MRR {f['mrr']:.3f}  nDCG@10 {f['ndcg_at_10']:.3f}"


def report_lines(result: Mapping[str, Any], worst: int = 10, shown: int = 5) -> list[str]:
    """Printable figures: overall, per class, and the worst queries with what they returned.

    Needs an app context (firm names of the results).
    """
    lines = [f"{result['overall']['queries']} queries   {_figures(result['overall'])}", "",
             "by class:"]
    for cls, figures in result["by_class"].items():
        lines.append(f"  {cls:<16} {figures['queries']:>3}  {_figures(figures)}")
    rows = sorted(result["queries"],
                  key=lambda r: (sum(r[m] for m in METRICS), r["recall_at_20"], r["q"]))[:worst]
    ids = {i for r in rows for i in r["returned"][:shown]}
    names = {firm_id: name for firm_id, name in db.session.execute(
        select(Firm.id, Firm.name).where(Firm.id.in_(ids)))} if ids else {}
    lines += ["", f"worst {len(rows)} queries (+ relevant, - not; first {shown} results):"]
    for r in rows:
        found = len(set(r["returned"]) & r["relevant"].keys())
        lines.append(f"  {r['q']!r} [{r['class']}] {_figures(r)}  "
                     f"found {found}/{len(r['relevant'])} relevant, {len(r['returned'])} shown")
        for firm_id in r["returned"][:shown]:
            mark = "+" if firm_id in r["relevant"] else "-"
            lines.append(f"      {mark} {names.get(firm_id, firm_id)}")
        if not r["returned"]:
            lines.append("      (nothing)")
    return lines


def run_report(database_url: str | None = None, worst: int = 10) -> str:
    """Build the firm set on a fresh database, search it, and return the printable report."""
    if database_url and not sqlalchemy_url(database_url).startswith("postgresql"):
        # A fresh schema is what keeps the set exact; SQLite gets a temporary file instead.
        fail("--database-url takes a PostgreSQL URL (by default a temporary SQLite file is used)")
    with quality_app(database_url) as app, app.app_context():
        result = evaluate()
        firms = db.session.scalar(select(func.count()).select_from(Firm))
        where = db.engine.url.render_as_string(hide_password=True)
        backend = db.engine.url.get_backend_name()
        lines = report_lines(result, worst)
        db.session.remove()
    head = (f"{backend}: {firms} firms (demo generator, seed {quality_set()['firm_set']['seed']}),"
            f" {where if database_url else 'a temporary file'}")
    return "\n".join([head, *lines])
