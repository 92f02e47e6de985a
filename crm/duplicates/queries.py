"""Candidate duplicate pairs: same tax code root (related firms) and similar names in a province.

Names are compared only inside blocks (same province, same first letters of the name key, or
same first word), so 100,000 firms never need 100,000² comparisons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations

from sqlalchemy import select

from crm.duplicates.names import name_key
from crm.extensions import db
from crm.models import ChangeRecord, Firm

THRESHOLD = 0.85
MAX_BLOCK = 400  # a bigger block is split on longer prefixes


@dataclass
class Candidate:
    """Two firms that may be one; kind 'name' (probable duplicate) or 'branch' (related)."""

    first_id: int
    second_id: int
    score: float
    kind: str
    first_name: str = ""
    second_name: str = ""
    first_tax_code: str = ""
    second_tax_code: str = ""
    province_code: int | None = None


def similarity(a: str, b: str) -> float:
    """0..1: the better of character similarity and word overlap of two name keys."""
    if a == b:
        return 1.0
    ratio = SequenceMatcher(None, a, b).ratio()
    wa, wb = set(a.split()), set(b.split())
    overlap = len(wa & wb) / len(wa | wb) if wa and wb else 0.0
    return max(ratio, overlap)


def _blocks(keys: dict[int, str], ids: list[int], depth: int = 3) -> list[list[int]]:
    grouped: dict[str, list[int]] = defaultdict(list)
    for firm_id in ids:
        grouped[keys[firm_id].replace(" ", "")[:depth]].append(firm_id)
    out = []
    for members in grouped.values():
        if len(members) > MAX_BLOCK and depth < 12:
            out.extend(_blocks(keys, members, depth + 3))
        elif len(members) > 1:
            out.append(members)
    return out


def candidate_pairs(threshold: float = THRESHOLD, province: int | None = None,
                    limit: int = 500) -> list[Candidate]:
    """Likely duplicates (similar names, same province) and related firms (branch MST)."""
    stmt = select(Firm.id, Firm.name, Firm.tax_code, Firm.province_code).where(
        Firm.archived.is_(False))
    if province is not None:
        stmt = stmt.where(Firm.province_code == province)
    rows = db.session.execute(stmt).all()
    info = {r.id: r for r in rows}
    keys = {r.id: name_key(r.name) for r in rows}
    found: dict[tuple[int, int], Candidate] = {}
    by_province: dict[int | None, list[int]] = defaultdict(list)
    for r in rows:
        by_province[r.province_code].append(r.id)
    for members in by_province.values():
        first_word: dict[str, list[int]] = defaultdict(list)
        for firm_id in members:
            words = keys[firm_id].split()
            if words:
                first_word[max(words, key=len)].append(firm_id)
        blocks = _blocks(keys, members) + [b for b in first_word.values()
                                           if 1 < len(b) <= MAX_BLOCK]
        for block in blocks:
            for a, b in combinations(sorted(block), 2):
                if (a, b) in found:
                    continue
                ka, kb = keys[a], keys[b]
                if SequenceMatcher(None, ka, kb).quick_ratio() < threshold and \
                        not set(ka.split()) & set(kb.split()):
                    continue
                score = similarity(ka, kb)
                if score >= threshold:
                    found[(a, b)] = Candidate(a, b, round(score, 2), "name")
    roots: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        roots[r.tax_code[:10]].append(r.id)
    for members in roots.values():
        for a, b in combinations(sorted(members), 2):
            found.setdefault((a, b), Candidate(a, b, 1.0, "branch"))
    out = sorted(found.values(), key=lambda c: (c.kind != "name", -c.score, c.first_id))
    for c in out:
        fa, fb = info[c.first_id], info[c.second_id]
        c.first_name, c.second_name = fa.name, fb.name
        c.first_tax_code, c.second_tax_code = fa.tax_code, fb.tax_code
        c.province_code = fa.province_code
    return out[:limit]


def merged_into(firm_id: int) -> int | None:
    """The firm this one was merged into, or None."""
    value = db.session.scalar(
        select(ChangeRecord.new_value).where(ChangeRecord.firm_id == firm_id,
                                             ChangeRecord.entity == "firm",
                                             ChangeRecord.field == "merged_into")
        .order_by(ChangeRecord.id.desc()).limit(1))
    return value if isinstance(value, int) else None
