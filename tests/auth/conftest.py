"""Throttling is off for the suite; these fixtures switch it on for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm.extensions import limiter


@pytest.fixture
def throttling(app) -> Iterator:
    """Login throttling on, with empty in-memory counters, for this test only."""
    with app.app_context():
        limiter.reset()
    limiter.enabled = True
    try:
        yield limiter
    finally:
        limiter.enabled = False
        with app.app_context():
            limiter.reset()
