"""The labelled search set (crm/search/data/quality_set.json): its metrics, its labels, and the
firm list search kept above the floors recorded there.

The set is built once for the module in a database of its own (a temporary SQLite file, or a
fresh schema when TEST_DATABASE_URL names PostgreSQL), not in the shared test database.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner

from crm.cli import cli
from crm.search import quality
from crm.search.quality import ndcg_at, recall_at, reciprocal_rank

MIN_QUERIES = 70
MAX_RELEVANT = 40  # beyond that a query says little about ranking


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    """The firm list search run over the labelled set (plain figures; the database is gone)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    with quality.quality_app(url if url.startswith("postgresql") else None) as app, \
            app.app_context():
        result = quality.evaluate()
        result["report"] = "\n".join(quality.report_lines(result))
    return result


def test_recall_counts_relevant_firms_in_the_first_k_out_of_at_most_k():
    assert recall_at([5, 1, 7, 2], {1, 2, 3}, k=2) == pytest.approx(1 / 2)
    assert recall_at([5, 1, 7, 2], {1, 2, 3}, k=4) == pytest.approx(2 / 3)
    assert recall_at(list(range(20)), set(range(30)), k=20) == 1.0  # 20 shown, all relevant
    assert recall_at([1, 2], set()) == 0.0


def test_reciprocal_rank_is_one_over_the_rank_of_the_first_relevant_firm():
    assert reciprocal_rank([5, 1, 7, 2], {2, 7}) == pytest.approx(1 / 3)
    assert reciprocal_rank([5, 1, 7, 2], {2}, k=3) == 0.0  # only within the first k
    assert reciprocal_rank([], {2}) == 0.0


def test_ndcg_matches_a_hand_computed_ranking():
    # DCG = 0/log2(2) + 2/log2(3) + 1/log2(4) = 1.76186; ideal 2 + 1/log2(3) + 1/log2(4).
    assert ndcg_at([3, 1, 2], {1: 2, 2: 1, 4: 1}, k=3) == pytest.approx(0.562727, abs=1e-6)
    assert ndcg_at([1, 2, 4], {1: 2, 2: 1, 4: 1}, k=3) == pytest.approx(1.0)
    assert ndcg_at([9], {1: 1}) == 0.0


def test_unknown_relevance_rule_key_is_an_error(db):
    with pytest.raises(ValueError, match="hs_code"):
        quality.matching_firms({"hs_code": ["0901"]}, quality.set_today())


def test_set_has_enough_queries_in_every_class():
    classes = Counter(q.cls for q in quality.labelled_queries())
    assert sum(classes.values()) >= MIN_QUERIES
    assert min(classes.values()) >= 5, classes


def test_every_query_has_some_and_not_too_many_relevant_firms(measured):
    counts = {r["q"]: len(r["relevant"]) for r in measured["queries"]}
    wrong = {q: n for q, n in counts.items() if not 1 <= n <= MAX_RELEVANT}
    assert not wrong, f"queries with no or over {MAX_RELEVANT} relevant firms: {wrong}"


def test_firm_list_search_stays_above_the_recorded_floors(measured):
    overall = measured["overall"]
    low = {m: (round(overall[m], 3), floor) for m, floor in quality.floors().items()
           if overall[m] < floor}
    assert not low, f"below the floors (now, floor): {low}\n{measured['report']}"


def test_bench_command_prints_figures_overall_by_class_and_the_worst_queries():
    result = CliRunner().invoke(cli, ["bench", "search-quality", "--worst", "2"])
    assert result.exit_code == 0, result.output
    figures = re.compile(r"recall@20 \d\.\d{3}  MRR \d\.\d{3}  nDCG@10 \d\.\d{3}")
    assert figures.search(result.output.splitlines()[1]), result.output
    classes = {q.cls for q in quality.labelled_queries()}
    assert all(re.search(rf"^  {c} ", result.output, re.M) for c in classes), result.output
    assert "worst 2 queries" in result.output
