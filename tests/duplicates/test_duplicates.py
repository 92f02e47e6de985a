"""The duplicate list: candidates from the database, branches, decisions, paging, sorting."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from crm.demodata.demoset import mistyped_tax_code
from crm.duplicates import queries, services
from crm.models import AuditEvent, DuplicateDecision, Firm
from crm.validators import normalize_tax_code, synthetic_tax_codes
from tests import factories

_codes = synthetic_tax_codes(10**5, prefix="57")


def _mistyped() -> str:
    """A tax code whose check digit is wrong (a record typed by hand, before validation)."""
    return mistyped_tax_code(next(_codes), swap=False)


def _pair_ids(pairs, kind="duplicate"):
    return {(p.first_id, p.second_id) for p in pairs if p.kind == kind}


def _twins(name_a: str, name_b: str, **kw):
    """Two records of one firm: the second under a mistyped tax code."""
    a = factories.make_firm(name=name_a, **kw)
    b = factories.make_firm(name=name_b, tax_code=_mistyped(), **kw)
    factories.make_contact(a, phone="0905 111 222")
    factories.make_contact(b, phone="0905111222")
    return a, b


def test_accent_and_legal_form_variants_under_a_mistyped_tax_code_are_found(db):
    a, b = _twins("Công ty TNHH Yến Sào Khánh Hòa", "CONG TY TNHH YEN SAO KHANH HOA")
    pairs = queries.candidate_pairs()
    assert (a.id, b.id) in _pair_ids(pairs)


def test_the_same_name_under_two_valid_tax_codes_is_never_proposed(db):
    a = factories.make_firm(name="Công ty TNHH Yến Sào Khánh Hòa")
    b = factories.make_firm(name="CONG TY TNHH YEN SAO KHANH HOA")
    factories.make_contact(a, phone="0905 111 222")
    factories.make_contact(b, phone="0905 111 222")
    pairs = queries.candidate_pairs(threshold=0.0)
    assert (a.id, b.id) not in _pair_ids(pairs)


def test_branch_tax_code_is_shown_as_a_branch_not_a_duplicate(db):
    head = factories.make_firm(name="Công ty Hải sản Biển Đông", province_code=56)
    branch = factories.make_firm(name="Chi nhánh Hải Phòng Cty Hải sản Biển Đông",
                                 tax_code=normalize_tax_code(head.tax_code + "-001"),
                                 province_code=31)
    pairs = queries.candidate_pairs(threshold=0.0)
    assert (head.id, branch.id) in _pair_ids(pairs, "branch")
    assert not {(head.id, branch.id), (branch.id, head.id)} & _pair_ids(pairs)


def test_a_pair_marked_not_a_duplicate_is_never_proposed_again(db):
    a, b = _twins("Công ty TNHH Cà phê Ban Mê", "Ca phe Ban Me")
    user = factories.make_user("officer")
    assert (a.id, b.id) in _pair_ids(queries.candidate_pairs())
    services.mark_not_duplicate(b, a, by=user, note="Hai cơ sở khác nhau")
    db.session.flush()
    assert (a.id, b.id) not in _pair_ids(queries.candidate_pairs(threshold=0.0))
    decision = db.session.scalar(select(DuplicateDecision))
    assert (decision.first_firm_id, decision.second_firm_id) == (a.id, b.id)
    assert decision.decided_by_id == user.id
    assert decision.decided_at is not None
    assert decision.note == "Hai cơ sở khác nhau"


def test_not_a_duplicate_button_records_who_and_when_and_audits(client, officer, db):
    a, b = _twins("Công ty TNHH Hồ tiêu Chư Sê", "Ho tieu Chu Se")
    db.session.commit()
    resp = client.post(f"/duplicates/not-duplicate/{a.id}/{b.id}", data={"min": "80"})
    assert resp.status_code == 302
    assert "min=80" in resp.headers["Location"]
    decision = queries.decision_for(a.id, b.id)
    assert decision.decided_by_id == officer.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "not_duplicate"))
    assert event.target_id == a.id
    assert event.detail["other_firm_id"] == b.id
    page = client.get("/duplicates/?view=decisions").get_data(as_text=True)
    assert officer.name in page
    assert "Ho tieu Chu Se" in page


def test_list_pages_and_sorts_by_score(client, officer, db):
    # Only this test's firms (others' rows, if any were left, are archived; rolled back after).
    db.session.execute(update(Firm).values(archived=True))
    words = ["Bình", "Cường", "Dũng", "Giang", "Hạnh", "Khoa", "Lâm", "Mỹ", "Ngân", "Oanh",
             "Phong", "Quyên", "Sang", "Tâm", "Uyên"]
    for word in words:
        _twins(f"Công ty TNHH Thủy sản {word} Nha", f"Thuy san {word} Nha")  # share a phone
        factories.make_firm(name=f"Công ty TNHH Cà phê {word} Rang")
        factories.make_firm(name=f"Ca phe {word} Rang", tax_code=_mistyped())  # no phone
    db.session.commit()
    proposed = client.get("/duplicates/").get_data(as_text=True)
    # The fifteen pairs sharing a phone are proposed; the coffee pairs (a name alike, nothing
    # else) sit near the threshold, where the registry's name frequencies decide.
    assert all(f"Thuy san {word} Nha" in proposed for word in words)
    assert 15 <= proposed.count("Xem và gộp") <= 25
    worst_first = client.get("/duplicates/?sort=-score&min=1").get_data(as_text=True)
    scores = [int(s) for s in re.findall(r'text-bg-warning">(\d+)%', worst_first)]
    assert len(scores) == 25  # one page of 30 pairs
    assert scores == sorted(scores)
    assert scores[0] < 80
    best_first = client.get("/duplicates/?min=1").get_data(as_text=True)
    scores = [int(s) for s in re.findall(r'text-bg-warning">(\d+)%', best_first)]
    assert scores == sorted(scores, reverse=True)
    second = client.get("/duplicates/?min=1&page=2").get_data(as_text=True)
    assert second.count("Xem và gộp") == 5
    assert client.get("/duplicates/?min=1&page=99").get_data(as_text=True).count(
        "Xem và gộp") == 5  # past the end: the last page


def test_list_shows_the_score_components(client, officer, db):
    a = factories.make_firm(name="Công ty TNHH Yến Sào Khánh Hòa")
    factories.make_firm(name="CONG TY TNHH YEN SAO KHANH HOA",
                        tax_code=mistyped_tax_code(a.tax_code, swap=True))
    db.session.commit()
    html = client.get("/duplicates/").get_data(as_text=True)
    for label in ("Tên:", "MST:", "Điện thoại:", "Email:", "Địa chỉ:", "Sản phẩm:"):
        assert label in html
    assert "lệch 1 chữ số" in html
    assert "MST sai" in html


def test_branches_tab_lists_head_office_and_branch(client, officer, db):
    head = factories.make_firm(name="Công ty Hải sản Biển Đông")
    factories.make_firm(name="Chi nhánh Cty Hải sản Biển Đông",
                        tax_code=normalize_tax_code(head.tax_code + "-002"))
    db.session.commit()
    html = client.get("/duplicates/?view=branches").get_data(as_text=True)
    assert "chi nhánh" in html
    assert head.tax_code + "-002" in html


def test_bad_list_parameters_fall_back_to_defaults(client, officer, db):
    for query in ("?min=abc", "?min=0", "?min=1000", "?sort=drop", "?view=x", "?page=10**18",
                  "?page=99999999999999999999"):
        assert client.get(f"/duplicates/{query}").status_code == 200, query


def test_viewer_cannot_see_or_decide_duplicates(client, login_as, db):
    a, b = _twins("Công ty TNHH Cà phê Ban Mê", "Ca phe Ban Me")
    login_as("viewer")
    assert client.get("/duplicates/").status_code == 403
    assert client.post(f"/duplicates/not-duplicate/{a.id}/{b.id}").status_code == 403
