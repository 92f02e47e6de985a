"""Each test starts without a cached suggestion model: its registry is rolled back after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from crm.hscodes.services import CACHE_KEY


@pytest.fixture(autouse=True)
def _fresh_model(app: Flask) -> Iterator[None]:
    app.extensions.pop(CACHE_KEY, None)
    yield
    app.extensions.pop(CACHE_KEY, None)
