"""The labelled sets of HS suggestions (crm/hscodes/data) and the accuracy kept above the floors
recorded in data/bench.json, on the demo registry built in a temporary database of its own."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crm.cli import cli
from crm.demodata.vocab import SECTORS
from crm.hscodes import bench
from crm.hscodes.model import CodedProduct
from matching.text import fold, fold_words

HS_CODES = {row["code"] for row in csv.DictReader(
    (Path(__file__).resolve().parents[2] / "matching" / "data" / "hs_codes.csv")
    .open(encoding="utf-8"))}


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    """The full model and its parts measured on both sets (the database is gone after)."""
    return bench.measure()


@pytest.mark.parametrize("name", sorted(bench.SETS))
@pytest.mark.parametrize("figure", ["top1", "top3"])
def test_accuracy_stays_above_the_recorded_floor(measured, name, figure):
    floor = bench.settings()["floors"][name][figure]
    got = getattr(measured["sets"][name]["full"], figure)
    assert got >= floor, "\n".join(bench.report_lines(measured, worst=40))


def test_the_registry_adds_to_what_titles_and_phrases_find(measured):
    labelled = measured["sets"]["labelled"]
    assert labelled["full"].top1 > labelled["phrases"].top1 > labelled["titles"].top1


def test_the_demo_registry_is_what_the_model_learns_from(measured):
    assert measured["coded"] > 2000
    assert measured["learned"] <= measured["coded"]


def test_one_suggestion_takes_a_few_milliseconds(measured):
    times = sorted(t for s in measured["sets"].values() for t in s["full"].ms)
    assert times[len(times) // 2] < 20  # median; generous for a loaded CI machine


def test_labelled_set_is_large_varied_and_valid():
    items = bench.labelled_set()
    assert len(items) >= 120
    assert len({fold_words(i.name) for i in items}) == len(items)  # no repeats
    assert all(len(i.heading) == 4 and i.heading in HS_CODES for i in items)
    unaccented = [i for i in items if i.name.isascii()]  # Vietnamese typed bare, or English
    assert len(unaccented) >= 15
    assert any(i.name == fold(i.name) for i in unaccented)  # all lower case too
    assert len({i.heading[:2] for i in items}) >= 30  # chapters covered


def test_holdout_set_is_valid_and_apart_from_the_labelled_set():
    holdout = bench.labelled_set(bench.DATA / "holdout.csv")
    labelled = {fold_words(i.name) for i in bench.labelled_set()}
    assert len(holdout) >= 50
    assert all(i.heading in HS_CODES for i in holdout)
    assert not {fold_words(i.name) for i in holdout} & labelled


def test_no_labelled_name_is_a_demo_product_name():
    demo = {fold_words(n) for s in SECTORS.values() for p in s.products
            for n in (p.name, p.name_en) if n}
    for file in bench.SETS.values():
        assert not {fold_words(i.name) for i in bench.labelled_set(bench.DATA / file)} & demo


def test_products_named_as_a_labelled_one_are_not_learned():
    items = [bench.Labelled("Cà phê nhân Arabica", "0901")]
    products = [CodedProduct("Ca phe nhan ARABICA", None, "090111"),
                CodedProduct("Cà phê Robusta", "Cà phê nhân Arabica", "090111"),
                CodedProduct("Cà phê Robusta", None, "090111")]
    assert bench.training_products(products, items) == products[2:]


def test_bench_command_prints_top1_and_top3(measured, monkeypatch):
    monkeypatch.setattr(bench, "measure", lambda: measured)
    result = CliRunner().invoke(cli, ["bench", "hs-suggest", "--worst", "3"])
    assert result.exit_code == 0, result.output
    full = measured["sets"]["labelled"]["full"]
    assert f"top-1 {100 * full.top1:.1f}%  top-3 {100 * full.top3:.1f}%" in result.output
    assert "holdout set" in result.output
    assert "not in the top 3" in result.output
