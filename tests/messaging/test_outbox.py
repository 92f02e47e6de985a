"""send_alert queues one inbox item, e-mails and a task; the worker's delivery sends each
e-mail once, retries while the server is down, and never sends a sent one again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.messaging import mail
from crm.messaging.services import send_alert
from crm.models import Message, OutboxEmail, Task
from crm.models.base import utcnow
from tests import factories


def _alert(firm, officer=None, key="notice:1:firm", **kw):
    values = dict(kind="notice", subject="Trung Quốc siết kiểm dịch tôm đông lạnh",
                  body="Từ 01/01/2027 mỗi lô tôm cần giấy chứng nhận kiểm dịch mới.",
                  link="https://example.org/notice/1", source_type="notice", source_id=1,
                  by=officer, dedupe_key=f"{key}:{firm.id}")
    values.update(kw)
    return send_alert(firm.id, **values)


@pytest.fixture
def firm(db):
    firm = factories.make_firm()
    factories.make_contact(firm, email="Giam.Doc@TomViet.vn", is_primary=True)
    factories.make_contact(firm, name="Trần Thị Bình", email="xuatkhau@tomviet.vn")
    factories.make_contact(firm, name="Không có e-mail")
    return firm


def test_send_alert_queues_inbox_item_one_email_per_contact_and_officer_task(db, firm):
    officer = factories.make_user("officer")
    message = _alert(firm, officer)
    assert message.firm_id == firm.id
    assert message.read_at is None
    assert sorted(e.to_address for e in message.emails) == [
        "giam.doc@tomviet.vn", "xuatkhau@tomviet.vn"]
    assert all(e.status == "queued" for e in message.emails)
    task = db.session.get(Task, message.task_id)
    assert task.assignee_id == officer.id
    assert task.firm_id == firm.id
    assert task.due_on > message.created_at.date()


def test_the_same_dedupe_key_twice_adds_nothing(db, firm):
    first = _alert(firm)
    second = _alert(firm)
    assert second.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 2


def test_firm_without_contact_email_is_written_to_at_its_portal_users(db):
    firm = factories.make_firm()
    factories.make_user("enterprise", firm=firm, email="nguoidung@htx.vn")
    message = _alert(firm)
    assert [e.to_address for e in message.emails] == ["nguoidung@htx.vn"]


def test_task_goes_to_the_officer_of_the_latest_interaction_when_nobody_sent_it(db, firm):
    from datetime import date

    from crm.models import Interaction
    officer = factories.make_user("officer")
    db.session.add(Interaction(firm_id=firm.id, kind="consulting", occurred_on=date(2026, 5, 1),
                               officer_id=officer.id, summary="Tư vấn"))
    db.session.flush()
    message = _alert(firm, None, kind="reminder")
    assert message.task.assignee_id == officer.id


def test_unsafe_link_is_refused(db, firm):
    with pytest.raises(ValueError, match="unsafe link"):
        _alert(firm, link="javascript:alert(1)")


def test_delivery_sends_each_email_once_with_its_idempotency_key(app, db, firm, mail_to):
    message = _alert(firm)
    db.session.commit()
    report = mail.deliver_outbox()
    assert len(report.sent) == 2
    assert len(mail_to.recorder.received) == 2
    got = mail_to.recorder.received[0]
    assert got["Subject"] == message.subject
    assert "https://crm.example.vn/portal/inbox/" in got.get_content()
    keys = {e.idempotency_key for e in message.emails}
    assert {mid.strip().strip("<>").split("@")[0] for mid in mail_to.recorder.message_ids()} == keys
    # Run again, and again later: a sent e-mail is never sent again.
    assert mail.deliver_outbox().sent == []
    assert mail.deliver_outbox(now=utcnow() + timedelta(days=2)).sent == []
    assert len(mail_to.recorder.received) == 2
    db.session.expire_all()
    assert {e.status for e in message.emails} == {"sent"}


def test_smtp_down_then_up_delivers_every_queued_email_exactly_once(app, db, smtp_server):
    firms = []
    for n in range(3):
        firm = factories.make_firm()
        factories.make_contact(firm, email=f"lienhe{n}@firm.vn")
        firms.append(firm)
        _alert(firm)
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    try:
        # Down: nothing listens on the port.
        report = mail.deliver_outbox()
        assert report.sent == []
        assert len(report.retry) == 1
        db.session.expire_all()
        row = db.session.get(OutboxEmail, report.retry[0])
        assert row.status == "queued"
        assert row.attempts == 1
        assert row.last_error
        assert row.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)
        # Still down a minute later (backoff reached): still nothing, the attempts grow.
        later = utcnow() + timedelta(minutes=1, seconds=1)
        assert mail.deliver_outbox(now=later).sent == []
        # Up.
        smtp_server.start()
        up = utcnow() + timedelta(hours=2)
        report = mail.deliver_outbox(now=up)
        assert len(report.sent) == 3
        assert mail.deliver_outbox(now=up + timedelta(hours=2)).sent == []
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert sorted(str(m["To"]) for m in smtp_server.recorder.received) == [
        "lienhe0@firm.vn", "lienhe1@firm.vn", "lienhe2@firm.vn"]


def test_backoff_doubles_up_to_an_hour():
    assert [mail.backoff(n).total_seconds() for n in (1, 2, 3, 7, 12)] == [
        60, 120, 240, 3600, 3600]


def test_a_claimed_row_is_not_sent_by_another_worker_until_its_lease_runs_out(app, db, firm,
                                                                              mail_to):
    message = _alert(firm)
    db.session.commit()
    now = utcnow()
    first = message.emails[0].id
    assert mail.claim(first, now, lease_s=300)  # a worker took it, then died
    report = mail.deliver_outbox(now=now)
    assert first not in report.sent
    assert len(report.sent) == 1
    report = mail.deliver_outbox(now=now + timedelta(seconds=301))
    assert report.sent == [first]
    assert len(mail_to.recorder.received) == 2


def test_no_mail_server_leaves_the_outbox_queued(app, db, firm):
    _alert(firm)
    db.session.commit()
    report = mail.deliver_outbox()
    assert report.skipped
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)
                             .where(OutboxEmail.status == "queued")) == 2


def test_a_recipient_refused_for_good_is_failed_not_retried(app, db, smtp_server):
    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            return "550 no such user"

    from aiosmtpd.controller import Controller

    firm = factories.make_firm()
    factories.make_contact(firm, email="khongton@tai.vn")
    _alert(firm)
    db.session.commit()
    controller = Controller(Refuse(), hostname="127.0.0.1", port=smtp_server.port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    try:
        report = mail.deliver_outbox()
    finally:
        controller.stop()
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert len(report.failed) == 1
    db.session.expire_all()
    assert db.session.get(OutboxEmail, report.failed[0]).status == "failed"


def test_commit_asks_the_worker_to_deliver(app, db, firm, monkeypatch):
    from crm.messaging import jobs

    kicked = []
    monkeypatch.setattr(jobs, "kick", lambda: kicked.append(1))
    monkeypatch.setitem(app.config, "MAIL_KICK_WORKER", True)
    _alert(firm)
    assert kicked == []  # not before commit: the worker must see the rows
    db.session.commit()
    assert kicked == [1]
    db.session.commit()  # a commit that queued nothing asks nothing
    assert kicked == [1]
