"""Cross-host checks of a two-host CRM behind a TLS proxy (run by scripts/multihost.sh).

Usage: python scripts/multihost_check.py HOST_A_URL HOST_B_URL CA_FILE OPP_ID [REPLICA_URL]
HOST_A_URL / HOST_B_URL reach one app host each through the proxy (HTTPS); DATABASE_URL names
the shared database. With REPLICA_URL (the streaming replica, a SQLAlchemy URL) the replica
routing is checked too, by pausing the replica's replay. Prints one line per check and exits
0 when all pass, 1 otherwise.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
from sqlalchemy import create_engine, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from html_forms import form_fields

PASSWORD = "multihost-check-" + secrets.token_hex(8)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + secrets.token_bytes(64)
_results: list[tuple[str, bool, str]] = []


def check(name: str) -> Callable[[Callable[..., str]], Callable[..., None]]:
    """Record a check's outcome: it returns a detail line or raises AssertionError."""

    def wrap(fn: Callable[..., str]) -> Callable[..., None]:
        def run(*args: object) -> None:
            try:
                detail = fn(*args)
                _results.append((name, True, detail))
            except (AssertionError, requests.RequestException, KeyError) as err:
                _results.append((name, False, f"{type(err).__name__}: {err}"))
            ok, detail = _results[-1][1:]
            print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)

        return run

    return wrap


class _Session(requests.Session):
    """requests with the Referer a browser sends (Flask-WTF checks it over HTTPS)."""

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        origin = re.match(r"https?://[^/]+", url)
        kwargs["headers"] = {**(kwargs.get("headers") or {}),
                             "Referer": f"{origin.group(0) if origin else ''}/"}
        return super().request(method, url, *args, **kwargs)


class Browser:
    """One signed-in browser (cookie jar) that can talk to either host."""

    def __init__(self, ca: str, email: str, password: str, base: str) -> None:
        self.s = _Session()
        self.s.verify = ca
        page = self.s.get(f"{base}/login", timeout=30).text
        resp = self.s.post(f"{base}/login", timeout=30, allow_redirects=False, data={
            **form_fields(page, "/login"), "email": email, "password": password})
        assert resp.status_code == 302, f"login of {email} failed: HTTP {resp.status_code}"

    def token(self, base: str) -> str:
        """A CSRF token of this session (valid on every host: same SECRET_KEY)."""
        page = self.s.get(f"{base}/firms/", timeout=60).text
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, "no CSRF token on the firm list"
        return found.group(1)


def _setup(engine_url: str) -> dict[str, object]:
    """Two officers and one firm's portal account, made through the app's own models."""
    from crm import create_app
    from crm.extensions import db
    from crm.models import Firm, User

    app = create_app()
    with app.app_context():
        firm = db.session.scalar(select(Firm).where(Firm.archived.is_(False)).limit(1))
        made = {}
        for role, key in (("officer", "writer"), ("officer", "reader"),
                          ("enterprise", "owner")):
            user = User(email=f"multihost-{key}-{secrets.token_hex(4)}@example.vn",
                        name=f"Kiểm tra đa máy {key}", role=role,
                        firm_id=firm.id if role == "enterprise" else None)
            user.set_password(PASSWORD)
            db.session.add(user)
            made[key] = user.email
        made["owner_firm"] = firm.id
        db.session.commit()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return made


@check("scan uploaded on A downloads on B")
def upload_a_download_b(a: str, b: str, ca: str, owner: str, engine) -> str:
    on = Browser(ca, owner, PASSWORD, a)
    page = on.s.get(f"{a}/portal/documents", timeout=30).text
    fields = form_fields(page, "/portal/documents")
    fields["certification_id"] = ""
    resp = on.s.post(f"{a}/portal/documents", data=fields, allow_redirects=False, timeout=60,
                     files={"file": ("Giấy chứng nhận đa máy.pdf", io.BytesIO(PDF),
                                     "application/pdf")})
    assert resp.status_code in (302, 303), f"upload on A: HTTP {resp.status_code}"
    with engine.connect() as conn:
        doc_id = conn.scalar(text(
            "SELECT d.id FROM documents d JOIN users u ON u.firm_id = d.firm_id "
            "WHERE u.email = :e ORDER BY d.id DESC LIMIT 1"), {"e": owner})
    got = on.s.get(f"{b}/portal/documents/{doc_id}", timeout=60)
    assert got.status_code == 200, f"download on B: HTTP {got.status_code}"
    assert got.content == PDF, "the bytes differ"
    assert got.headers.get("X-Content-Type-Options") == "nosniff"
    assert got.headers.get("Content-Disposition", "").startswith("attachment")
    return f"document {doc_id}: {len(PDF)} bytes identical, attachment, nosniff"


