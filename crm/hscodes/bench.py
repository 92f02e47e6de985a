"""Accuracy of the HS suggestions on a labelled set: `crm bench hs-suggest`.

The labelled set (data/labelled.csv) is product names as Vietnamese firms write them (with
and without diacritics, some English) with their correct 4-digit HS heading; the model's few
settings and the glossary were tuned looking at it. The holdout set (data/holdout.csv) was
written after that tuning and only measured, so its figures say how the model does on names
nobody tuned it for. The model learns
from a demo registry (crm.demodata: the firms `crm demo` shows, with their coded products),
built into a temporary SQLite file; a registry product whose name is one of the labelled
names is left out of what the model learns. Printed: top-1 and top-3 accuracy at 4 digits,
for the whole model and for its parts (titles alone; titles with the phrase groups), and
the time a suggestion takes. tests/hscodes/test_accuracy.py keeps the figures above the
floors in data/bench.json.
"""

from __future__ import annotations

import csv
import json
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import Flask

from crm.demodata.scratch import scratch_app
from crm.extensions import db
from crm.hscodes import queries
from crm.hscodes.model import (
    CodedProduct,
    Phrasebook,
    Suggester,
    TitleIndex,
    english_words,
    read_glossary,
)
from matching.text import fold_words

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Labelled:
    """A product name and its correct 4-digit HS heading."""

    name: str
    heading: str


@dataclass
class Figures:
    """Accuracy of one model on the labelled set."""

    top1: float
    top3: float
    misses: list[tuple[Labelled, list[str]]] = field(default_factory=list)  # not in top 3
    ms: list[float] = field(default_factory=list)  # time of each suggestion


def labelled_set(path: Path = DATA / "labelled.csv") -> list[Labelled]:
    """The labelled product names, in file order."""
    with path.open(encoding="utf-8") as fh:
        return [Labelled(row["name"].strip(), row["hs4"].strip()) for row in csv.DictReader(fh)]


def settings() -> dict[str, Any]:
    """data/bench.json: the demo registry's parameters and the accuracy floors."""
    return json.loads((DATA / "bench.json").read_text(encoding="utf-8"))


def evaluate(model: Suggester, items: Sequence[Labelled]) -> Figures:
    """Top-1 and top-3 accuracy at 4 digits of `model` on `items`."""
    top1 = top3 = 0
    out = Figures(0.0, 0.0)
    for item in items:
        t0 = time.perf_counter()
        headings = [s.heading for s in model.suggest(item.name, top=3)]
        out.ms.append((time.perf_counter() - t0) * 1000)
        top1 += headings[:1] == [item.heading]
        if item.heading in headings:
            top3 += 1
        else:
            out.misses.append((item, headings))
    out.top1, out.top3 = top1 / len(items), top3 / len(items)
    return out


def training_products(products: Sequence[CodedProduct],
                      items: Sequence[Labelled]) -> list[CodedProduct]:
    """The registry's coded products without those named as a labelled product."""
    held_out = {fold_words(item.name) for item in items}
    return [p for p in products
            if fold_words(p.name) not in held_out and fold_words(p.name_en) not in held_out]


@contextmanager
def registry_app() -> Iterator[Flask]:
    """An app on a temporary SQLite file holding the demo registry (removed afterwards)."""
    from crm.demodata.demoset import build_demo

    params = settings()["registry"]

    def fill() -> None:
        build_demo(params["n_firms"], seed=params["seed"],
                   today=date.fromisoformat(params["today"]), activity=False)

    with scratch_app(fill) as app:
        yield app


SETS = {"labelled": "labelled.csv", "holdout": "holdout.csv"}


def measure() -> dict[str, Any]:
    """Build the demo registry and measure the model and its parts on both labelled sets.

    Returns {"coded", "learned", "sets": {name: {"items", "full", "titles", "phrases"}}};
    "full" (a Figures) is the model the app uses, the others its parts.
    """
    from crm.search.understand import synonym_groups

    sets = {name: labelled_set(DATA / file) for name, file in SETS.items()}
    with registry_app() as app, app.app_context():
        lines = queries.hs_lines()
        coded = queries.coded_products()
        db.session.remove()
    learned = training_products(coded, [i for items in sets.values() for i in items])
    titles = TitleIndex.build(lines)
    english = english_words(lines)
    book = Phrasebook.build(synonym_groups(), read_glossary(), english)
    models = {"full": Suggester(titles, learned, book),
              "titles": Suggester(titles, [], Phrasebook.build({}, [], english)),
              "phrases": Suggester(titles, [], book)}
    return {"coded": len(coded), "learned": len(learned),
            "sets": {name: {"items": len(items),
                            **{kind: evaluate(model, items) for kind, model in models.items()}}
                     for name, items in sets.items()}}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def report_lines(result: dict[str, Any], worst: int = 10) -> list[str]:
    """The printable report of measure()."""
    lines = [f"demo registry: {result['coded']} coded products, {result['learned']} learned "
             f"from (products named as a labelled one left out)"]
    for name, figures in result["sets"].items():
        full: Figures = figures["full"]
        lines += [
            f"{name} set ({figures['items']} product names): top-1 {_pct(full.top1)}  "
            f"top-3 {_pct(full.top3)}  (4 digits)",
            f"  HS titles alone:                 top-1 {_pct(figures['titles'].top1)}  "
            f"top-3 {_pct(figures['titles'].top3)}",
            f"  titles + synonyms and glossary:  top-1 {_pct(figures['phrases'].top1)}  "
            f"top-3 {_pct(figures['phrases'].top3)}",
            f"  + the registry's coded products: top-1 {_pct(full.top1)}  top-3 {_pct(full.top3)}",
        ]
    ms = sorted(t for figures in result["sets"].values() for t in figures["full"].ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    lines.append(f"one suggestion: p50 {statistics.median(ms):.1f} ms  p95 {p95:.1f} ms")
    misses = [m for figures in result["sets"].values() for m in figures["full"].misses]
    if worst and misses:
        lines.append(f"not in the top 3 ({len(misses)}; first {min(worst, len(misses))}):")
        lines += [f"  {item.name!r} {item.heading}: suggested {', '.join(got) or 'nothing'}"
                  for item, got in misses[:worst]]
    return lines


@click.command("hs-suggest")
@click.option("--worst", type=click.IntRange(0, 1000), default=10, show_default=True,
              help="Labelled products to list whose heading is not in the top 3.")
def hs_suggest_bench(worst: int) -> None:
    """Top-1/top-3 accuracy of the HS suggestions on the labelled set (crm.hscodes.bench)."""
    click.echo("\n".join(report_lines(measure(), worst)))
