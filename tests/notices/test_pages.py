"""Officer pages: upload with dry run, hand entry, review, send, requirement pre-fill."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from crm.models import Message, Notice, NoticeTarget
from tests import factories

FIXTURES = Path(__file__).resolve().parents[2] / "crm" / "notices" / "fixtures"


def _upload(client, name, source, dry_run, charges=None):
    data = {"source": source, "file": (io.BytesIO((FIXTURES / name).read_bytes()), name)}
    if dry_run:
        data["dry_run"] = "y"
    if charges:
        data["charges"] = (io.BytesIO((FIXTURES / charges).read_bytes()), charges)
    return client.post("/notices/upload", data=data, content_type="multipart/form-data")


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Notice))


def _shrimp_firm(country="US"):
    firm = factories.make_firm(name="Công ty Tôm Xuất Khẩu")
    factories.make_product(firm, name="Tôm thẻ đông lạnh", hs_code="030617")
    factories.make_market(firm, country, "current")
    return firm


def test_dry_run_shows_what_would_be_added_and_saves_nothing(client, officer, db):
    resp = _upload(client, "eping_notifications.json", "eping", dry_run=True)
    assert resp.status_code == 200
    assert "G/SPS/N/JPN/1321" in resp.text
    assert _count(db) == 0


def test_upload_then_same_file_again_adds_nothing(client, officer, db):
    _shrimp_firm("JP")
    db.session.commit()
    resp = _upload(client, "eping_notifications.json", "eping", dry_run=False)
    assert resp.status_code == 302
    assert _count(db) == 5
    notice = db.session.scalar(select(Notice).where(Notice.external_id == "G/SPS/N/JPN/1321"))
    assert len(notice.targets) == 1
    assert notice.targets[0].kept
    _upload(client, "eping_notifications.json", "eping", dry_run=False)
    assert _count(db) == 5


def test_a_file_with_an_unknown_hs_code_saves_nothing_and_names_the_line(client, officer, db):
    data = (b"Document symbol,Notifying member,Area,Title,HS codes,Distribution date\n"
            b"G/SPS/N/JPN/9,Japan,SPS,ok,0306,2026-01-02\n"
            b"G/SPS/N/JPN/10,Japan,SPS,bad,0399,2026-01-02\n")
    resp = client.post("/notices/upload", data={"source": "eping", "file": (
        io.BytesIO(data), "e.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 200
    assert "dòng 3" in resp.text
    assert "0399" in resp.text
    assert _count(db) == 0


def test_a_notice_typed_by_hand_is_matched(client, officer, db):
    firm = _shrimp_firm("US")
    db.session.commit()
    resp = client.post("/notices/new", data={
        "source": "moit_trade_remedy", "external_id": "PVTM-1", "title": "AD tôm",
        "measure": "anti_dumping", "markets": "Hoa Kỳ", "hs_codes": "0306.17",
        "severity": "high"})
    assert resp.status_code == 302, resp.text
    notice = db.session.scalar(select(Notice).where(Notice.external_id == "PVTM-1"))
    assert notice.markets == ["US"]
    assert [t.firm_id for t in notice.targets] == [firm.id]


def test_hand_entry_with_an_unknown_market_says_so_next_to_the_field(client, officer, db):
    resp = client.post("/notices/new", data={
        "source": "manual", "external_id": "X-1", "title": "x", "measure": "sps",
        "markets": "Atlantis", "severity": "low"})
    assert resp.status_code == 200
    assert "Atlantis" in resp.text
    assert _count(db) == 0


def test_review_keeps_ticked_adds_by_tax_code_and_send_goes_once(client, officer, db):
    """Through the real channel (crm/messaging): one inbox message per kept firm, once."""
    a, b = _shrimp_firm("US"), _shrimp_firm("US")
    extra = factories.make_firm()
    db.session.commit()
    client.post("/notices/new", data={
        "source": "manual", "external_id": "N-1", "title": "Tin tôm", "measure": "sps",
        "markets": "US", "hs_codes": "0306", "severity": "medium"})
    notice = db.session.scalar(select(Notice).where(Notice.external_id == "N-1"))
    page = client.get(f"/notices/{notice.id}")
    assert "Công ty Tôm Xuất Khẩu" in page.text
    assert "030617" in page.text
    resp = client.post(f"/notices/{notice.id}/review",
                       data={"keep": [str(a.id)], "add": extra.tax_code})
    assert resp.status_code == 302
    kept = {t.firm_id for t in db.session.scalars(
        select(NoticeTarget).where(NoticeTarget.notice_id == notice.id, NoticeTarget.kept))}
    assert kept == {a.id, extra.id}
    client.post(f"/notices/{notice.id}/send")
    client.post(f"/notices/{notice.id}/send")
    sent = list(db.session.scalars(select(Message).where(Message.source_type == "notice",
                                                         Message.source_id == notice.id)))
    assert sorted(m.firm_id for m in sent) == sorted([a.id, extra.id])
    assert {m.dedupe_key for m in sent} == {
        f"notice:{notice.id}:firm:{a.id}", f"notice:{notice.id}:firm:{extra.id}"}
    assert all(m.kind == "notice" and notice.title in m.subject for m in sent)
    assert b.id not in {m.firm_id for m in sent}
    db.session.refresh(notice)
    assert notice.status == "sent"


def test_review_with_an_unknown_tax_code_changes_nothing(client, officer, db):
    firm = _shrimp_firm("US")
    db.session.commit()
    client.post("/notices/new", data={
        "source": "manual", "external_id": "N-2", "title": "t", "measure": "sps",
        "markets": "US", "hs_codes": "0306", "severity": "medium"})
    notice = db.session.scalar(select(Notice).where(Notice.external_id == "N-2"))
    resp = client.post(f"/notices/{notice.id}/review", data={"add": "0000000000"})
    assert resp.status_code == 200
    assert "0000000000" in resp.text
    target = db.session.scalar(select(NoticeTarget).where(NoticeTarget.notice_id == notice.id))
    assert target.firm_id == firm.id
    assert target.kept


def test_viewer_reads_notices_but_cannot_upload(client, login_as, db):
    login_as("viewer")
    assert client.get("/notices/").status_code == 200
    assert client.get("/notices/upload").status_code == 403


def test_admin_gets_the_requirement_form_filled_from_the_notice(client, login_as, db):
    login_as("admin")
    client.post("/notices/new", data={
        "source": "gacc", "external_id": "GACC-2026-7", "title": "Đăng ký yến",
        "measure": "registration_rule", "markets": "CN", "hs_codes": "0410",
        "effective_on": "2027-01-01", "severity": "high"})
    notice = db.session.scalar(select(Notice).where(Notice.external_id == "GACC-2026-7"))
    resp = client.get(f"/notices/{notice.id}/requirement")
    assert resp.status_code == 302
    assert "/admin/requirements/new?" in resp.location
    form = client.get(resp.location)
    assert 'value="CN"' in form.text
    assert 'value="0410"' in form.text
    assert 'value="GACC"' in form.text
    assert "2027-01-01" in form.text
    assert "gacc GACC-2026-7" in form.text
