"""Open each opportunity's ranking and a firm search a few times in parallel so every gunicorn
worker has built its ranking index and search index before the measured run (the first
build takes seconds on 100,000 firms).

Usage: python scripts/load_warmup.py BASE_URL USERS_FILE OPP_IDS(comma-separated)
"""

from __future__ import annotations

import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

WAIT_SECONDS = 600
ROUNDS = 16  # requests per opportunity: enough to reach every worker (3 in the README command)


def _session(base: str, email: str, password: str) -> requests.Session:
    s = requests.Session()
    s.headers["Referer"] = f"{base}/"  # over HTTPS Flask-WTF checks it, as browsers send it
    page = s.get(f"{base}/login", timeout=60).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    s.post(f"{base}/login", timeout=60, data={
        "email": email, "password": password, "csrf_token": token.group(1) if token else ""})
    return s


def main(base: str, users_file: str, opp_ids: str) -> None:
    """Warm up, printing how long it took."""
    # Under --preload the master builds both indexes before it listens: ~15 s on a quiet
    # machine at 100,000 firms, over a minute on a busy one.
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            if requests.get(f"{base}/health", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"error: {base}/health did not answer within {WAIT_SECONDS} s")
        time.sleep(0.5)
    email, password = Path(users_file).read_text().split("\n")[0].split(" ", 1)
    started = time.perf_counter()
    sessions = [_session(base, email, password) for _ in range(4)]
    urls = [f"{base}/opportunities/{i}" for i in opp_ids.split(",") for _ in range(ROUNDS)]
    urls += [f"{base}/firms/?q=c%C3%A0+ph%C3%AA"] * ROUNDS
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(lambda iu: sessions[iu[0] % 4].get(iu[1], timeout=300).status_code,
                              enumerate(urls)))
    took = time.perf_counter() - started
    print(f"warm-up: {len(codes)} ranking and search requests in {took:.0f} s, "
          f"statuses {sorted(set(codes))}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