@check("import dry run on A runs on B")
def import_a_run_b(a: str, b: str, ca: str, writer: str, engine) -> str:
    from openpyxl import Workbook

    from crm.imports.mapping import guess_mapping

    head = ["Tên doanh nghiệp", "Mã số thuế", "Tỉnh/Thành phố", "Số lao động"]
    with engine.connect() as conn:
        taken = set(conn.scalars(text("SELECT tax_code FROM firms")))
    from crm.validators import synthetic_tax_codes

    code = next(c for c in synthetic_tax_codes(10**5, prefix="49",
                                               start=secrets.randbelow(10**6))
                if c not in taken)
    book = Workbook()
    sheet = book.active
    sheet.append(head)
    sheet.append(["Công ty TNHH Kiểm Tra Đa Máy", code, "Khánh Hòa", 12])
    data = io.BytesIO()
    book.save(data)
    on = Browser(ca, writer, PASSWORD, a)
    fields = form_fields(on.s.get(f"{a}/imports/", timeout=30).text, "/imports/")
    resp = on.s.post(f"{a}/imports/", data=fields, allow_redirects=False, timeout=60,
                     files={"file": ("ds.xlsx", io.BytesIO(data.getvalue()),
                                     "application/vnd.openxmlformats-officedocument"
                                     ".spreadsheetml.sheet")})
    assert resp.status_code in (302, 303), f"upload on A: HTTP {resp.status_code}"
    token_url = resp.headers["Location"]
    token = token_url.rstrip("/").rsplit("/", 1)[-1]
    page = on.s.get(f"{a}/imports/{token}", timeout=60).text
    form = {**form_fields(page, f"/imports/{token}"),
            **{f"col_{i}": f or "" for i, f in enumerate(guess_mapping(head))}}
    dry = on.s.post(f"{a}/imports/{token}", data=form, timeout=120)
    assert dry.status_code == 200, f"dry run on A: HTTP {dry.status_code}"
    run_form = form_fields(dry.text, f"/imports/{token}/run")
    run_form.update({"mode": "partial", "confirm_partial": "y"})
    run = on.s.post(f"{b}/imports/{token}/run", data=run_form, timeout=120)
    assert run.status_code == 200, f"run on B: HTTP {run.status_code}"
    with engine.connect() as conn:
        employees = conn.scalar(text("SELECT employees FROM firms WHERE tax_code = :c"),
                                {"c": code})
    assert employees == 12, f"the imported firm is not in the database ({employees!r})"
    return f"firm {code} imported by B with A's mapping"


def _first_ranked_firm(page: str) -> int:
    found = re.search(r'href="/firms/(\d+)"', page)
    assert found, "no firm in the ranking"
    return int(found.group(1))


@check("firm edited on A: ranking and search on B show it at once")
def edit_a_read_b(a: str, b: str, ca: str, writer: str, reader: str, opp: str) -> str:
    w = Browser(ca, writer, PASSWORD, a)
    r = Browser(ca, reader, PASSWORD, b)
    firm_id = _first_ranked_firm(r.s.get(f"{b}/opportunities/{opp}", timeout=120).text)
    page = w.s.get(f"{a}/firms/{firm_id}/edit", timeout=60).text
    fields = form_fields(page, f"/firms/{firm_id}/edit")
    word = "Damay" + "".join(secrets.choice("bcdfghklmnpqrstvxy") for _ in range(8))
    fields["name"] = f"{fields['name'][:150]} {word}"
    resp = w.s.post(f"{a}/firms/{firm_id}/edit", data=fields, allow_redirects=False,
                    timeout=60)
    assert resp.status_code in (302, 303), f"edit on A: HTTP {resp.status_code}"
    seen = []
    for who, browser in (("writer", w), ("another officer", r)):
        ranking = browser.s.get(f"{b}/opportunities/{opp}", timeout=120).text
        assert word in ranking, f"B's ranking page does not show the new name to the {who}"
        search = browser.s.get(f"{b}/firms/", params={"q": word}, timeout=60).text
        if who == "another officer" and f"/firms/{firm_id}\"" not in search:
            time.sleep(2)  # the other officer may read a replica a moment behind
            search = browser.s.get(f"{b}/firms/", params={"q": word}, timeout=60).text
        assert f'/firms/{firm_id}"' in search, f"B's search does not find it for the {who}"
        seen.append(who)
    return f"firm {firm_id} renamed on A (…{word}); ranking and search on B: {', '.join(seen)}"


