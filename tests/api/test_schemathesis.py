"""Schemathesis over the whole OpenAPI document against the app: no 5xx, answers as documented;
then its stateful tests, which follow the document's links (create → read, change with the
ETag, what hangs off it).

A bounded number of examples per operation keeps the suite fast (see the README for the time).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

EXAMPLES = 8
STATEFUL_EXAMPLES = 20  # scenarios of the state machine
STATEFUL_STEPS = 8  # calls per scenario at most
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


# The committed document: tests/api/test_contract.py proves it is the code's.
DOCUMENT = str(Path(__file__).resolve().parents[2] / "docs" / "openapi.json")
schema = schemathesis.openapi.from_path(DOCUMENT)
# The stateful tests follow links from what was created: requests that fit the document make
# more creates succeed (the per-operation test above sends the ill-formed ones).
linked = schemathesis.openapi.from_path(DOCUMENT)
linked.config.generation.update(modes=[GenerationMode.POSITIVE])


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


def test_every_link_of_the_document_leads_to_an_operation_of_it():
    doc = json.loads(Path(DOCUMENT).read_text(encoding="utf-8"))
    links = [(name, link) for item in doc["paths"].values() for op in item.values()
             if isinstance(op, dict) for response in op.get("responses", {}).values()
             for name, link in response.get("links", {}).items()]
    assert len(links) >= 17  # firms, opportunities, interactions, tasks, partners
    for name, link in links:
        path, method = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
        path = path.replace("~1", "/").replace("~0", "~")
        assert method in doc["paths"].get(path, {}), f"link {name} leads nowhere: {path}"
    assert linked.statistic.transitions.total == len(links)  # Schemathesis reads them all


def test_linked_operations_answer_as_documented(app, officer_token):
    headers = {"Authorization": f"Bearer {officer_token}"}

    class Workflow(linked.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"app": app, "headers": headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=settings(max_examples=STATEFUL_EXAMPLES,
                                   stateful_step_count=STATEFUL_STEPS, deadline=None,
                                   derandomize=True, suppress_health_check=list(HealthCheck)))
