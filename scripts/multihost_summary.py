"""Requests, errors and p50/p95 per page type from a locust --csv stats file; pass or fail.

Usage: python scripts/multihost_summary.py STATS_CSV P95_LIMIT_MS
Exit 0 when no request failed and every page type's p95 is at most the limit; 1 otherwise.
"""

from __future__ import annotations

import csv
import sys


def main(path: str, limit_ms: str) -> int:
    """Print one line per page type with PASS/FAIL, then the verdict."""
    limit = float(limit_ms)
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    ok = True
    print(f"{'page type':32} {'requests':>9} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for row in rows:
        name = row["Name"] if row["Name"] != "login" else f"login ({row['Type']})"
        p95 = float(row["95%"] or 0)
        failures = int(row["Failure Count"])
        good = failures == 0 and (p95 <= limit or row["Name"] == "Aggregated")
        ok &= good or row["Name"] == "Aggregated"
        print(f"{name:32} {row['Request Count']:>9} {failures:>7} {row['50%']:>7} "
              f"{p95:>7.0f}  {'' if row['Name'] == 'Aggregated' else 'ok' if good else 'FAIL'}")
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    if total is None or int(total["Request Count"]) == 0:
        print("no requests were made")
        return 1
    print(f"load {'PASS' if ok else 'FAIL'}: p95 limit {limit:.0f} ms per page type, 0 errors")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
