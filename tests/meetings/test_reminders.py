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

FIRST_DAY = date(2027, 3, 10)  # the event fixture's only session, 09:00-10:00


def _cp(event, **kw):
    data = {"name": "Tokyo Foods", "kind": "importer", "country_code": "JP",
            "languages": "en, ja", "hs_prefixes": "0410"}
    data.update(kw)
    return services.add_counterpart(event, data)


def _firm(event, start: str = "Công ty Yến"):
    return next(ef for ef in event.firms if ef.firm.name.startswith(start))


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
