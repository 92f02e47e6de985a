"""Typed results of a ranking: what the app shows and the contract's JSON is written from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matching.explain import Gaps, Reason
from matching.wording import Words


@dataclass
class RankedFirm:
    """An eligible firm in rank order, with the values that put it there and why."""

    firm_id: str
    row: int
    rank: int | None  # None: asked for by id, not among the ranked firms
    score: float
    name: str
    values: dict[str, float]
    reasons: list[Reason]
    penalty: float = 0.0
    decay: float = 1.0
    unverified_preferred: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # hard requirements it lacks, if any
    relevant: bool = True  # whether its products fit the opportunity at all

    def to_dict(self, en: Words, vi: Words, explain: bool = False) -> dict[str, Any]:
        """The contract's ranked item (matching-io.md), with Vietnamese beside the English."""
        item: dict[str, Any] = {
            "firm_id": self.firm_id,
            "rank": self.rank,
            "score": self.score,
            "name": self.name,
            "reasons": [r.to_dict(en, vi, explain) for r in self.reasons],
        }
        if self.unverified_preferred:
            item["unverified_preferred"] = list(self.unverified_preferred)
        return item


@dataclass
class IneligibleFirm:
    """A firm a hard requirement excludes, what it lacks and what would let it in."""

    firm_id: str
    row: int
    score_if_eligible: float
    near_miss: bool
    gaps: Gaps
    name: str = ""

    @property
    def missing(self) -> list[str]:
        """Codes of what the firm lacks (certificates, MIN_SIZE, MIN_CAPACITY)."""
        return self.gaps.missing

    @property
    def unverified(self) -> list[dict[str, Any]]:
        """Certificates that would count once an officer verifies them."""
        return self.gaps.pending

    def to_dict(self, en: Words, vi: Words,
                cache: dict[int, dict[str, str]] | None = None) -> dict[str, Any]:
        """The contract's ineligible item; `cache` shares the words of firms with equal gaps."""
        words = None if cache is None else cache.get(id(self.gaps))
        if words is None:
            words = self.gaps.words(en, vi)
            if cache is not None:
                cache[id(self.gaps)] = words
        item: dict[str, Any] = {
            "firm_id": self.firm_id,
            "missing": list(self.gaps.missing),
            "detail": words["detail"],
            "detail_vi": words["detail_vi"],
            "score_if_eligible": self.score_if_eligible,
            "hint": words["hint"],
            "hint_vi": words["hint_vi"],
            "near_miss": self.near_miss,
        }
        if self.gaps.pending:
            item["unverified"] = [dict(p) for p in self.gaps.pending]
        return item
