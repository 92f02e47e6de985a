"""Precision and recall of the duplicate candidates on the demo set, against the pairs the
generator planted (the figures printed by `crm bench duplicates`)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from crm.cli import cli
from crm.duplicates.bench import FLOORS, demo_app, measure


@pytest.fixture(scope="module")
def measured():
    """The demo set built once (on PostgreSQL when TEST_DATABASE_URL says so)."""
    url = os.environ.get("TEST_DATABASE_URL") or None
    planted: list = []
    with demo_app(url if url and url.startswith("postgres") else None, 1500, planted) as app, \
            app.app_context():
        yield measure(planted)


def test_demo_plants_ten_duplicates_and_five_branches(measured):
    assert (measured.planted, measured.planted_branches) == (10, 5)


@pytest.mark.parametrize("figure", sorted(FLOORS))
def test_candidates_stay_above_the_recorded_figures(measured, figure):
    assert getattr(measured, figure) >= FLOORS[figure], (measured.wrong, measured.missed)


def test_bench_command_prints_precision_and_recall(tmp_path):
    result = CliRunner().invoke(cli, ["bench", "duplicates", "--firms", "200"])
    assert result.exit_code == 0, result.output
    assert "precision" in result.output
    assert "recall" in result.output
