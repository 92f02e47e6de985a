"""/api/v1/interactions: the support log (list, read, record, change) and follow-up tasks.

The same services as the web's support log (crm/interactions); staff read it, officers and
up write it. Enterprise users do not see the support log on the web, so their tokens cannot
hold these scopes. An interaction carries a version, as firms and partners do: GET answers
its ETag and PATCH needs If-Match (428 without, 412 when somebody saved since).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask.views import MethodView

from crm.api import links
from crm.api import schemas as s
from crm.api.core import (
    CREATED_HEADERS,
    ERRORS,
    ApiBlueprint,
    ApiError,
    doc_versioned_get,
    doc_versioned_patch,
    idempotent,
    offset_page,
    problem_responses,
    require,
    row_or_404,
    user,
    versioned,
    versioned_update,
)
from crm.auth.policy import READ_ROLES, WRITE_ROLES
from crm.extensions import db
from crm.interactions import queries, services
from crm.models import Interaction, Task

blp = ApiBlueprint("api_interactions", __name__,
                   description="Support interactions and their follow-up tasks")
KEPT = ("kind", "occurred_on", "officer_id", "programme_id", "opportunity_id", "summary",
        "cost_vnd", "firm_contribution_vnd")


def _errors(*codes: int) -> Callable[[Any], Any]:
    """Document the problem answers of an operation of this blueprint."""
    return problem_responses(blp, *codes)


@blp.route("/")
class Interactions(MethodView):
    """The support log and new interactions."""

    @blp.arguments(s.InteractionListArgs, location="query")
    @blp.response(200, s.InteractionPage)
    @_errors(*ERRORS)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The support log, newest first, filtered by firm, type, officer, programme, dates."""
        require("interactions:read", READ_ROLES)
        stmt = queries.support_log(
            officer_id=args.get("officer_id"), firm=args.get("firm"), kind=args.get("kind"),
            programme_id=args.get("programme_id"), date_from=args.get("date_from"),
            date_to=args.get("date_to"), firm_id=args.get("firm_id"))
        return offset_page(stmt, args, "interactions")

    @idempotent
    @blp.arguments(s.InteractionCreate)
    @blp.response(201, s.InteractionOut, headers=CREATED_HEADERS)
    @blp.doc(**links.created("interaction"))
    @_errors(*ERRORS, 409, 415)
    def post(self, data: dict[str, Any]) -> Any:
        """Record support given to a firm, with an optional follow-up task; an outcome check
        task follows fairs, missions, trainings… as on the web form."""
        require("interactions:write", WRITE_ROLES)
        interaction = services.log_interaction(data, by=user())
        return versioned(interaction, 201, location=url_for(
            "api_interactions.InteractionItem", interaction_id=interaction.id))


@blp.route("/<int:interaction_id>")
class InteractionItem(MethodView):
    """One interaction."""

    @doc_versioned_get(blp, s.InteractionOut)
    def get(self, interaction_id: int) -> Any:
        """An interaction."""
        require("interactions:read", READ_ROLES)
        return versioned(row_or_404(Interaction, interaction_id))

    @doc_versioned_patch(blp, s.InteractionFields, s.InteractionOut, "interaction")
    def patch(self, data: dict[str, Any], interaction_id: int) -> Any:
        """Change the fields sent (not the firm), under the rules of recording one; refused
        (412) when the interaction changed since it was read."""
        require("interactions:write", WRITE_ROLES)
        interaction = row_or_404(Interaction, interaction_id)

        def change(version: int) -> None:
            # The service checks a whole interaction: fields not sent keep their values.
            whole = {key: getattr(interaction, key) for key in KEPT} | data
            services.update_interaction(interaction, whole, by=user(), expected_version=version)

        return versioned_update(interaction, change)


@blp.route("/<int:interaction_id>/tasks")
class InteractionTasks(MethodView):
    """The tasks made from an interaction."""

    @blp.response(200, s.TaskOut(many=True))
    @_errors(*ERRORS)
    def get(self, interaction_id: int) -> Any:
        """Follow-ups and outcome checks of the interaction, by due date."""
        require("interactions:read", READ_ROLES)
        return queries.interaction_tasks(row_or_404(Interaction, interaction_id).id)

    @idempotent
    @blp.arguments(s.TaskIn)
    @blp.response(201, s.TaskOut, headers={"Location": {"schema": {"type": "string"}}})
    @blp.doc(**links.created("task"))
    @_errors(*ERRORS, 409, 415)
    def post(self, data: dict[str, Any], interaction_id: int) -> Any:
        """Add a follow-up task (due on or after the interaction)."""
        require("interactions:write", WRITE_ROLES)
        task = services.add_follow_up(row_or_404(Interaction, interaction_id), data, by=user())
        return task, 201, {"Location": url_for(
            "api_interactions.TaskItem", interaction_id=interaction_id, task_id=task.id)}


def _task(interaction_id: int, task_id: int) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or task.interaction_id != interaction_id:
        raise ApiError(404)
    return task


@blp.route("/<int:interaction_id>/tasks/<int:task_id>")
class TaskItem(MethodView):
    """One task."""

    @blp.response(200, s.TaskOut)
    @_errors(*ERRORS)
    def get(self, interaction_id: int, task_id: int) -> Any:
        """A task of the interaction."""
        require("interactions:read", READ_ROLES)
        return _task(interaction_id, task_id)


@blp.route("/<int:interaction_id>/tasks/<int:task_id>/done")
class TaskDone(MethodView):
    """Completing a task."""

    @blp.response(200, s.TaskOut)
    @_errors(*ERRORS, 409, 415)
    def post(self, interaction_id: int, task_id: int) -> Any:
        """Mark the task done (a task already done stays as it was)."""
        require("interactions:write", WRITE_ROLES)
        task = _task(interaction_id, task_id)
        services.complete_task(task, by=user())
        return task
