"""Locust scenario: officers on a busy morning (search, firm pages, ranking, support log, edits).

Run by scripts/load_test.sh; on its own:
  LOAD_USERS_FILE=users.txt locust -f scripts/locustfile.py --headless -u 50 -r 10 -t 2m \
      --host http://127.0.0.1:5160
LOAD_USERS_FILE has one "email password" line per officer login; LOAD_FIRM_IDS_FILE one firm id
per line; LOAD_OPPORTUNITY_IDS the opportunities to rank (comma-separated); MARKER_FILE, when set,
gets one line per support-log entry the server acknowledged (for scripts/fault_test.sh).
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import uuid
from pathlib import Path

from html_forms import form_fields  # scripts/: locust puts the locustfile's folder on the path
from locust import HttpUser, between, events, task

SEARCH_WORDS = ["cà phê", "ca phe", "hạt điều", "yến sào", "thủy sản", "dệt may", "gỗ",
                "hồ tiêu", "gạo", "trái cây", "nông sản", "tôm", "công ty", "xuất khẩu", "mật ong"]
_users = [line.split(" ", 1) for line in
          Path(os.environ.get("LOAD_USERS_FILE", "users.txt")).read_text().split("\n") if line]
_user_cycle = itertools.cycle(_users)
_firm_ids = [int(x) for x in
             Path(os.environ.get("LOAD_FIRM_IDS_FILE", "firm_ids.txt")).read_text().split()]
_tax_codes = Path(os.environ.get("LOAD_TAX_CODES_FILE", "tax_codes.txt")).read_text().split()
_opportunity_ids = [int(x) for x in os.environ.get("LOAD_OPPORTUNITY_IDS", "1").split(",") if x]
_marker_file = os.environ.get("MARKER_FILE")
# Markers carry the run's id, so the fault check ignores entries left by earlier runs.
_run_id = os.environ.get("LOAD_RUN_ID", "run")
_marker_lock = threading.Lock()


class Officer(HttpUser):
    """A trade-promotion officer working through the morning's list."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        """Log in as one of the prepared officers (CSRF token from the login page)."""
        # Through a TLS proxy with a self-signed certificate (scripts/multihost.sh): trust it.
        if os.environ.get("LOAD_CA_FILE"):
            self.client.verify = os.environ["LOAD_CA_FILE"]
        # Over HTTPS Flask-WTF also checks that a form came from this site's own pages, as a
        # browser says in Referer (the CRM's Referrer-Policy is same-origin).
        self.client.headers["Referer"] = f"{self.host}/"
        email, password = next(_user_cycle)
        page = self.client.get("/login", name="login").text
        # The POST is timed alone (the password check), the page it leads to apart: together
        # they would hide which of the two is slow.
        with self.client.post("/login", name="login", allow_redirects=False,
                              catch_response=True, data={
                                  **form_fields(page, "/login"), "email": email,
                                  "password": password}) as resp:
            if resp.status_code not in (302, 303):
                resp.failure(f"not logged in: HTTP {resp.status_code}")
                return
            resp.success()
            home = resp.headers["Location"]
        self.client.get(home, name="home (after login)")

    @task(5)
    def search_firms(self) -> None:
        """Firm list search, sometimes with a page number."""
        q = random.choice(SEARCH_WORDS)
        params = {"q": q} if random.random() < 0.8 else {"q": q, "page": 2}
        self.client.get("/firms/", params=params, name="firm search")

    @task(5)
    def firm_page(self) -> None:
        """One firm's page."""
        self.client.get(f"/firms/{random.choice(_firm_ids)}", name="firm page")

    @task(2)
    def rank_opportunity(self) -> None:
        """An opportunity's ranked candidates."""
        opp = random.choice(_opportunity_ids)
        self.client.get(f"/opportunities/{opp}", name="opportunity ranking")

    @task(2)
    def log_support(self) -> None:
        """Record a consultation with a unique marker; remember it if the server said yes."""
        page = self.client.get("/support/new", name="support log (form)").text
        marker = f"LOADMARK-{_run_id}-{uuid.uuid4().hex}"
        tax_code = random.choice(_tax_codes)
        data = {**form_fields(page, "/support/new"), "firm_tax_code": tax_code,
                "kind": "consulting", "summary": f"Tư vấn thị trường {marker}"}
        with self.client.post("/support/new", data=data, name="support log (save)",
                              allow_redirects=False, catch_response=True) as resp:
            if resp.status_code in (302, 303):
                resp.success()
                if _marker_file:
                    with _marker_lock, open(_marker_file, "a") as fh:
                        fh.write(marker + "\n")
            else:
                resp.failure(f"not saved: HTTP {resp.status_code}")

    @task(1)
    def edit_profile(self) -> None:
        """Change one firm's website through its edit form."""
        firm_id = random.choice(_firm_ids)
        page = self.client.get(f"/firms/{firm_id}/edit", name="firm edit (form)").text
        data = {**form_fields(page, f"/firms/{firm_id}/edit"),
                "website": f"https://www.firm{firm_id}.example.vn"}
        with self.client.post(f"/firms/{firm_id}/edit", data=data, name="firm edit (save)",
                              allow_redirects=False, catch_response=True) as resp:
            if resp.status_code in (302, 303):
                resp.success()
            elif resp.status_code == 200 and "người khác" in resp.text:
                resp.success()  # a concurrent edit was refused with a message: correct
            else:
                resp.failure(f"not saved: HTTP {resp.status_code}")


@events.quitting.add_listener
def _report(environment, **_kwargs) -> None:  # type: ignore[no-untyped-def]
    """Requests, errors and p50/p95 per page, in a table load_test.sh prints."""
    stats = environment.stats
    print(f"\n{'page':28} {'requests':>9} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for entry in sorted(stats.entries.values(), key=lambda e: (e.name, e.method)):
        # "login" is both a GET and a POST: say which.
        name = f"{entry.name} ({entry.method})" if entry.name == "login" else entry.name
        print(f"{name:28} {entry.num_requests:>9} {entry.num_failures:>7} "
              f"{entry.get_response_time_percentile(0.5):>7.0f} "
              f"{entry.get_response_time_percentile(0.95):>7.0f}")
    total = stats.total
    print(f"{'TOTAL':28} {total.num_requests:>9} {total.num_failures:>7} "
          f"{total.get_response_time_percentile(0.5):>7.0f} "
          f"{total.get_response_time_percentile(0.95):>7.0f}")
