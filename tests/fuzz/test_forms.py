"""Hostile input to every form of the app: a field message or a 4xx, never a 500.

The forms are found, not listed: every GET route of `app.url_map` is opened (its URL
arguments filled from a small world of records) as an admin, an enterprise user or nobody,
and each <form method="post"> on the pages is parsed for its fields. Hypothesis then posts
the form's own defaults with some fields replaced by hostile values. FUZZ_EXAMPLES=500
FUZZ_RANDOM=1 for a long run of new examples (default: the same 15 per form each run).
"""

from __future__ import annotations

import io
import os
import traceback
import urllib.parse
from datetime import date
from html.parser import HTMLParser
from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.extensions import db
from crm.models import Interaction, Programme, ShortlistEntry, Task
from crm.opportunities import services as opp_services
from crm.partners import services as partner_services
from tests import factories
from tests.conftest import login

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
# The default run draws the same examples every time, so that CI cannot fail by luck;
# FUZZ_RANDOM=1 (with a larger FUZZ_EXAMPLES) explores new ones.
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"
# Posting these would end the session or only switch the language: nothing to validate.
NOT_FUZZED = {"/logout", "/lang/"}

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs"]), max_size=20),
    st.sampled_from([
        "", " ", "\x00", "a\x00b", "\r\n\t", "\u202etxt", "\ufeff", "\ud7ff",
        "A" * 10_000, "ạ" * 3_000, "Công ty 株式会社 Ωмега عربي ไทย",
        "' OR 1=1 --", "'; DROP TABLE firms; --", "%", "_", "\\", "\"",
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{7*7}}",
        "9" * 400, "1e309", "-1e309", "NaN", "Infinity", "-0", "0x10", "1,5", "1.5.5",
        "-1", "-99999999999999999999", "99999999999999999999999", "0",
        "0001-01-01", "99999-12-31", "2025-02-30", "0000-00-00", "2025-13-01", "31/12/2025",
        "../../etc/passwd", "javascript:alert(1)", "mailto:", "@", "a@b", "+84 (0) 258-3",
    ]),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
)


