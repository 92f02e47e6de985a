"""`crm bench duplicates`: precision and recall of the duplicate candidates on the demo set.

The demo generator (crm.demodata.demoset) plants firms typed twice (another legal-form
spelling or no diacritics, under a mistyped tax code) and branches (-001 tax codes) and says
which. The demo set is built in a temporary database; the candidate list at the default
threshold is compared with the planted pairs:
- precision: planted duplicates among the proposed pairs, out of all proposed pairs;
- recall: planted duplicates proposed, out of all planted;
and likewise for the branch pairs shown as "chi nhánh".
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

import click
from flask import Flask
from sqlalchemy import select

from crm.demodata.scratch import scratch_app
from crm.extensions import db

SEED = 2026
TODAY = date(2026, 6, 1)  # fixed: the demo's certificates and activity depend on the day
# Figures measured with `crm bench duplicates` (README); tests/duplicates fail below them.
FLOORS = {"precision": 1.0, "recall": 1.0, "branch_precision": 1.0, "branch_recall": 1.0}


@dataclass
class Measured:
    """The candidate list against the planted pairs."""

    firms: int
    planted: int
    proposed: int
    found: int
    planted_branches: int
    branches: int
    branches_found: int
    comparisons: int
    seconds: float
    wrong: list[tuple[str, str, float]]
    missed: list[tuple[str, str]]

    @property
    def precision(self) -> float:
        """Planted duplicates among the proposed pairs."""
        return self.found / self.proposed if self.proposed else 1.0

    @property
    def recall(self) -> float:
        """Planted duplicates that were proposed."""
        return self.found / self.planted if self.planted else 1.0

    @property
    def branch_precision(self) -> float:
        """Planted branches among the branch pairs shown."""
        return self.branches_found / self.branches if self.branches else 1.0

    @property
    def branch_recall(self) -> float:
        """Planted branches shown as branches."""
        return self.branches_found / self.planted_branches if self.planted_branches else 1.0


@contextmanager
def demo_app(database_url: str | None, n_firms: int,
             planted: list[Any]) -> Iterator[Flask]:
    """An app on a fresh database (temporary SQLite file, or a new PostgreSQL schema) holding
    the demo firms; `planted` receives the generator's planted pairs."""
    from crm.demodata.demoset import build_demo

    def fill() -> None:
        build_demo(n_firms, seed=SEED, today=TODAY, activity=False, planted=planted)

    with scratch_app(fill, database_url) as app:
        yield app


def measure(planted: list[Any]) -> Measured:
    """Compare the candidate list of the current database with the planted pairs."""
    from crm.duplicates import queries
    from crm.models import Firm

    ids: dict[str, int] = {code: firm_id for code, firm_id in db.session.execute(
        select(Firm.tax_code, Firm.id))}
    codes = {v: k for k, v in ids.items()}

    def pairs(kind: str) -> set[tuple[int, int]]:
        out = set()
        for p in planted:
            if p.kind == kind:
                a, b = ids[p.original_tax_code], ids[p.copy_tax_code]
                out.add((min(a, b), max(a, b)))
        return out

    started = time.perf_counter()
    found = queries.find()
    seconds = time.perf_counter() - started
    want, want_branches = pairs("duplicate"), pairs("branch")
    proposed = {(c.first_id, c.second_id): c.score for c in found.duplicates}
    shown = {(min(c.first_id, c.second_id), max(c.first_id, c.second_id))
             for c in found.branches}
    return Measured(
        firms=found.firms, planted=len(want), proposed=len(proposed),
        found=len(want & proposed.keys()), planted_branches=len(want_branches),
        branches=len(shown), branches_found=len(want_branches & shown),
        comparisons=found.comparisons, seconds=seconds,
        wrong=sorted(((codes[a], codes[b], s) for (a, b), s in proposed.items()
                      if (a, b) not in want), key=lambda w: -w[2]),
        missed=sorted((codes[a], codes[b]) for a, b in want - proposed.keys()))


def report(m: Measured) -> str:
    """The figures as printed by the command."""
    lines = [
        f"{m.firms} active firms, {m.comparisons} pairs compared in {m.seconds:.2f} s",
        f"duplicates: {m.planted} planted, {m.proposed} proposed, {m.found} right: "
        f"precision {m.precision:.3f}  recall {m.recall:.3f}",
        f"branches:   {m.planted_branches} planted, {m.branches} shown, {m.branches_found} "
        f"right: precision {m.branch_precision:.3f}  recall {m.branch_recall:.3f}",
    ]
    lines += [f"  wrong: {a} ~ {b} ({s:.0%})" for a, b, s in m.wrong[:10]]
    lines += [f"  missed: {a} ~ {b}" for a, b in m.missed[:10]]
    return "\n".join(lines)


@click.command("duplicates")
@click.option("--database-url", default=None,
              help="A PostgreSQL database to run in (a fresh schema, dropped after). "
                   "Default: a temporary SQLite file.")
@click.option("--firms", "n_firms", type=click.IntRange(100, 100_000), default=1500,
              show_default=True, help="Demo firms to generate (15 pairs are planted).")
def duplicates_bench(database_url: str | None, n_firms: int) -> None:
    """Precision and recall of the duplicate candidates against the demo's planted pairs."""
    planted: list[Any] = []
    with demo_app(database_url, n_firms, planted) as app, app.app_context():
        click.echo(report(measure(planted)))
