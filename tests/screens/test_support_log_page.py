"""The support log as a page of its own: filters, Excel export, sensible form defaults."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from crm import clock
from crm.models import Interaction, Programme
from tests import factories


def _programme(db, code, start, end):
    programme = Programme(code=code, name=f"Chương trình {code}", start_year=start,
                          end_year=end)
    db.session.add(programme)
    db.session.flush()
    return programme


def _log(db, firm, officer, kind, on, summary, programme=None):
    db.session.add(Interaction(firm_id=firm.id, officer_id=officer.id if officer else None,
                               kind=kind, occurred_on=on, summary=summary,
                               programme_id=programme.id if programme else None))


def _seed(db, officer):
    other = factories.make_user(role="officer", name="Đỗ Thị Khác")
    prog = _programme(db, "XTTM-KH", 2026, 2030)
    yen = factories.make_firm(name="Công ty Yến Sào Hòn Nội")
    tom = factories.make_firm(name="Công ty Tôm Cam Ranh")
    _log(db, yen, officer, "consulting", date(2027, 3, 2), "Tư vấn nhãn mác Halal", prog)
    _log(db, yen, other, "training", date(2027, 4, 10), "Tập huấn TMĐT")
    _log(db, tom, officer, "trade_fair", date(2027, 5, 20), "Hội chợ Gulfood", prog)
    db.session.commit()
    return other, prog, yen, tom


def test_support_log_is_in_the_menu(client, officer):
    page = client.get("/home/").get_data(as_text=True)
    assert 'href="/support/"' in page
    assert "Nhật ký hỗ trợ" in page


def test_support_log_filters_by_officer_firm_type_programme_and_dates(client, db, officer):
    other, prog, _yen, tom = _seed(db, officer)

    def summaries(query):
        html = client.get(f"/support/?{query}").get_data(as_text=True)
        table = html.split('id="support-log"')[1]
        return {s for s in ("Tư vấn nhãn mác Halal", "Tập huấn TMĐT", "Hội chợ Gulfood")
                if s in table}

    assert summaries("") == {"Tư vấn nhãn mác Halal", "Tập huấn TMĐT", "Hội chợ Gulfood"}
    assert summaries(f"officer={other.id}") == {"Tập huấn TMĐT"}
    assert summaries("firm=yen+sao") == {"Tư vấn nhãn mác Halal", "Tập huấn TMĐT"}
    assert summaries(f"firm={tom.tax_code}") == {"Hội chợ Gulfood"}
    assert summaries("kind=trade_fair") == {"Hội chợ Gulfood"}
    assert summaries(f"programme={prog.id}") == {"Tư vấn nhãn mác Halal", "Hội chợ Gulfood"}
    assert summaries("date_from=2027-04-01&date_to=2027-04-30") == {"Tập huấn TMĐT"}
    # A filter that cannot be read is dropped, not a 500.
    assert client.get("/support/?date_from=31-31-2027&kind=nonsense").status_code == 200


def test_support_log_narrows_to_my_firms(client, db, officer):
    """"My firms" is the officer's portfolio, whoever logged the support."""
    other, _prog, yen, tom = _seed(db, officer)
    yen.officer_id = officer.id
    tom.officer_id = other.id
    db.session.commit()
    html = client.get("/support/?mine=y").get_data(as_text=True)
    table = html.split('id="support-log"')[1]
    assert "Tư vấn nhãn mác Halal" in table
    assert "Tập huấn TMĐT" in table  # logged by another officer, on my firm
    assert "Hội chợ Gulfood" not in table  # logged by me, on a firm someone else follows
    assert 'name="mine"' in html


def test_support_log_exports_the_filtered_rows_to_excel(client, db, officer):
    _other, prog, _yen, _tom = _seed(db, officer)
    page = client.get(f"/support/?programme={prog.id}").get_data(as_text=True)
    assert f'href="/support/export.xlsx?programme={prog.id}"' in page
    resp = client.get(f"/support/export.xlsx?programme={prog.id}")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Ngày"
    assert [r[4] for r in rows[1:]] == ["Hội chợ Gulfood", "Tư vấn nhãn mác Halal"]
    assert all(r[5] == "XTTM-KH" for r in rows[1:])


def test_support_form_defaults_to_the_running_programme(client, db, officer):
    year = clock.today().year
    _programme(db, "OLD", year - 6, year - 2)
    running = _programme(db, "NOW", year - 1, year + 3)
    db.session.commit()
    html = client.get("/support/new").get_data(as_text=True)
    select_html = html.split('name="programme_id"')[1].split("</select>")[0]
    assert f'<option selected value="{running.id}">' in select_html \
        or f'value="{running.id}" selected' in select_html


def test_activity_proposal_opens_on_next_year(client, db, officer):
    year = clock.today().year
    programme = _programme(db, "PLAN", year - 1, year + 3)
    db.session.commit()
    html = client.get(f"/programmes/{programme.id}/proposal").get_data(as_text=True)
    assert f"năm {year + 1}" in html
    # The last year of a programme proposes nothing beyond it.
    last = _programme(db, "LAST", year - 4, year)
    db.session.commit()
    html = client.get(f"/programmes/{last.id}/proposal").get_data(as_text=True)
    assert f"năm {year}" in html
    assert f"năm {year + 1}" not in html


def test_interaction_form_date_defaults_to_vietnam_today(client, db, officer):
    html = client.get("/support/new").get_data(as_text=True)
    assert f'value="{clock.today().isoformat()}"' in html
