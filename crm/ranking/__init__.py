"""The bridge from the CRM to `matching`, in three parts:

- records.py: spec firm and opportunity records from the database rows;
- index.py: the firm index each app process keeps in step with the database;
- pages.py: one ranking per request for the pages, the shortlist and the suggestions.
"""

from crm.ranking.index import LiveIndex, live, live_index, reset_index
from crm.ranking.pages import (
    FILTER_POOL,
    ActiveModel,
    OpportunityRanking,
    RankFilters,
    active_model,
    best_opportunities,
    declared_changes,
    rank_opportunity,
)
from crm.ranking.records import firm_key, firm_records, opportunity_record

__all__ = [
    "FILTER_POOL",
    "ActiveModel",
    "LiveIndex",
    "OpportunityRanking",
    "RankFilters",
    "active_model",
    "best_opportunities",
    "declared_changes",
    "firm_key",
    "firm_records",
    "live",
    "live_index",
    "opportunity_record",
    "rank_opportunity",
    "reset_index",
]
