"""Every list pages through crm.paging: a hand-typed page number is a page, never a 500."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from crm import paging
from tests import factories

# endpoint -> URL of each paged list (admin sees them all; {firm} is a firm's id).
LIST_URLS = {
    "firms.index": "/firms/",
    "partners.index": "/partners/",
    "interactions.index": "/support/",
    "verification.attention": "/verification/attention",
    "verification.history": "/verification/firms/{firm}/history",
    "admin.audit_log": "/admin/audit",
    "admin.users": "/admin/users",
    "duplicates.index": "/duplicates/",
    "duplicates.merges": "/duplicates/merges",
    "hscodes.worklist": "/hscodes/",
    "requirements.index": "/admin/requirements/",
    "notices.index": "/notices/",
}
# Lists of the enterprise portal (an enterprise user sees them, not the admin).
ENTERPRISE_LIST_URLS = {"portal.inbox": "/portal/inbox"}
BAD_PAGES = [str(10**18), "-1", "abc", "0", "9" * 5000]


@pytest.mark.parametrize("page", BAD_PAGES)
@pytest.mark.parametrize("endpoint", sorted(LIST_URLS))
def test_hand_typed_page_numbers_never_give_a_server_error(client, db, login_as, endpoint,
                                                           page):
    login_as("admin")
    firm = factories.make_firm()
    db.session.commit()
    url = LIST_URLS[endpoint].format(firm=firm.id)
    resp = client.get(url, query_string={"page": page})
    assert resp.status_code in (200, 302), (url, page, resp.status_code)


@pytest.mark.parametrize("page", BAD_PAGES)
@pytest.mark.parametrize("endpoint", sorted(ENTERPRISE_LIST_URLS))
def test_hand_typed_page_numbers_never_give_a_server_error_in_the_portal(client, login_as,
                                                                        endpoint, page):
    login_as("enterprise")
    resp = client.get(ENTERPRISE_LIST_URLS[endpoint], query_string={"page": page})
    assert resp.status_code == 200, (endpoint, page, resp.status_code)


def test_every_view_that_pages_is_in_the_list_above(app):
    paged = {endpoint for endpoint, view in app.view_functions.items()
             if "paging." in inspect.getsource(view)}
    assert paged == set(LIST_URLS) | set(ENTERPRISE_LIST_URLS)


def test_only_crm_paging_calls_db_paginate():
    crm_dir = Path(paging.__file__).parent
    callers = [str(p.relative_to(crm_dir)) for p in crm_dir.rglob("*.py")
               if "db.paginate(" in p.read_text(encoding="utf-8") and p.name != "paging.py"]
    assert callers == []


@pytest.mark.parametrize(("raw", "page"), [
    (None, 1), ("", 1), ("abc", 1), ("-1", 1), ("0", 1), ("1.5", 1), ("²", 1), ("3", 3),
    (" 7 ", 7), ("+2", 2), (str(paging.MAX_PAGE), paging.MAX_PAGE),
    (str(10**18), paging.MAX_PAGE), ("9" * 5000, paging.MAX_PAGE),
])
def test_page_number_is_clamped(app, raw, page):
    with app.test_request_context("/", query_string={} if raw is None else {"page": raw}):
        assert paging.page_number() == page


def test_a_page_past_the_end_shows_the_last_page(client, db, login_as):
    admin = login_as("admin")  # logging in writes an audit event: the log has one page
    html = client.get("/admin/audit", query_string={"page": 10**18}).get_data(as_text=True)
    assert admin.email in html


def test_a_page_of_an_empty_list_is_its_first_page(app, db):
    from sqlalchemy import false, select

    from crm.models import Firm

    with app.test_request_context("/", query_string={"page": "40"}):
        page = paging.paginate(select(Firm).where(false()), per_page=10)
    assert (page.page, page.pages, page.has_prev) == (1, 0, False)