@check("login throttling shared by both hosts (Redis)")
def throttle_shared(a: str, b: str, ca: str) -> str:
    email = f"throttle-{secrets.token_hex(4)}@example.vn"
    codes = []
    for attempt in range(7):
        base = a if attempt % 2 == 0 else b
        s = _Session()
        s.verify = ca
        page = s.get(f"{base}/login", timeout=30).text
        resp = s.post(f"{base}/login", allow_redirects=False, timeout=30, data={
            **form_fields(page, "/login"), "email": email, "password": "wrong-password"})  # nosec B105 - a wrong password on purpose (throttle check)
        codes.append(resp.status_code)
    # 5 failed tries a minute per account (crm/auth/throttle.py), counted across hosts: a
    # per-host count would let A and B each allow 5.
    assert codes[:5] == [200] * 5, f"statuses {codes}"
    assert codes[5:] == [429, 429], f"statuses {codes}: the 6th and 7th try were not refused"
    return f"statuses A,B,A,B,A,B,A = {codes}"


@check("read replica: own change from the primary, others from the replica")
def replica_routing(a: str, b: str, ca: str, writer: str, reader: str, replica_url: str,
                    engine) -> str:
    standby = create_engine(replica_url, isolation_level="AUTOCOMMIT")
    w = Browser(ca, writer, PASSWORD, a)
    r = Browser(ca, reader, PASSWORD, b)
    time.sleep(2)  # the writer's login was a write: let the replica replay it
    with engine.connect() as conn:
        firm_id, tax_code = conn.execute(text(
            "SELECT id, tax_code FROM firms WHERE NOT archived ORDER BY id DESC LIMIT 1")).one()
    name_before = r.s.get(f"{b}/firms/", params={"q": tax_code}, timeout=60).text
    with standby.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_pause()"))
    try:
        page = w.s.get(f"{a}/firms/{firm_id}/edit", timeout=60).text
        fields = form_fields(page, f"/firms/{firm_id}/edit")
        word = "Bansao" + "".join(secrets.choice("bcdfghklmnpqrstvxy") for _ in range(8))
        fields["name"] = f"{fields['name'][:150]} {word}"
        resp = w.s.post(f"{a}/firms/{firm_id}/edit", data=fields, allow_redirects=False,
                        timeout=60)
        assert resp.status_code in (302, 303), f"edit on A: HTTP {resp.status_code}"
        own = w.s.get(f"{b}/firms/", params={"q": tax_code}, timeout=60).text
        assert word in own, "the writer's firm list on B does not show their own change"
        other = r.s.get(f"{b}/firms/", params={"q": tax_code}, timeout=60).text
        assert tax_code in name_before, "the firm list did not find the firm by its tax code"
        assert word not in other, "another officer's firm list did not read the paused replica"
    finally:
        with standby.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
    for _ in range(20):
        if word in r.s.get(f"{b}/firms/", params={"q": tax_code}, timeout=60).text:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("after resuming, the replica never showed the change")
    standby.dispose()
    return ("replay paused: the writer saw the change (primary), another officer the old "
            "name (replica); after resuming both see it")


def main(a: str, b: str, ca: str, opp: str, replica_url: str = "") -> int:
    """Run every check; print a summary line."""
    url = os.environ["DATABASE_URL"]
    engine = create_engine(url)
    made = _setup(url)
    upload_a_download_b(a, b, ca, made["owner"], engine)
    import_a_run_b(a, b, ca, made["writer"], engine)
    edit_a_read_b(a, b, ca, made["writer"], made["reader"], opp)
    throttle_shared(a, b, ca)
    if replica_url:
        replica_routing(a, b, ca, made["writer"], made["reader"], replica_url, engine)
    engine.dispose()
    failed = [n for n, ok, _ in _results if not ok]
    print(f"CROSS-HOST CHECKS {'OK' if not failed else 'FAILED'}: "
          f"{len(_results) - len(failed)} of {len(_results)} passed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
