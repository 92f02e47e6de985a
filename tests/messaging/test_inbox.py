"""The portal inbox: a firm sees its own messages only; open, "Đã nắm", "Cần hỗ trợ"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.messaging.services import send_alert
from crm.models import AuditEvent, Interaction, Message, Task
from tests import factories


def _alert(firm, by=None, n=1):
    return send_alert(firm.id, kind="notice", subject=f"EU siết dư lượng thuốc trừ sâu {n}",
                      body="Mức dư lượng tối đa mới cho hồ tiêu.", link="/portal/opportunities",
                      source_type="notice", source_id=n, by=by,
                      dedupe_key=f"notice:{n}:firm:{firm.id}")


@pytest.fixture
def setup(db, login_as):
    officer = factories.make_user("officer")
    firm = factories.make_firm()
    other = factories.make_firm()
    mine = _alert(firm, officer)
    theirs = _alert(other, officer)
    db.session.commit()
    user = login_as("enterprise", firm=firm)
    return {"firm": firm, "mine": mine, "theirs": theirs, "user": user, "officer": officer}


def test_inbox_lists_own_messages_and_unread_count_in_menu(client, setup):
    page = client.get("/portal/inbox").get_data(as_text=True)
    assert setup["mine"].subject in page
    assert f'data-message="{setup["theirs"].id}"' not in page
    assert 'title="Tin chưa đọc">1</span>' in page


def test_opening_a_message_marks_it_read_and_clears_the_count(client, db, setup):
    resp = client.get(f"/portal/inbox/{setup['mine'].id}")
    assert resp.status_code == 200
    db.session.expire_all()
    assert db.session.get(Message, setup["mine"].id).read_at is not None
    assert 'title="Tin chưa đọc"' not in client.get("/portal/inbox").get_data(as_text=True)


@pytest.mark.parametrize("path", ["", "/acknowledge", "/help"])
def test_another_firms_message_is_404(client, setup, path):
    method = client.get if path == "" else client.post
    assert method(f"/portal/inbox/{setup['theirs'].id}{path}").status_code == 404


@pytest.mark.parametrize("role", ["officer", "admin", "viewer"])
def test_staff_do_not_use_the_portal_inbox(client, db, login_as, role):
    login_as(role)
    assert client.get("/portal/inbox").status_code == 403


def test_acknowledge_records_who_and_when_once(client, db, setup):
    mid = setup["mine"].id
    assert client.post(f"/portal/inbox/{mid}/acknowledge").status_code == 302
    db.session.expire_all()
    message = db.session.get(Message, mid)
    first = message.acknowledged_at
    assert first is not None
    assert message.acknowledged_by_id == setup["user"].id
    assert message.read_at is not None
    client.post(f"/portal/inbox/{mid}/acknowledge")
    db.session.expire_all()
    assert db.session.get(Message, mid).acknowledged_at == first
    assert "Đã nắm ngày" in client.get(f"/portal/inbox/{mid}").get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "message_acknowledged")).all()
    assert len(events) == 1


def test_help_opens_a_support_interaction_and_task_for_the_officer(client, db, setup):
    mid = setup["mine"].id
    resp = client.post(f"/portal/inbox/{mid}/help", data={"note": "Cần tư vấn hồ sơ MRL"})
    assert resp.status_code == 302
    db.session.expire_all()
    message = db.session.get(Message, mid)
    interaction = db.session.get(Interaction, message.help_interaction_id)
    assert interaction.firm_id == setup["firm"].id
    assert interaction.officer_id == setup["officer"].id
    assert "Cần tư vấn hồ sơ MRL" in interaction.summary
    task = db.session.scalar(select(Task).where(Task.interaction_id == interaction.id))
    assert task.assignee_id == setup["officer"].id
    # Asking again opens nothing more.
    client.post(f"/portal/inbox/{mid}/help", data={"note": "lần nữa"})
    assert len(db.session.scalars(select(Interaction).where(
        Interaction.firm_id == setup["firm"].id)).all()) == 1


def test_officer_sees_the_help_request_in_tasks_and_on_the_firm_page(app, client, db, setup):
    client.post(f"/portal/inbox/{setup['mine'].id}/help", data={"note": ""})
    officer_client = app.test_client()
    from tests.conftest import login
    login(officer_client, setup["officer"])
    tasks = officer_client.get("/support/tasks").get_data(as_text=True)
    assert "Doanh nghiệp cần hỗ trợ: EU siết dư lượng thuốc trừ sâu 1" in tasks
    firm_page = officer_client.get(f"/firms/{setup['firm'].id}").get_data(as_text=True)
    assert "Doanh nghiệp cần hỗ trợ về tin" in firm_page


def test_inbox_in_english(client, setup):
    client.post("/lang/en", data={"next": "/portal/inbox"})
    page = client.get("/portal/inbox").get_data(as_text=True)
    assert "Inbox" in page
    assert "Unread" in page
