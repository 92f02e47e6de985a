"""Keeping the garbage collector off the long-lived structures of a worker.

A worker holds the ranking index and the search index of every firm: ~250,000 objects
and millions of references at 100,000 firms. Python's full collection walks them all, ~130 ms
with the GIL held, stalling every thread of the worker every few seconds under load. They
are freed by reference counting when replaced, so the collector need not look at them.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()


def settle_long_lived() -> None:
    """Move what is alive now out of the collector's generations (after building an index).

    What an earlier call froze goes back first and is collected, so cycles left by a
    replaced index are still freed; this costs one full collection, at build time only.
    """
    with _lock:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
