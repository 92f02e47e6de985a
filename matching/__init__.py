"""Firm-opportunity matching for the Go Global CRM: a pure library, no Flask.

Public API (stable; the CRM calls these):

    from matching import FirmIndex, rank, match, opportunities_for_firm

    index = FirmIndex.build(firms)          # iterable of spec dicts / Firm, or a DataFrame
    index.upsert(firm_dict)                 # add or replace one firm, no rebuild
    index.remove("KH-0001")                 # -> bool
    result = rank(index, opp_dict, today=date(2027, 1, 5), top=20, explain=False)
    # result == {"opportunity": ..., "ranked": [...], "ineligible": [...]} (matching-io.md)
    ranking = match(index, opp_dict, today=..., top=20)   # lazy: .ranked(), .ineligible(limit)
    opportunities_for_firm(index, "KH-0001", [opp, ...], today=...)  # for a firm's page
    match(index, opp_dict, reference=Reference.from_rows(...))  # own requirement rules
    # (default: Reference.from_files(), the CSV files in matching/data)

Command line (matching-io.md): ``python -m matching rank --opportunity OPP.json
--firms FIRMS.jsonl [--today YYYY-MM-DD] [--top K] [--explain]`` and
``python -m matching bench --firms N``. Weights per opportunity kind: matching/weights.py.
"""

from matching.index import FirmIndex
from matching.rank import Ranking, match, opportunities_for_firm, rank
from matching.records import Firm, InputError, Opportunity, parse_firm, parse_opportunity
from matching.reference import Reference
from matching.text import fold
from matching.weights import DEFAULT_WEIGHTS

__all__ = [
    "DEFAULT_WEIGHTS",
    "Firm",
    "FirmIndex",
    "InputError",
    "Opportunity",
    "Ranking",
    "Reference",
    "fold",
    "match",
    "opportunities_for_firm",
    "parse_firm",
    "parse_opportunity",
    "rank",
]
