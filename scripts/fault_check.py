"""After a fault run: every acknowledged marker is stored exactly once; nothing is duplicated.

Usage: python scripts/fault_check.py MARKER_FILE RUN_ID   (DATABASE_URL names the database)
Exit 0 when no acknowledged record was lost and none was stored twice; 1 otherwise.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text


def main(marker_file: str, run_id: str) -> int:
    """Compare the markers the clients saw acknowledged with those in the database."""
    marker = re.compile(rf"LOADMARK-{re.escape(run_id)}-[0-9a-f]{{32}}")
    acknowledged = Path(marker_file).read_text().split()
    url = os.environ["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url)
    with engine.connect() as conn:
        summaries = conn.execute(text(
            "SELECT summary FROM interactions WHERE summary LIKE :pattern"),
            {"pattern": f"%LOADMARK-{run_id}-%"}).scalars()
        stored = Counter(m for s in summaries for m in marker.findall(s or ""))
    engine.dispose()
    wanted = set(acknowledged)
    lost = sorted(wanted - set(stored))
    duplicated = sorted(m for m, n in stored.items() if n > 1)
    unacknowledged = len(set(stored) - wanted)
    print(f"acknowledged: {len(wanted)}; stored: {sum(stored.values())} "
          f"({len(stored)} distinct); lost: {len(lost)}; duplicated: {len(duplicated)}; "
          f"stored but never acknowledged (response lost in the fault): {unacknowledged}")
    for m in lost[:10]:
        print(f"  LOST {m}")
    for m in duplicated[:10]:
        print(f"  DUPLICATED {m}")
    ok = not lost and not duplicated and len(acknowledged) == len(wanted)
    print("FAULT CHECK OK" if ok else "FAULT CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
