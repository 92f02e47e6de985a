"""Schemathesis over the whole OpenAPI document against the app: no 5xx, answers as documented.

A bounded number of examples per operation keeps the suite fast (see the README for the time).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


# The committed document: tests/api/test_contract.py proves it is the code's.
schema = schemathesis.openapi.from_path(
    str(Path(__file__).resolve().parents[2] / "docs" / "openapi.json"))


@pytest.fixture
def officer_token(make_token, db):
    """An officer token with every scope, and one firm with a product for ids to hit."""
    firm = factories.make_firm()
    factories.make_product(firm)
    db.session.commit()
    return make_token("officer")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, app, officer_token):
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {officer_token}"},
                           checks=CHECKS)
