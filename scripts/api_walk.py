"""Walk every operation of docs/openapi.json against a running CRM, as a new user would.

    crm demo --port 5072                      # another shell; logins printed, password demo-2026
    crm token create officer@... --name walk --scopes "firms:read firms:write ..." --days 7
    python scripts/api_walk.py --base-url http://127.0.0.1:5072 \\
        --officer TOKEN --viewer TOKEN --enterprise TOKEN --revoked TOKEN --expired TOKEN

Each call prints one line (OK or FAIL, method, path, status, whose token, what was checked)
and the walk ends with a summary: calls, failures, and the operations of the document it did
not reach. A call passes when the status is the one expected, the status is documented for
the operation, and the body matches the documented schema (JSON or problem+json); ETag and
Location are checked where the document promises them. Exit code 1 when anything failed.

The walk writes: it creates a firm, a partner, an opportunity, an interaction and their
children in the database it talks to (use a demo database, not production).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
from stdnum.vn import mst

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"
PREFIX = "/api/v1"


class Walk:
    """The calls made, what the document says of them, and what failed."""

    def __init__(self, base_url: str, document: dict[str, Any], tokens: dict[str, str]):
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.doc = document
        self.tokens = tokens
        self.calls = 0
        self.failures: list[str] = []
        self.reached: set[tuple[str, str]] = set()

    # --- the document ------------------------------------------------------------------

    def operation(self, method: str, template: str) -> dict[str, Any]:
        """The document's operation, or an empty dict when it has none."""
        return self.doc["paths"].get(PREFIX + template, {}).get(method.lower(), {})

    def _schema_of(self, op: dict[str, Any], status: int, content_type: str
                   ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        responses = op.get("responses", {})
        documented = responses.get(str(status)) or responses.get("default")
        if documented is None:
            return None, None
        content = documented.get("content", {})
        media = content.get(content_type) or next(iter(content.values()), None)
        return documented, (media or {}).get("schema")

    def _check_body(self, schema: dict[str, Any], body: Any) -> str | None:
        # Local "#/components/..." references resolve against this root.
        root = {"components": self.doc.get("components", {}), **schema}
        try:
            jsonschema_rs.Draft202012Validator(root).validate(body)
        except jsonschema_rs.ValidationError as err:
            return f"body breaks the schema: {err.message} at {list(err.instance_path)}"
        return None

    # --- calls -------------------------------------------------------------------------

    def call(self, method: str, template: str, expect: int, *, who: str = "officer",
             at: dict[str, Any] | None = None, query: dict[str, Any] | None = None,
             note: str = "", headers: dict[str, str] | None = None,
             **kw: Any) -> httpx.Response:
        """Call `template` with its path parameters `at`; check status, headers and body."""
        path = PREFIX + template.format(**(at or {}))
        sent = dict(headers or {})
        if who in self.tokens:
            sent["Authorization"] = f"Bearer {self.tokens[who]}"
        resp = self.http.request(method, path, headers=sent, params=query, **kw)
        self.calls += 1
        op = self.operation(method, template)
        if op:
            self.reached.add((method.lower(), PREFIX + template))
        problems = []
        if resp.status_code != expect:
            problems.append(f"expected {expect}")
        if not op:
            problems.append("operation not in the document")
        content_type = resp.headers.get("content-type", "").split(";")[0].strip()
        documented, schema = self._schema_of(op, resp.status_code, content_type)
        if op and documented is None:
            problems.append("status not documented")
        if resp.status_code >= 500:
            problems.append("server error")
        if resp.status_code >= 400 and content_type != "application/problem+json":
            problems.append(f"error as {content_type or 'no content type'}")
        if schema is not None and resp.status_code != 204:
            try:
                body = resp.json()
            except ValueError:
                problems.append("body is not JSON")
            else:
                if (err := self._check_body(schema, body)) is not None:
                    problems.append(err)
        for header in (documented or {}).get("headers", {}):
            if resp.status_code < 300 and header not in resp.headers:
                problems.append(f"no {header} header")
        status = "OK  " if not problems else "FAIL"
        line = f"{status} {method.upper():6} {path} -> {resp.status_code} ({who})"
        if note:
            line += f" {note}"
        if problems:
            line += ": " + "; ".join(problems)
            detail = resp.text[:300].replace("\n", " ")
            self.failures.append(line + f" | {detail}")
        print(line, flush=True)
        return resp


def _tax_code() -> str:
    """A valid tax code nobody has (random serial, MST check digit)."""
    while True:
        body = f"49{uuid.uuid4().int % 10**7:07d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:
            return body + check


def walk_officer(w: Walk) -> dict[str, Any]:
    """Every operation with an officer's token: create, read, change, delete; the ETags."""
    today = date.today()
    ids: dict[str, Any] = {}
    # Firms
    page = w.call("get", "/firms/", 200, note="list",
                  query={"q": "ca phe", "limit": 5}).json()
    if page.get("next_cursor"):
        w.call("get", "/firms/", 200, note="next page",
               query={"q": "ca phe", "limit": 5, "cursor": page["next_cursor"]})
    w.call("get", "/firms/", 422, note="limit over 100", query={"limit": 101})
    w.call("get", "/firms/", 422, note="a forged cursor", query={"cursor": "abc"})
    tax = _tax_code()
    key = f"walk-{uuid.uuid4().hex[:8]}"
    created = w.call("post", "/firms/", 201, json={"name": "Công ty TNHH Walk API",
                                                     "tax_code": tax, "province_code": 56},
                     headers={"Idempotency-Key": key})
    firm = created.json()
    ids["firm"] = firm["id"]
    again = w.call("post", "/firms/", 201, note="same Idempotency-Key",
                   json={"name": "Công ty TNHH Walk API", "tax_code": tax,
                         "province_code": 56}, headers={"Idempotency-Key": key})
    if again.json().get("id") != firm["id"]:
        w.failures.append("an Idempotency-Key replay made a second firm")
    w.call("post", "/firms/", 422, note="same tax code again",
           json={"name": "Trùng MST", "tax_code": tax})
    w.call("post", "/firms/", 422, note="invalid tax code",
           json={"name": "Sai MST", "tax_code": "0100109100"})
    w.call("post", "/firms/", 422, note="unknown field",
           json={"name": "X", "tax_code": _tax_code(), "colour": "red"})
    w.call("post", "/firms/", 422, note="name over-long",
           json={"name": "x" * 5000, "tax_code": _tax_code()})
    w.call("post", "/firms/", 400, note="malformed JSON", content=b'{"name": ',
           headers={"Content-Type": "application/json"})
    w.call("post", "/firms/", 415, note="form-encoded", content=b"name=x",
           headers={"Content-Type": "application/x-www-form-urlencoded"})
    w.call("post", "/firms/", 422, note="a 2 MB name",
           content=json.dumps({"name": "x" * 2_000_000, "tax_code": _tax_code()}).encode(),
           headers={"Content-Type": "application/json"})
    w.call("post", "/firms/", 413, note="a 17 MB body (over MAX_CONTENT_LENGTH)",
           content=json.dumps({"name": "x" * 17_000_000}).encode(),
           headers={"Content-Type": "application/json"})
    fid = {"firm_id": firm["id"]}
    read = w.call("get", "/firms/{firm_id}", 200, at=fid)
    etag = read.headers.get("ETag", "")
    w.call("get", "/firms/{firm_id}", 404, at={"firm_id": 2_000_000_000 - 1})
    w.call("patch", "/firms/{firm_id}", 428, at=fid, note="no If-Match",
           json={"website": "https://walk.example.vn"})
    changed = w.call("patch", "/firms/{firm_id}", 200, at=fid,
                     json={"website": "https://walk.example.vn"}, headers={"If-Match": etag})
    w.call("patch", "/firms/{firm_id}", 412, at=fid, note="stale ETag",
           json={"website": "https://stale.example.vn"}, headers={"If-Match": etag})
    etag = changed.headers.get("ETag", "")
    w.call("patch", "/firms/{firm_id}", 422, at=fid, note="bad province",
           json={"province_code": 999}, headers={"If-Match": etag})
    # What hangs off a firm
    children = {
        "contacts": ({"name": "Nguyễn Văn Walk", "email": "walk@example.vn"},
                     {"name": "Nguyễn Văn Walk", "position": "Giám đốc"}),
        "products": ({"name": "Cà phê rang xay", "hs_code": "090121"},
                     {"name": "Cà phê rang xay", "hs_code": "090121", "ocop_stars": 4}),
        "certifications": ({"scheme_code": "HACCP", "issued_on": str(today - timedelta(days=30))},
                           {"scheme_code": "HACCP", "issued_on": str(today - timedelta(days=30)),
                            "number": "H-1"}),
        "markets": ({"country_code": "JP", "kind": "target"},
                    {"country_code": "JP", "kind": "current"}),
        "stores": ({"platform": "shopee", "url": "https://shopee.vn/walk"},
                   {"platform": "shopee", "status": "active"}),
    }
    for child, (body, replaced) in children.items():
        base = f"/firms/{{firm_id}}/{child}"
        w.call("get", base, 200, at=fid)
        made = w.call("post", base, 201, at=fid, json=body)
        if made.status_code != 201:
            continue
        item = {**fid, "item_id": made.json()["id"]}
        w.call("get", base + "/{item_id}", 200, at=item)
        w.call("put", base + "/{item_id}", 200, at=item, json=replaced)
        w.call("put", base + "/{item_id}", 412, at=item, note="stale If-Match",
               json=replaced, headers={"If-Match": '"1"'})
        w.call("delete", base + "/{item_id}", 204, at=item)
        w.call("get", base + "/{item_id}", 404, at=item, note="after delete")
    w.call("post", "/firms/{firm_id}/products", 422, at=fid, note="bad HS code",
           json={"name": "Sai HS", "hs_code": "99999999"})
    # Products for the ranking below
    w.call("post", "/firms/{firm_id}/products", 201, at=fid,
           json={"name": "Cà phê nhân", "hs_code": "090111"})

    # Partners
    w.call("get", "/partners/", 200, query={"q": "coffee"})
    partner = w.call("post", "/partners/", 201, json={
        "name": "Walk Trading GmbH", "country_code": "DE", "kind": "importer",
        "hs_prefixes": ["0901"]}).json()
    pid = {"partner_id": partner["id"]}
    read = w.call("get", "/partners/{partner_id}", 200, at=pid)
    etag = read.headers.get("ETag", "")
    w.call("patch", "/partners/{partner_id}", 428, at=pid, json={"city": "Hamburg"})
    w.call("patch", "/partners/{partner_id}", 200, at=pid, json={"city": "Hamburg"},
           headers={"If-Match": etag})
    w.call("patch", "/partners/{partner_id}", 412, at=pid, json={"city": "Bremen"},
           headers={"If-Match": etag})
    w.call("post", "/partners/", 422, note="unknown country",
           json={"name": "X", "country_code": "QQ", "kind": "importer"})

    # Programmes
    progs = w.call("get", "/programmes/", 200).json()
    items = progs.get("items", progs) if isinstance(progs, dict) else progs
    if items:
        prog = {"programme_id": items[0]["id"]}
        w.call("get", "/programmes/{programme_id}", 200, at=prog)
        w.call("get", "/programmes/{programme_id}/kpis", 200, at=prog)
    w.call("get", "/programmes/{programme_id}", 404, at={"programme_id": 1_999_999_999})

    # Opportunities, their ranking and shortlist
    w.call("get", "/opportunities/", 200)
    opp = w.call("post", "/opportunities/", 201, json={
        "title": "Walk: giao thương cà phê Đức", "kind": "trade_mission",
        "hs_prefixes": ["0901"], "markets": ["DE"], "slots": 5,
        "partner_id": partner["id"]}).json()
    oid = {"opp_id": opp["id"]}
    read = w.call("get", "/opportunities/{opp_id}", 200, at=oid)
    etag = read.headers.get("ETag", "")
    w.call("patch", "/opportunities/{opp_id}", 428, at=oid, json={"slots": 6})
    w.call("patch", "/opportunities/{opp_id}", 200, at=oid, json={"slots": 6},
           headers={"If-Match": etag})
    w.call("patch", "/opportunities/{opp_id}", 412, at=oid, json={"slots": 7},
           headers={"If-Match": etag})
    w.call("get", "/opportunities/{opp_id}/ranking", 200, at=oid)
    w.call("get", "/opportunities/{opp_id}/entries", 200, at=oid)
    entries = w.call("post", "/opportunities/{opp_id}/entries", 201, at=oid,
                     json={"firm_ids": [firm["id"]], "justification": "Walk"}).json()
    entry_list = entries if isinstance(entries, list) else entries.get("items", [entries])
    if entry_list:
        eid = {**oid, "entry_id": entry_list[0]["id"]}
        w.call("get", "/opportunities/{opp_id}/entries/{entry_id}", 200, at=eid)
        w.call("post", "/opportunities/{opp_id}/entries/{entry_id}/transitions", 200,
               at=eid, json={"to_status": "invited", "note": "Walk"})
        w.call("post", "/opportunities/{opp_id}/entries/{entry_id}/transitions", 422,
               at=eid, note="a step not allowed", json={"to_status": "suggested"})
    ids["opportunity"] = opp["id"]

    # Interactions and tasks
    w.call("get", "/interactions/", 200, query={"firm_id": firm["id"]})
    inter = w.call("post", "/interactions/", 201, json={
        "firm_id": firm["id"], "kind": "consulting", "occurred_on": str(today),
        "summary": "Walk: tư vấn xuất khẩu", "outcome_check_months": 0}).json()
    iid = {"interaction_id": inter["id"]}
    read = w.call("get", "/interactions/{interaction_id}", 200, at=iid)
    etag = read.headers.get("ETag", "")
    w.call("patch", "/interactions/{interaction_id}", 428, at=iid,
           json={"summary": "Walk: không If-Match"})
    w.call("patch", "/interactions/{interaction_id}", 200, at=iid,
           json={"summary": "Walk: tư vấn lại"}, headers={"If-Match": etag})
    w.call("patch", "/interactions/{interaction_id}", 412, at=iid,
           json={"summary": "Walk: ghi đè"}, headers={"If-Match": etag})
    w.call("get", "/interactions/{interaction_id}/tasks", 200, at=iid)
    task = w.call("post", "/interactions/{interaction_id}/tasks", 201, at=iid,
                  json={"title": "Walk: gọi lại", "due_on": str(today + timedelta(days=3))}).json()
    w.call("post", "/interactions/{interaction_id}/tasks", 422, at=iid,
           note="due before the interaction",
           json={"title": "Walk", "due_on": str(today - timedelta(days=3))})
    tid = {**iid, "task_id": task["id"]}
    w.call("get", "/interactions/{interaction_id}/tasks/{task_id}", 200, at=tid)
    w.call("post", "/interactions/{interaction_id}/tasks/{task_id}/done", 200, at=tid)
    ids["interaction"], ids["task"] = inter["id"], task["id"]
    ids["partner"] = partner["id"]
    return ids


def walk_viewer(w: Walk, ids: dict[str, Any]) -> None:
    """A viewer reads everything staff read and writes nothing (403)."""
    fid = {"firm_id": ids["firm"]}
    w.call("get", "/firms/", 200, who="viewer")
    etag = w.call("get", "/firms/{firm_id}", 200, who="viewer", at=fid).headers.get("ETag")
    w.call("post", "/firms/", 403, who="viewer", json={"name": "X", "tax_code": _tax_code()})
    w.call("patch", "/firms/{firm_id}", 403, who="viewer", at=fid, json={"name": "X"},
           headers={"If-Match": etag or '"1"'})
    w.call("post", "/firms/{firm_id}/contacts", 403, who="viewer", at=fid,
           json={"name": "X"})
    w.call("get", "/interactions/{interaction_id}", 200, who="viewer",
           at={"interaction_id": ids["interaction"]})
    w.call("post", "/interactions/", 403, who="viewer", json={
        "firm_id": ids["firm"], "kind": "consulting", "occurred_on": str(date.today()),
        "summary": "X"})
    w.call("patch", "/interactions/{interaction_id}", 403, who="viewer",
           at={"interaction_id": ids["interaction"]}, json={"summary": "X"},
           headers={"If-Match": '"1"'})
    w.call("post", "/interactions/{interaction_id}/tasks/{task_id}/done", 403, who="viewer",
           at={"interaction_id": ids["interaction"], "task_id": ids["task"]})
    w.call("post", "/opportunities/", 403, who="viewer", json={"title": "X",
                                                                "kind": "trade_fair"})
    w.call("post", "/partners/", 403, who="viewer", json={
        "name": "X", "country_code": "DE", "kind": "importer"})
    w.call("patch", "/partners/{partner_id}", 403, who="viewer",
           at={"partner_id": ids["partner"]}, json={"city": "X"},
           headers={"If-Match": '"1"'})
    w.call("get", "/programmes/", 200, who="viewer")


def walk_enterprise(w: Walk, ids: dict[str, Any], own_firm: int | None) -> None:
    """An enterprise token sees and changes its own firm only; another firm is a 404."""
    # The firm list is staff's, on the web as in the API.
    w.call("get", "/firms/", 403, who="enterprise")
    own = {"firm_id": own_firm} if own_firm else None
    other = {"firm_id": ids["firm"]}
    if own:
        read = w.call("get", "/firms/{firm_id}", 200, who="enterprise", at=own)
        w.call("patch", "/firms/{firm_id}", 200, who="enterprise", at=own,
               json={"website": read.json().get("website") or "https://own.example.vn"},
               headers={"If-Match": read.headers.get("ETag", "")})
        w.call("get", "/firms/{firm_id}/products", 200, who="enterprise", at=own)
    w.call("get", "/firms/{firm_id}", 404, who="enterprise", at=other)
    w.call("patch", "/firms/{firm_id}", 404, who="enterprise", at=other,
           json={"name": "Chiếm quyền"}, headers={"If-Match": '"1"'})
    w.call("get", "/firms/{firm_id}/contacts", 404, who="enterprise", at=other)
    w.call("post", "/firms/{firm_id}/contacts", 404, who="enterprise", at=other,
           json={"name": "Chiếm quyền"})
    w.call("post", "/firms/", 403, who="enterprise", json={"name": "X", "tax_code": _tax_code()})
    w.call("get", "/interactions/", 403, who="enterprise")
    w.call("get", "/opportunities/", 403, who="enterprise")
    w.call("get", "/partners/", 403, who="enterprise")


def walk_refused(w: Walk) -> None:
    """No token, a made-up one, a revoked one and an expired one: 401."""
    w.call("get", "/firms/", 401, who="nobody")
    w.tokens["made-up"] = "crm_" + uuid.uuid4().hex
    w.call("get", "/firms/", 401, who="made-up")
    for who in ("revoked", "expired"):
        if who in w.tokens:
            w.call("get", "/firms/", 401, who=who)
            w.call("post", "/firms/", 401, who=who, json={"name": "X", "tax_code": _tax_code()})
    resp = w.call("get", "/firms/", 401, who="nobody", headers={"Accept-Language": "en"},
                  note="in English")
    if resp.headers.get("content-language", "").split("-")[0] not in ("en", ""):
        w.failures.append("Accept-Language: en answered in " + resp.headers["content-language"])


def main(argv: list[str] | None = None) -> int:
    """Run the walk; 0 when every call answered as documented."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5072")
    parser.add_argument("--document", default=str(DOCUMENT))
    for who in ("officer", "viewer", "enterprise", "revoked", "expired"):
        parser.add_argument(f"--{who}", required=who == "officer", help=f"the {who} token")
    parser.add_argument("--enterprise-firm", type=int,
                        help="the enterprise user's firm id (the number in its portal URL)")
    args = parser.parse_args(argv)
    document = json.loads(Path(args.document).read_text(encoding="utf-8"))
    tokens = {who: getattr(args, who) for who in ("officer", "viewer", "enterprise",
                                                  "revoked", "expired") if getattr(args, who)}
    w = Walk(args.base_url, document, tokens)
    ids = walk_officer(w)
    if "viewer" in tokens:
        walk_viewer(w, ids)
    if "enterprise" in tokens:
        walk_enterprise(w, ids, args.enterprise_firm)
    walk_refused(w)
    every = {(m, p) for p, item in document["paths"].items() for m in item
             if isinstance(item[m], dict)}
    missed = sorted(every - w.reached, key=lambda mp: (mp[1], mp[0]))
    print(f"\n{w.calls} calls, {len(w.failures)} failed; "
          f"{len(every) - len(missed)} of {len(every)} documented operations reached")
    for method, path in missed:
        print(f"  not reached: {method.upper()} {path}")
    for failure in w.failures:
        print("  " + failure)
    return 1 if w.failures or missed else 0


if __name__ == "__main__":
    sys.exit(main())
