"""gunicorn settings for scripts/crash_stress.sh: make each worker's garbage collector run
far more often (STRESS_GC_THRESHOLD, generation 0) so a collector-with-threads crash, if
there is one, shows sooner. Not for production."""

from __future__ import annotations

import gc
import os


def post_fork(server, worker) -> None:  # type: ignore[no-untyped-def]
    """In each new worker: the collector thresholds of the stress."""
    threshold = int(os.environ.get("STRESS_GC_THRESHOLD", "0"))
    if threshold:
        gc.set_threshold(threshold, 5, 5)
        server.log.info("worker %s: gc.set_threshold(%d, 5, 5)", worker.pid, threshold)
