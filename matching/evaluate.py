"""Ranking quality on a labelled set: NDCG@k, recall@k and hard-requirement violations.

A labelled set is a JSON file ``{"today", "cases": [{"opportunity", "relevance", ...}]}``.
Optional keys (tests/matching/data/quality/cases.json uses them): ``"firms"``, FIRMS.jsonl
files relative to the set (default: firms.jsonl beside it); ``"include"``, other sets whose
cases come first; ``"extra_relevance"``, {opportunity id: {firm id: grade}} added to the
included cases (labels for firms the included set did not have). Every 4th case (positions
3, 7, 11, ... of the merged list) is the held-out part: weights are tuned on the others.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from matching import factors as fx
from matching.index import FirmIndex
from matching.rank import rank
from matching.records import parse_opportunity


def ndcg_at_k(ranked_ids: Sequence[str], relevance: Mapping[str, float], k: int = 10) -> float:
    """Normalised discounted cumulative gain (gain 2^rel - 1); 1.0 if nothing is relevant."""
    gains = [2.0 ** relevance.get(f, 0) - 1.0 for f in ranked_ids[:k]]
    dcg = sum(g / np.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((2.0**r - 1.0 for r in relevance.values() if r > 0), reverse=True)[:k]
    idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
    return float(dcg / idcg) if idcg > 0 else 1.0


def recall_at_k(ranked_ids: Sequence[str], relevance: Mapping[str, float], k: int = 10) -> float:
    """Share of relevant firms (rel > 0) found in the top k; 1.0 if none are relevant."""
    relevant = {f for f, r in relevance.items() if r > 0}
    if not relevant:
        return 1.0
    return len(relevant & set(ranked_ids[:k])) / len(relevant)


def violations(
    index: FirmIndex, opportunity: Any, ranked_ids: Sequence[str], today: date
) -> list[str]:
    """Ranked firms that fail a hard requirement, re-checked firm by firm (factors.assess)."""
    opp = parse_opportunity(opportunity) if isinstance(opportunity, Mapping) else opportunity
    ctx = fx.Context.build(opp, today, index.text)
    return [f for f in ranked_ids if fx.assess(index.firm(f), ctx, text_index=index.text).missing]


def evaluate(index: FirmIndex, cases: list[dict], today: date, k: int = 10) -> dict:
    """Mean NDCG@k, recall@k and total violations over labelled cases, plus per-case rows."""
    rows = []
    for case in cases:
        result = rank(index, case["opportunity"], today=today, top=k)
        ids = [r["firm_id"] for r in result["ranked"]]
        bad = violations(index, case["opportunity"], ids, today)
        bad += [f for f in case.get("ineligible", {}) if f in ids and f not in bad]
        rows.append(
            {
                "opportunity": result["opportunity"],
                "ndcg": ndcg_at_k(ids, case["relevance"], k),
                "recall": recall_at_k(ids, case["relevance"], k),
                "violations": bad,
            }
        )
    return {
        "ndcg": float(np.mean([r["ndcg"] for r in rows])) if rows else 0.0,
        "recall": float(np.mean([r["recall"] for r in rows])) if rows else 0.0,
        "violations": sum(len(r["violations"]) for r in rows),
        "cases": rows,
    }


def load_cases(path: str | Path) -> tuple[date, list[dict]]:
    """Read a labelled set: {"today": ..., "cases": [{"opportunity", "relevance", ...}]}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return date.fromisoformat(data["today"]), data["cases"]


@dataclass
class LabelledSet:
    """A labelled set with everything it names loaded: day, cases, firm records."""

    today: date
    cases: list[dict]
    firm_files: list[Path]

    def held_out(self) -> list[dict]:
        """The held-out part: every 4th case."""
        return self.cases[3::4]

    def tuning(self) -> list[dict]:
        """The cases weights may be tuned on: all but every 4th."""
        return [c for i, c in enumerate(self.cases) if i % 4 != 3]


def load_set(path: str | Path) -> LabelledSet:
    """Read a labelled set with its includes and firm files (ValueError/OSError if broken)."""
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise ValueError("not a labelled set (expected an object with a 'cases' list)")
    cases: list[dict] = []
    for inc in data.get("include", []):
        cases += copy.deepcopy(load_set(path.parent / inc).cases)
    extra = data.get("extra_relevance", {})
    for case in cases:
        more = extra.get(case["opportunity"]["id"])
        if more:
            case["relevance"] = {**case["relevance"], **more}
    cases += data["cases"]
    for i, case in enumerate(cases):
        if not isinstance(case, dict) or "opportunity" not in case or "relevance" not in case:
            raise ValueError(f"case {i + 1}: needs 'opportunity' and 'relevance'")
    files = [path.parent / f for f in data.get("firms", ["firms.jsonl"])]
    return LabelledSet(date.fromisoformat(data["today"]), cases, files)


def summary(report: dict, cases: list[dict]) -> dict:
    """Mean NDCG@k overall and per opportunity kind, for the rows of `report`."""
    kinds: dict[str, list[float]] = {}
    for case, row in zip(cases, report["cases"], strict=True):
        kinds.setdefault(case["opportunity"]["kind"], []).append(row["ndcg"])
    return {
        "ndcg": report["ndcg"],
        "kinds": {k: float(np.mean(v)) for k, v in sorted(kinds.items())},
        "n": len(cases),
    }
