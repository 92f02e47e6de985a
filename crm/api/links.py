"""OpenAPI links: what a client (and Schemathesis' stateful tests) can do next with what a
create returns: read it, change it with its ETag, reach what hangs off it.

`created(kind)` is passed to `blp.doc(...)` on the create operation; the targets are named by
`operationRef` (flask-smorest makes no operationIds).
"""

from __future__ import annotations

from typing import Any

from crm.api import PREFIX


def _ref(path: str, method: str) -> str:
    """A JSON pointer to an operation of this document."""
    escaped = (PREFIX + path).replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method}"


BODY_ID = "$response.body#/id"
ETAG = "$response.header.ETag"

# kind -> link name -> (path, method, parameters, description); a "body.x" parameter is the
# field x of the request body.
_LINKS: dict[str, dict[str, tuple[str, str, dict[str, str], str]]] = {
    "firm": {
        "GetFirm": ("/firms/{firm_id}", "get", {"path.firm_id": BODY_ID}, "the firm"),
        "UpdateFirm": ("/firms/{firm_id}", "patch",
                       {"path.firm_id": BODY_ID, "header.If-Match": ETAG},
                       "change the firm, with the ETag just returned"),
        "FirmProducts": ("/firms/{firm_id}/products", "get", {"path.firm_id": BODY_ID},
                         "the firm's products"),
        "FirmInteractions": ("/interactions/", "get", {"query.firm_id": BODY_ID},
                             "support given to the firm"),
        "RecordSupport": ("/interactions/", "post", {"body.firm_id": BODY_ID},
                          "record support given to the firm"),
    },
    "opportunity": {
        "GetOpportunity": ("/opportunities/{opp_id}", "get", {"path.opp_id": BODY_ID},
                           "the opportunity"),
        "UpdateOpportunity": ("/opportunities/{opp_id}", "patch",
                              {"path.opp_id": BODY_ID, "header.If-Match": ETAG},
                              "change the opportunity, with the ETag just returned"),
        "Ranking": ("/opportunities/{opp_id}/ranking", "get", {"path.opp_id": BODY_ID},
                    "firms ranked for the opportunity, with reasons"),
        "Entries": ("/opportunities/{opp_id}/entries", "get", {"path.opp_id": BODY_ID},
                    "the opportunity's shortlist"),
    },
    "interaction": {
        "GetInteraction": ("/interactions/{interaction_id}", "get",
                           {"path.interaction_id": BODY_ID}, "the interaction"),
        "UpdateInteraction": ("/interactions/{interaction_id}", "patch",
                              {"path.interaction_id": BODY_ID, "header.If-Match": ETAG},
                              "change the interaction, with the ETag just returned"),
        "InteractionTasks": ("/interactions/{interaction_id}/tasks", "get",
                             {"path.interaction_id": BODY_ID},
                             "its follow-up task and outcome check"),
        "AddTask": ("/interactions/{interaction_id}/tasks", "post",
                    {"path.interaction_id": BODY_ID}, "add a follow-up task"),
    },
    "task": {
        "GetTask": ("/interactions/{interaction_id}/tasks/{task_id}", "get",
                    {"path.interaction_id": "$response.body#/interaction_id",
                     "path.task_id": BODY_ID}, "the task"),
        "CompleteTask": ("/interactions/{interaction_id}/tasks/{task_id}/done", "post",
                         {"path.interaction_id": "$response.body#/interaction_id",
                          "path.task_id": BODY_ID}, "mark the task done"),
    },
    "partner": {
        "GetPartner": ("/partners/{partner_id}", "get", {"path.partner_id": BODY_ID},
                       "the partner"),
        "UpdatePartner": ("/partners/{partner_id}", "patch",
                          {"path.partner_id": BODY_ID, "header.If-Match": ETAG},
                          "change the partner, with the ETag just returned"),
    },
}


def created(kind: str, status: int = 201) -> dict[str, Any]:
    """`blp.doc` keywords adding the links of `kind` to the create's `status` response."""
    links: dict[str, Any] = {}
    for name, (path, method, params, description) in _LINKS[kind].items():
        link: dict[str, Any] = {"operationRef": _ref(path, method), "description": description}
        body = {k.removeprefix("body."): v for k, v in params.items() if k.startswith("body.")}
        link["parameters"] = {k: v for k, v in params.items() if not k.startswith("body.")}
        if body:
            link["requestBody"] = body
        links[name] = link
    return {"responses": {status: {"links": links}}}  # an int, as flask-smorest keys them