class _Forms(HTMLParser):
    """The post forms of a page: action and fields with the values a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                          "fields": {}, "files": set(), "enctype": a.get("enctype", "")}
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if form is None or not name or name == "csrf_token":
            return
        fields = form["fields"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form["files"].add(name)
            elif kind in ("checkbox", "radio"):
                fields.setdefault(name, "")
                if "checked" in a:
                    fields[name] = a.get("value", "y")
            elif kind not in ("submit", "button", "image", "reset"):
                fields[name] = a.get("value", "")
        elif tag == "button" and a.get("value"):
            fields.setdefault(name, a["value"])
        elif tag == "select":
            self._select = name
            fields.setdefault(name, "")
        elif tag == "option" and self._select:
            if not fields[self._select] or "selected" in a:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _world(db) -> dict[str, Any]:
    """One record of each kind a URL can name, and the users to reach them."""
    firm = factories.make_firm(name="Công ty Yến Sào Thử Nghiệm", employees=60)
    product = factories.make_product(firm, name="Tổ yến", hs_code="041090")
    contact = factories.make_contact(firm, email="lienhe@example.vn")
    cert = factories.make_certification(firm)
    market = factories.make_market(firm, "AE")
    other = factories.make_firm(name="Công ty Yến Sào Thử Nghiệm Hai")
    admin = factories.make_user(role="admin")
    enterprise = factories.make_user(role="enterprise", firm=firm)
    partner = partner_services.create_partner({
        "name": "Siêu thị Thử GmbH", "kind": "supermarket_chain", "country_code": "DE"})
    opp = opp_services.create_opportunity(
        {"kind": "trade_mission", "title": "Đoàn xúc tiến thử", "slots": "3",
         "markets": "AE", "status": "open"}, admin, date.today())
    entry = ShortlistEntry(opportunity=opp, firm_id=firm.id, status="shortlisted")
    db.session.add(entry)
    programme = Programme(code="FUZZ-1", name="Chương trình thử", province_code=56,
                          start_year=date.today().year - 1, end_year=date.today().year + 1)
    db.session.add(programme)
    interaction = Interaction(firm=firm, kind="training", occurred_on=date.today(),
                              summary="Đào tạo")
    db.session.add(interaction)
    db.session.flush()
    task = Task(kind="follow_up", title="Gọi lại", due_on=date.today(), assignee=admin,
                firm=firm, interaction_id=interaction.id)
    db.session.add(task)
    db.session.commit()
    args = {
        "firm_id": firm.id, "keep_id": firm.id, "drop_id": other.id, "item_id": product.id,
        "kind": "products", "opp_id": opp.id, "opportunity_id": opp.id, "entry_id": entry.id,
        "partner_id": partner.id, "programme_id": programme.id, "task_id": task.id,
        "interaction_id": interaction.id,
    }
    return {"args": args, "admin": admin, "enterprise": enterprise,
            "items": {"products": product.id, "contacts": contact.id,
                      "certifications": cert.id, "markets": market.id}}


def _pages(app: Flask, args: dict[str, Any], items: dict[str, int]) -> list[str]:
    """GET URLs of every rule whose arguments the world can fill."""
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint.endswith("static"):
                continue
            if not set(rule.arguments) <= set(args):
                continue
            values = {k: args[k] for k in rule.arguments}
            if "kind" in values and "item_id" in values:
                for kind, item in items.items():
                    urls.append(url_for(rule.endpoint, **{**values, "kind": kind,
                                                          "item_id": item}))
                continue
            if "kind" in values:
                urls += [url_for(rule.endpoint, **{**values, "kind": k}) for k in items]
                continue
            urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls))


def _fresh_user() -> None:
    """Requests share the test's app context, so Flask-Login's cached user must be dropped:
    otherwise every client would act as whoever logged in last."""
    g.pop("_login_user", None)


def _discover(app: Flask, clients: dict[str, FlaskClient], world: dict[str, Any]
              ) -> dict[tuple[str, str], dict[str, Any]]:
    """(who, action URL) -> form, from every page each client can open."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for url in _pages(app, world["args"], world["items"]):
        for who, client in clients.items():
            _fresh_user()
            resp = client.get(url)
            if resp.status_code != 200 or not resp.mimetype.startswith("text/html"):
                continue
            parser = _Forms()
            parser.feed(resp.get_data(as_text=True))
            for form in parser.forms:
                if form["method"] != "post":
                    continue
                action = urllib.parse.urljoin(url, form["action"] or url)
                action = urllib.parse.urlsplit(action).path
                if any(action.startswith(p) for p in NOT_FUZZED):
                    continue
                found.setdefault((who, action), form)
    return found


def _fuzz_form(client: FlaskClient, action: str, form: dict[str, Any]) -> None:
    names = sorted(form["fields"])

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def post(data: st.DataObject) -> None:
        values: dict[str, Any] = dict(form["fields"])
        if names:
            for name in data.draw(st.sets(st.sampled_from(names), min_size=1), label="fields"):
                values[name] = data.draw(HOSTILE, label=name)
        for name in form["files"]:
            content = data.draw(st.binary(max_size=2000), label=name)
            filename = data.draw(st.sampled_from(["a.csv", "a.xlsx", "a.pdf", "../x", "x"]))
            values[name] = (io.BytesIO(content), filename)
        _fresh_user()
        try:
            resp = client.post(action, data=values, content_type=(
                "multipart/form-data" if form["files"] else None))
        except Exception:
            db.session.rollback()  # as the 500 handler would: the next example starts clean
            raise
        assert resp.status_code < 500, (action, values)
        assert b"Traceback" not in resp.data

    post()


def test_hostile_values_in_every_form_get_a_message_or_4xx_never_a_500(app, client, db):
    world = _world(db)
    staff, firm_user, nobody = client, app.test_client(), app.test_client()
    login(staff, world["admin"])
    _fresh_user()
    login(firm_user, world["enterprise"])
    clients = {"admin": staff, "enterprise": firm_user, "nobody": nobody}
    forms = _discover(app, clients, world)
    assert len(forms) >= 15, sorted(forms)  # the discovery itself must keep working
    print(f"fuzzing {len(forms)} forms:", *sorted(f"{w} {a}" for w, a in forms), sep="\n  ")
    failures = []
    for (who, action), form in sorted(forms.items()):
        try:
            _fuzz_form(clients[who], action, form)
        except Exception as err:
            db.session.rollback()
            notes = "\n".join(getattr(err, "__notes__", []))
            error = "".join(traceback.format_exception_only(err))[-1500:]
            failures.append(f"{who} POST {action}: {error}\n{notes[-1500:]}")
    assert not failures, "\n\n".join(failures)
