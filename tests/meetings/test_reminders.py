"""Reminders of the B2B meetings: firms without meetings are invited to request some (daily
reminders and the officer's button, once a day at most), and the published agenda is sent
before the event."""

from __future__ import annotations

from datetime import date

from flask.cli import ScriptInfo

from crm.cli import cli
from crm.meetings import agenda, reminders, services
from crm.messaging.reminders import run_reminders
from crm.models import Message
from tests.meetings.helpers import counterpart as _cp
from tests.meetings.helpers import event_firm as _firm

FIRST_DAY = date(2027, 3, 10)  # the event fixture's only session, 09:00-10:00


def _messages(db, source_type: str = reminders.NUDGE) -> list[Message]:
    return list(db.session.scalars(db.select(Message).where(Message.source_type == source_type)
                                   .order_by(Message.id)))


def _accept(event, ef, cp):
    req = services.request_meeting(event, ef.id, cp.id, "officer", None, notify=False)
    services.answer_request(req, True)
    return req


def test_firms_without_meetings_are_invited_a_week_before_and_not_twice_a_day(db, event):
    report = run_reminders(date(2027, 3, 3))
    assert report.queued[reminders.NUDGE] == 2
    sent = _messages(db)
    assert {m.firm_id for m in sent} == {ef.firm_id for ef in event.firms}
    assert all(m.link == f"/portal/meetings/{event.id}" for m in sent)
    assert "10/03/2027" in sent[0].body
    again = run_reminders(date(2027, 3, 3))
    assert again.queued[reminders.NUDGE] == 0
    assert len(_messages(db)) == 2


def test_a_firm_with_an_accepted_request_is_not_invited(db, event):
    _accept(event, _firm(event), _cp(event))
    run_reminders(date(2027, 3, 3))
    assert [m.firm_id for m in _messages(db)] == [_firm(event, "Công ty Cà").firm_id]


def test_a_pending_request_does_not_count_as_a_meeting(db, event):
    services.request_meeting(event, _firm(event).id, _cp(event).id, "firm", None)
    run_reminders(date(2027, 3, 3))
    assert _firm(event).firm_id in {m.firm_id for m in _messages(db)}


def test_each_threshold_is_sent_once_and_a_missed_day_is_caught_up(db, event):
    assert run_reminders(date(2027, 3, 2)).queued[reminders.NUDGE] == 0  # 8 days before
    # The worker missed the week-before day: the next run catches up, once.
    assert run_reminders(date(2027, 3, 5)).queued[reminders.NUDGE] == 2
    assert run_reminders(date(2027, 3, 6)).queued[reminders.NUDGE] == 0
    assert run_reminders(date(2027, 3, 8)).queued[reminders.NUDGE] == 2  # two days before
    assert run_reminders(date(2027, 3, 9)).queued[reminders.NUDGE] == 0
    assert run_reminders(FIRST_DAY).queued[reminders.NUDGE] == 0  # the event has begun
    assert len(_messages(db)) == 4


def test_the_published_agenda_is_sent_once_in_the_two_days_before(db, event):
    cp = _cp(event, name="Osaka Nest Importer")
    _accept(event, _firm(event), cp)
    services.build_agenda(event)
    assert run_reminders(date(2027, 3, 8)).queued[reminders.AGENDA] == 0  # not published
    agenda.publish_agenda(event)
    report = run_reminders(date(2027, 3, 8))
    assert report.queued[reminders.AGENDA] == 1
    [message] = _messages(db, reminders.AGENDA)
    assert message.firm_id == _firm(event).firm_id
    assert "10/03/2027 09:00" in message.body
    assert "Osaka Nest Importer" in message.body
    assert run_reminders(date(2027, 3, 9)).queued[reminders.AGENDA] == 0


def test_the_reminders_command_counts_the_meeting_reminders(app, db, event):
    db.session.commit()
    info = ScriptInfo(create_app=lambda: app)
    args = ["reminders", "run", "--today", "2027-03-03"]
    first = app.test_cli_runner().invoke(cli, args, obj=info)
    assert first.exit_code == 0, first.output
    assert "meeting_nudge 2/2" in first.output
    second = app.test_cli_runner().invoke(cli, args, obj=info)
    assert "queued 0 reminders" in second.output


