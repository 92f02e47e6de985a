"""Reminders: certificates 90/30/7 days, GACC 6 and 3 months before the 5-year end,
opportunity deadlines for invited firms, tasks due to officers. Each once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from crm.cli import cli
from crm.messaging.reminders import run_reminders
from crm.models import Message, Opportunity, OutboxEmail, ShortlistEntry, Task
from tests import factories

EXPIRY = date(2027, 3, 31)


def _keys(db) -> list[str]:
    return sorted(db.session.scalars(select(Message.dedupe_key)))


@pytest.fixture
def firm(db):
    firm = factories.make_firm()
    factories.make_contact(firm, email="lienhe@firm.vn")
    return firm


@pytest.mark.parametrize(("days_before", "threshold"), [(90, 90), (45, 90), (30, 30), (20, 30),
                                                        (7, 7), (1, 7), (0, 7)])
def test_certificate_reminder_of_the_threshold_reached(db, firm, days_before, threshold):
    cert = factories.make_certification(firm, scheme_code="HACCP", expires_on=EXPIRY)
    run_reminders(EXPIRY - timedelta(days=days_before))
    assert _keys(db) == [f"cert:{cert.id}:{EXPIRY.isoformat()}:{threshold}d"]


def test_certificate_reminders_each_once_over_the_months(db, firm):
    cert = factories.make_certification(firm, scheme_code="HACCP", expires_on=EXPIRY)
    day = EXPIRY - timedelta(days=100)
    while day <= EXPIRY + timedelta(days=3):
        run_reminders(day)
        run_reminders(day)  # twice a day changes nothing
        day += timedelta(days=1)
    assert _keys(db) == [f"cert:{cert.id}:{EXPIRY.isoformat()}:{d}d" for d in (30, 7, 90)]
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 3
    message = db.session.scalar(select(Message).where(Message.dedupe_key.like("%:7d")))
    assert message.firm_id == firm.id
    assert message.kind == "reminder"
    assert "HACCP" in message.subject
    assert "31/03/2027" in message.subject


def test_renewed_certificate_is_reminded_again_for_its_new_expiry(db, firm):
    cert = factories.make_certification(firm, scheme_code="HACCP", expires_on=EXPIRY)
    run_reminders(EXPIRY - timedelta(days=5))
    cert.expires_on = EXPIRY + timedelta(days=365 * 3)
    db.session.flush()
    run_reminders(cert.expires_on - timedelta(days=80))
    assert len(_keys(db)) == 2


def test_gacc_registration_reminded_6_then_3_months_before_its_five_years(db, firm):
    cert = factories.make_certification(firm, scheme_code="GACC", issued_on=date(2022, 3, 1),
                                        expires_on=None)
    run_reminders(date(2026, 8, 31))  # 6 months and a day before: nothing yet
    assert _keys(db) == []
    run_reminders(date(2026, 9, 1))
    run_reminders(date(2026, 10, 15))
    run_reminders(date(2026, 12, 1))
    run_reminders(date(2027, 2, 1))
    run_reminders(date(2027, 3, 1))  # the end: too late for a reminder
    assert _keys(db) == [f"gacc:{cert.id}:2027-03-01:3m", f"gacc:{cert.id}:2027-03-01:6m"]
    # GACC has its own rhythm, not the 90/30/7 days of other certificates.
    assert not [k for k in _keys(db) if k.startswith("cert:")]


def test_opportunity_deadline_reminds_invited_firms_that_have_not_answered(db, firm):
    answered = factories.make_firm()
    shortlisted = factories.make_firm()
    opp = Opportunity(code="FAIR-1", kind="trade_fair", title="Hội chợ Canton 2027",
                      status="open", deadline=date(2027, 4, 10))
    db.session.add(opp)
    db.session.flush()
    db.session.add_all([
        ShortlistEntry(opportunity_id=opp.id, firm_id=firm.id, status="invited"),
        ShortlistEntry(opportunity_id=opp.id, firm_id=answered.id, status="invited",
                       firm_response="interested"),
        ShortlistEntry(opportunity_id=opp.id, firm_id=shortlisted.id, status="shortlisted"),
    ])
    db.session.flush()
    for day in (date(2027, 4, 1), date(2027, 4, 3), date(2027, 4, 4), date(2027, 4, 9),
                date(2027, 4, 10), date(2027, 4, 11)):
        run_reminders(day)
    assert _keys(db) == [f"opportunity:{opp.id}:firm:{firm.id}:2027-04-10:1d",
                         f"opportunity:{opp.id}:firm:{firm.id}:2027-04-10:7d"]


def test_tasks_due_are_reminded_to_their_officer_by_email(db, firm):
    officer = factories.make_user("officer", email="canbo@xttm.gov.vn")
    task = Task(kind="follow_up", title="Gọi lại về hội chợ", due_on=date(2027, 1, 15),
                assignee_id=officer.id, firm_id=firm.id)
    done = Task(kind="follow_up", title="Đã xong", due_on=date(2027, 1, 15),
                assignee_id=officer.id, firm_id=firm.id, done_at=func.now())
    db.session.add_all([task, done])
    db.session.flush()
    run_reminders(date(2027, 1, 13))  # two days before: not yet
    run_reminders(date(2027, 1, 14))
    run_reminders(date(2027, 1, 15))
    message = db.session.scalar(select(Message))
    assert message.dedupe_key == f"task:{task.id}:due:2027-01-15"
    assert message.recipient_user_id == officer.id
    assert message.firm_id is None
    assert [e.to_address for e in message.emails] == ["canbo@xttm.gov.vn"]


def test_dry_run_counts_and_writes_nothing(db, firm):
    factories.make_certification(firm, scheme_code="HACCP", expires_on=EXPIRY)
    report = run_reminders(EXPIRY - timedelta(days=3), dry_run=True)
    assert report.queued["certificate"] == 1
    assert report.emails == 1
    assert _keys(db) == []


def test_reminders_command_runs_once_per_key(app, db, firm):
    factories.make_certification(firm, scheme_code="HACCP", expires_on=EXPIRY)
    db.session.commit()
    info = ScriptInfo(create_app=lambda: app)
    args = ["reminders", "run", "--today", (EXPIRY - timedelta(days=6)).isoformat()]
    first = app.test_cli_runner().invoke(cli, [*args, "--dry-run"], obj=info)
    assert first.exit_code == 0, first.output
    assert "would queue 1 reminders" in first.output
    second = app.test_cli_runner().invoke(cli, args, obj=info)
    assert "queued 1 reminders" in second.output
    third = app.test_cli_runner().invoke(cli, args, obj=info)
    assert "queued 0 reminders" in third.output
    bad = app.test_cli_runner().invoke(cli, ["reminders", "run", "--today", "31/12/2026"],
                                       obj=info)
    assert bad.exit_code == 2
