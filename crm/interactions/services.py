"""Writes of the support log: check the rules, add/flush, never commit (the caller commits)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app, has_request_context
from flask_babel import gettext
from sqlalchemy import select

from crm import clock
from crm.errors import ConflictError, UserError
from crm.extensions import db
from crm.interactions.labels import support_label
from crm.models import (
    Country,
    Firm,
    FirmIndicator,
    Interaction,
    Opportunity,
    Outcome,
    Partner,
    Programme,
    ShortlistEntry,
    Task,
    User,
)
from crm.models.base import utcnow
from crm.models.support import INTERACTION_KINDS, OUTCOME_KINDS, OUTCOME_RESULTS
from crm.models.user import STAFF_ROLES
from crm.validators import row_id

# After these activities something may come of it: check with the firm some months later.
OUTCOME_CHECK_KINDS = frozenset(
    {"trade_mission", "trade_fair", "b2b_meeting", "ecommerce_onboarding", "training",
     "investment_abroad", "value_chain"}
)
DEFAULT_OUTCOME_CHECK_MONTHS = 6
SUMMARY_MAX = 4000
TITLE_MAX = 255
NOTE_MAX = 4000
MAX_AMOUNT = Decimal("1e15")  # the columns hold 16 digits


def _(message: str, **values: Any) -> str:
    """gettext inside a request; the Vietnamese msgid itself from CLI commands (demo data)."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


