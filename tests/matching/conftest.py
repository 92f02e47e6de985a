"""Fixtures for the matching tests: the labelled firm set and a CLI runner."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from matching import FirmIndex

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 1)


@pytest.fixture(scope="session")
def firm_records() -> list[dict]:
    """The labelled set's firms as spec dicts."""
    lines = (DATA / "firms.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def index(firm_records: list[dict]) -> FirmIndex:
    """An index of the labelled firms (do not mutate: session scoped)."""
    return FirmIndex.build(firm_records)


@pytest.fixture(scope="session")
def cases() -> list[dict]:
    """The labelled opportunities."""
    return json.loads((DATA / "cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture
def run_cli():
    """Run `python -m matching ...`; returns CompletedProcess with text output."""

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "matching", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run