def test_the_officers_button_invites_firms_once_a_day(client, officer, db, event):
    _accept(event, _firm(event), _cp(event))
    db.session.commit()
    page = client.get(f"/meetings/{event.id}/participants").get_data(as_text=True)
    assert "Nhắc doanh nghiệp chưa có cuộc gặp (1)" in page
    resp = client.post(f"/meetings/{event.id}/participants/remind", follow_redirects=True)
    sent = "Đã gửi lời nhắc tới các doanh nghiệp chưa có cuộc gặp: 1."
    assert sent in resp.get_data(as_text=True)
    [message] = _messages(db)
    assert message.firm_id == _firm(event, "Công ty Cà").firm_id
    resp = client.post(f"/meetings/{event.id}/participants/remind", follow_redirects=True)
    assert "Không có lời nhắc mới" in resp.get_data(as_text=True)
    assert len(_messages(db)) == 1


def test_an_enterprise_user_cannot_send_the_reminders(client, login_as, db, event):
    db.session.commit()
    login_as("enterprise")
    resp = client.post(f"/meetings/{event.id}/participants/remind")
    assert resp.status_code in (403, 404)
    assert _messages(db) == []


def _published_with(db, event, **cp_fields) -> Message | None:
    """The nest firm meets one counterpart, the agenda is published; the run two days
    before the event; the counterpart's agenda message, if any."""
    email = cp_fields.pop("email", None)
    cp = _cp(event, **cp_fields)
    cp.contact_email = email
    _accept(event, _firm(event), cp)
    services.build_agenda(event)
    agenda.publish_agenda(event)
    run_reminders(date(2027, 3, 8))
    found = _messages(db, reminders.AGENDA_CP)
    assert len(found) <= 1
    return found[0] if found else None


def test_a_counterpart_with_an_email_gets_its_agenda_in_english_once(app, db, event):
    event.location = "Osaka, Hall B"
    message = _published_with(db, event, name="Tokyo Foods", languages="ja, en",
                              email=" Buyer@Tokyo-Foods.JP ")
    assert (message.firm_id, message.recipient_user_id, message.link) == (None, None, None)
    assert message.subject == "Your B2B meetings from Mar 10, 2027 (1): Gặp gỡ Osaka"
    assert "Dear Tokyo Foods," in message.body
    assert "- Mar 10, 2027 09:00, Table 1: Công ty Yến Sào Khánh Hòa" in message.body
    assert "Venue: Osaka, Hall B" in message.body
    # Through the same outbox as the firms' reminders, to its address only.
    assert [e.to_address for e in message.emails] == ["buyer@tokyo-foods.jp"]
    assert run_reminders(date(2027, 3, 9)).queued[reminders.AGENDA_CP] == 0
    # The mail is the body as written: no inbox or CRM link, no Vietnamese sign-off added.
    from crm.messaging.mail import build_email

    app.config["CRM_BASE_URL"] = "https://crm.example.vn"
    text = build_email(message.emails[0], message).get_content()
    assert "/support/tasks" not in text
    assert "/portal/inbox" not in text
    assert "Trung tâm" not in text
    assert "Trade Promotion Centre" in text


def test_a_counterpart_speaking_vietnamese_gets_its_agenda_in_vietnamese(db, event):
    message = _published_with(db, event, languages="vi, ja", email="mua@hang.jp")
    assert message.subject.startswith("Lịch gặp B2B từ ngày 10/03/2027")
    assert "- 10/03/2027 09:00, Bàn 1: Công ty Yến Sào Khánh Hòa" in message.body


def test_a_counterpart_without_an_email_gets_no_reminder(db, event):
    assert _published_with(db, event, email=None) is None
    # The firm's own agenda still goes out.
    assert len(_messages(db, reminders.AGENDA)) == 1