def outcome_check_months() -> int:
    """Months between an activity and its outcome check (config OUTCOME_CHECK_MONTHS, 6)."""
    return int(current_app.config.get("OUTCOME_CHECK_MONTHS", DEFAULT_OUTCOME_CHECK_MONTHS))


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months; the 31st becomes the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _amount(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    amount = Decimal(str(value))
    if amount < 0:
        raise UserError(_("Số tiền không được âm."), field=field)
    if amount >= MAX_AMOUNT:
        raise UserError(_("Số tiền quá lớn."), field=field)
    return amount


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise UserError(_("Bắt buộc nhập."), field=field)
    if len(value) > limit:
        raise UserError(_("Tối đa %(n)d ký tự.", n=limit), field=field)
    return value or None


def _firm(firm_id: Any) -> Firm:
    firm = db.session.get(Firm, row_id(firm_id)) if row_id(firm_id) else None
    if firm is None or firm.archived:
        raise UserError(_("Không tìm thấy doanh nghiệp."), field="firm_id")
    return firm


def _programme(programme_id: Any) -> Programme | None:
    if not programme_id:
        return None
    programme = db.session.get(Programme, int(programme_id))
    if programme is None:
        raise UserError(_("Không tìm thấy chương trình."), field="programme_id")
    return programme


def _opportunity(opportunity_id: Any) -> Opportunity | None:
    if not opportunity_id:
        return None
    opportunity = db.session.get(Opportunity, int(opportunity_id))
    if opportunity is None:
        raise UserError(_("Không tìm thấy cơ hội."), field="opportunity_id")
    return opportunity


def _officer(officer_id: Any, default: User, field: str = "officer_id") -> User:
    if not officer_id:
        return default
    officer = db.session.get(User, int(officer_id))
    if officer is None or officer.role not in STAFF_ROLES or not officer.active:
        raise UserError(_("Không tìm thấy cán bộ."), field=field)
    return officer


def _in_programme_period(programme: Programme | None, day: date, field: str) -> None:
    if programme and not programme.start_year <= day.year <= programme.end_year:
        raise UserError(
            _("Ngày nằm ngoài giai đoạn %(a)d-%(b)d của chương trình.",
              a=programme.start_year, b=programme.end_year),
            field=field,
        )


def _interaction_fields(data: dict[str, Any], by: User,
                        current: Interaction | None = None) -> dict[str, Any]:
    """The checked fields of an interaction (kind, date, officer, programme, opportunity,
    summary, amounts): the rules shared by recording and changing one."""
    kind = data.get("kind")
    if kind not in INTERACTION_KINDS:
        raise UserError(_("Loại hoạt động không hợp lệ."), field="kind")
    occurred_on: date | None = data.get("occurred_on")
    if occurred_on is None:
        raise UserError(_("Bắt buộc nhập."), field="occurred_on")
    default_officer = current.officer if current is not None and current.officer else by
    officer = _officer(data.get("officer_id"), default_officer)
    opportunity = _opportunity(data.get("opportunity_id"))
    programme = _programme(data.get("programme_id"))
    if programme is None and opportunity is not None and opportunity.programme_id:
        programme = opportunity.programme  # an activity of the opportunity's programme
    _in_programme_period(programme, occurred_on, "occurred_on")
    return {
        "kind": kind, "occurred_on": occurred_on, "officer": officer, "programme": programme,
        "opportunity": opportunity,
        "summary": _text(data.get("summary"), "summary", SUMMARY_MAX, required=True),
        "cost_vnd": _amount(data.get("cost_vnd"), "cost_vnd"),
        "firm_contribution_vnd": _amount(data.get("firm_contribution_vnd"),
                                         "firm_contribution_vnd"),
    }


def _follow_up(title: Any, due_on: date | None, occurred_on: date,
               fields: tuple[str, str] = ("follow_up_title", "follow_up_due_on"),
               ) -> tuple[str, date] | None:
    """A follow-up's checked (title, due date), or None when neither is given; `fields`
    names the title and due date inputs for the error messages."""
    title_field, due_field = fields
    title = _text(title, title_field, TITLE_MAX)
    if due_on and not title:
        raise UserError(_("Nhập việc cần làm cho hạn này."), field=title_field)
    if title and not due_on:
        raise UserError(_("Nhập hạn cho việc cần làm."), field=due_field)
    if due_on and due_on < occurred_on:
        raise UserError(_("Hạn phải sau ngày hoạt động."), field=due_field)
    return (title, due_on) if title and due_on else None


def log_interaction(data: dict[str, Any], *, by: User) -> Interaction:
    """Record a support interaction, its optional follow-up task and its outcome check.

    data: firm_id, kind, occurred_on, officer_id, programme_id, opportunity_id, summary,
    cost_vnd, firm_contribution_vnd, follow_up_title, follow_up_due_on,
    outcome_check_months (None = configured default, 0 = none).
    """
    firm = _firm(data.get("firm_id"))
    fields = _interaction_fields(data, by)
    interaction = Interaction(firm=firm, **fields)
    follow_up = _follow_up(data.get("follow_up_title"), data.get("follow_up_due_on"),
                           fields["occurred_on"])
    months = data.get("outcome_check_months")
    months = outcome_check_months() if months is None else int(months)
    if not 0 <= months <= 36:
        raise UserError(_("Từ 0 đến 36 tháng."), field="outcome_check_months")
    db.session.add(interaction)
    db.session.flush()
    officer, opportunity = fields["officer"], fields["opportunity"]
    if follow_up:
        db.session.add(Task(
            kind="follow_up", title=follow_up[0], due_on=follow_up[1], assignee=officer,
            firm=firm, interaction_id=interaction.id,
            opportunity_id=opportunity.id if opportunity else None,
        ))
    if interaction.kind in OUTCOME_CHECK_KINDS and months:
        _outcome_check(firm, interaction.occurred_on, months, officer, interaction=interaction,
                       opportunity=opportunity)
    db.session.flush()
    return interaction


def update_interaction(interaction: Interaction, data: dict[str, Any], *,
                       by: User, expected_version: int | str | None = None) -> Interaction:
    """Change a recorded interaction (not its firm) under the same rules as recording it.

    data: the fields of log_interaction but firm_id and the follow-up ones, all of them
    (the caller fills in those not changed); tasks already made stay as they are.
    expected_version: the version the caller read; ConflictError when somebody saved since.
    """
    if expected_version not in (None, ""):
        try:
            expected = int(expected_version)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            expected = -1
        if expected != interaction.version:
            raise ConflictError()
    for name, value in _interaction_fields(data, by, current=interaction).items():
        setattr(interaction, name, value)
    db.session.flush()
    return interaction


def add_follow_up(interaction: Interaction, data: dict[str, Any], *, by: User) -> Task:
    """Add a follow-up task to an interaction (title, due_on ≥ its date, assignee_id:
    an active staff member, by default the interaction's officer)."""
    follow_up = _follow_up(data.get("title"), data.get("due_on"), interaction.occurred_on,
                           ("title", "due_on"))
    if follow_up is None:
        raise UserError(_("Bắt buộc nhập."), field="title")
    assignee = _officer(data.get("assignee_id"), interaction.officer or by, "assignee_id")
    task = Task(kind="follow_up", title=follow_up[0], due_on=follow_up[1], assignee=assignee,
                firm_id=interaction.firm_id, interaction_id=interaction.id,
                opportunity_id=interaction.opportunity_id)
    db.session.add(task)
    db.session.flush()
    return task


def _outcome_check(
    firm: Firm,
    activity_date: date,
    months: int,
    assignee: User | None,
    *,
    interaction: Interaction | None = None,
    opportunity: Opportunity | None = None,
) -> Task:
    what = opportunity.title if opportunity else support_label(interaction.kind if interaction
                                                                else None)
    task = Task(
        kind="outcome_check",
        title=_("Hỏi kết quả sau «%(what)s»", what=what)[:TITLE_MAX],
        due_on=add_months(activity_date, months),
        assignee=assignee,
        firm=firm,
        interaction_id=interaction.id if interaction else None,
        opportunity_id=opportunity.id if opportunity else None,
    )
    db.session.add(task)
    return task


def create_outcome_checks(
    opportunity: Opportunity,
    firms: Iterable[Firm] | None = None,
    *,
    activity_date: date | None = None,
    months: int | None = None,
    assignee: User | None = None,
) -> list[Task]:
    """Create an outcome-check task for each participant of `opportunity` (idempotent).

    firms: the participants; None = shortlist entries with status participated/outcome.
    activity_date: defaults to the opportunity's end (or start) date, else today.
    months: defaults to config OUTCOME_CHECK_MONTHS (6). assignee: defaults to the
    opportunity's creator. A firm that already has an outcome check for this opportunity
    gets no second one. Adds and flushes; the caller commits.
    """
    if firms is None:
        firms = db.session.scalars(
            select(Firm).join(ShortlistEntry, ShortlistEntry.firm_id == Firm.id).where(
                ShortlistEntry.opportunity_id == opportunity.id,
                ShortlistEntry.status.in_(("participated", "outcome")),
            )
        ).all()
    activity_date = activity_date or opportunity.ends_on or opportunity.starts_on or clock.today()
    months = outcome_check_months() if months is None else months
    if assignee is None and opportunity.created_by_id:
        assignee = db.session.get(User, opportunity.created_by_id)
    already = set(db.session.scalars(
        select(Task.firm_id).where(
            Task.opportunity_id == opportunity.id, Task.kind == "outcome_check"
        )
    ))
    created = []
    for firm in firms:
        if firm.id in already:
            continue
        already.add(firm.id)
        created.append(_outcome_check(firm, activity_date, months, assignee,
                                      opportunity=opportunity))
    db.session.flush()
    return created


def complete_task(task: Task, *, by: User) -> None:
    """Mark a task done (staff only; an already-done task stays as it was)."""
    if by.role not in STAFF_ROLES:
        raise UserError(_("Bạn không có quyền cập nhật việc này."))
    if task.done_at is None:
        task.done_at = utcnow()
    db.session.flush()


def record_outcome(data: dict[str, Any], *, by: User) -> Outcome:
    """Record what came of support; closes the outcome-check task it answers, if any.

    data: firm_id, kind, result, occurred_on, programme_id, opportunity_id, interaction_id,
    partner_id, partner_name, value_usd, market, platform, note, task_id.
    """
    firm = _firm(data.get("firm_id"))
    kind = data.get("kind")
    if kind not in OUTCOME_KINDS:
        raise UserError(_("Loại kết quả không hợp lệ."), field="kind")
    result = data.get("result") or None
    if result is not None and result not in OUTCOME_RESULTS:
        raise UserError(_("Kết quả không hợp lệ."), field="result")
    if kind == "follow_up_result" and result is None:
        raise UserError(_("Chọn kết quả."), field="result")
    occurred_on: date | None = data.get("occurred_on")
    if occurred_on is None:
        raise UserError(_("Bắt buộc nhập."), field="occurred_on")
    if occurred_on > clock.today():
        raise UserError(_("Kết quả không thể ở ngày tương lai."), field="occurred_on")
    programme = _programme(data.get("programme_id"))
    opportunity = _opportunity(data.get("opportunity_id"))
    partner = None
    if data.get("partner_id"):
        partner = db.session.get(Partner, int(data["partner_id"]))
        if partner is None:
            raise UserError(_("Không tìm thấy đối tác."), field="partner_id")
    partner_name = _text(data.get("partner_name"), "partner_name", TITLE_MAX)
    market = (data.get("market") or "").strip().upper() or None
    if market and db.session.get(Country, market) is None:
        raise UserError(_("Không tìm thấy thị trường."), field="market")
    if kind == "new_market" and not market:
        raise UserError(_("Chọn thị trường."), field="market")
    value = _amount(data.get("value_usd"), "value_usd")
    interaction_id = data.get("interaction_id") or None
    task = None
    if data.get("task_id"):
        task = db.session.get(Task, int(data["task_id"]))
        if task is None or task.firm_id != firm.id:
            raise UserError(_("Không tìm thấy việc cần làm."), field="task_id")
        interaction_id = interaction_id or task.interaction_id
        if opportunity is None and task.opportunity_id:
            opportunity = db.session.get(Opportunity, task.opportunity_id)
    if interaction_id is not None:
        interaction = db.session.get(Interaction, int(interaction_id))
        if interaction is None or interaction.firm_id != firm.id:
            raise UserError(_("Không tìm thấy hoạt động."), field="interaction_id")
        interaction_id = interaction.id
    outcome = Outcome(
        firm=firm, kind=kind, result=result, occurred_on=occurred_on,
        programme_id=programme.id if programme else None,
        opportunity_id=opportunity.id if opportunity else None,
        interaction_id=interaction_id,
        partner=partner, partner_name=partner_name, value_usd=value, market=market,
        platform=_text(data.get("platform"), "platform", 40),
        note=_text(data.get("note"), "note", NOTE_MAX),
        recorded_by_id=by.id,
    )
    db.session.add(outcome)
    if task is not None:
        complete_task(task, by=by)
    db.session.flush()
    return outcome


INDICATOR_FIELDS = ("export_revenue_usd", "export_markets", "ecommerce_revenue_usd", "employees")


def save_indicator(firm: Firm, data: dict[str, Any]) -> FirmIndicator:
    """Create or update the firm's figures for one year (values ≥ 0; empty = unknown)."""
    year = data.get("year")
    if year is None or not 1990 <= int(year) <= clock.today().year:
        raise UserError(_("Năm từ 1990 đến năm nay."), field="year")
    row = db.session.scalar(
        select(FirmIndicator).where(FirmIndicator.firm_id == firm.id,
                                    FirmIndicator.year == int(year))
    )
    if row is None:
        row = FirmIndicator(firm_id=firm.id, year=int(year))
        db.session.add(row)
    for name in INDICATOR_FIELDS:
        value = data.get(name)
        if value in (None, ""):
            setattr(row, name, None)
            continue
        if Decimal(str(value)) < 0:
            raise UserError(_("Không được âm."), field=name)
        if Decimal(str(value)) >= MAX_AMOUNT:
            raise UserError(_("Số quá lớn."), field=name)
        setattr(row, name, value)
    db.session.flush()
    return row
