"""Read replica: the heavy read-only pages may read from a PostgreSQL streaming replica.

Set ``DATABASE_REPLICA_URL`` and the pages listed in
``REPLICA_ENDPOINTS`` (firm list, ranking page, KPI dashboard, exports) send their SELECTs to
the replica; every write, every other page and every command stay on the primary. Unset,
nothing changes: one database.

Read-your-own-writes: after a user's successful write request (any POST, PUT, PATCH or
DELETE answered below 400) the primary's WAL position at that moment is kept in the user's
session; that user's reads go to the primary until the replica has replayed past it
(``pg_last_wal_replay_lsn()``, read at most once a second per process). Compared with a
fixed time window this holds however far the replica falls behind (a window shorter than
the lag shows the user their change missing; a longer one sends every writer to the primary
for nothing), and it costs one ``pg_current_wal_lsn()`` per write request. Databases
without WAL positions (SQLite, only in tests) fall back to a time window,
``REPLICA_STICKY_SECONDS``.

The in-memory ranking and search indexes always read the primary (``on_primary``): they
keep a high-water mark of what they have seen, and a lagging replica would move it back and
put old versions of firms into them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_login import current_user
from flask_sqlalchemy.session import Session as FsaSession
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Select

log = logging.getLogger(__name__)

SESSION_KEY = "crm_last_write"
# Read-only pages whose SELECTs may go to the replica: the heavy ones (a list of endpoint
# names rather than a marker in each route module, so that the routes stay as they are).
REPLICA_ENDPOINTS = frozenset({
    "firms.index",
    "opportunities.show",
    "opportunities.export_xlsx",
    "opportunities.export_csv",
    "interactions.export_xlsx",
    "programmes.dashboard",
    "programmes.report_xlsx",
    "programmes.proposal_xlsx",
})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
POSITION_CACHE_SECONDS = 1.0  # how stale this process's view of the replica may be
DOWN_RETRY_SECONDS = 10.0  # after a failed look, the replica is not asked again this long
_FLAG = "crm_read_replica"


class RoutingSession(FsaSession):
    """Flask-SQLAlchemy's session, sending a replica page's SELECTs to the replica engine."""

    def get_bind(self, mapper: Any | None = None, clause: Any | None = None,
                 bind: Any | None = None, **kwargs: Any) -> Any:
        """The replica for a plain SELECT of a replica page; the primary for everything else."""
        if bind is None and has_app_context() and g.get(_FLAG):
            state = current_app.extensions.get("crm_replica")
            engine = state.engine if state is not None else None
            if (engine is not None and isinstance(clause, Select)
                    and clause._for_update_arg is None and not self._flushing):
                return engine
            if self._flushing or clause is not None:
                # A write (a flush, an INSERT/UPDATE/DELETE, raw SQL) in a replica page: from
                # here on this request reads the primary, so it sees what it wrote.
                g.pop(_FLAG, None)
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


@contextmanager
def on_primary() -> Iterator[None]:
    """Within the block, this request's queries go to the primary (the in-memory indexes)."""
    if not has_app_context():
        yield
        return
    was = g.pop(_FLAG, None)
    try:
        yield
    finally:
        if was:
            g.setdefault(_FLAG, was)


def reads_replica() -> bool:
    """Whether this request's SELECTs go to the replica."""
    return bool(has_app_context() and g.get(_FLAG))


def lsn_number(lsn: str | None) -> int | None:
    """A PostgreSQL LSN ("16/B374D848") as an integer, to compare positions."""
    if not lsn:
        return None
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


class _ReplicaState:
    """This process's latest look at the replica: its replay position, or that it is down."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.Lock()
        self.position: int | None = None
        self.looked_at = 0.0
        self.down_until = 0.0


def replica_position(app: Flask) -> int | None:
    """WAL position the replica has replayed (cached a second); None when it is unreachable.

    A server not in recovery (a promoted replica; the tests' stand-in) has all of its own
    WAL, so its current position counts; a database without WAL (SQLite) reports 0.
    """
    state: _ReplicaState = app.extensions["crm_replica"]
    now = time.monotonic()
    with state.lock:
        if now < state.down_until:
            return None
        if now - state.looked_at < POSITION_CACHE_SECONDS:
            return state.position
        engine = state.engine
        try:
            with engine.connect() as conn:
                if engine.dialect.name != "postgresql":  # no WAL: only whether it answers
                    conn.scalar(text("SELECT 1"))
                    lsn = "0/0"
                else:
                    lsn = conn.scalar(text("SELECT COALESCE(pg_last_wal_replay_lsn(), "
                                           "pg_current_wal_lsn())::text"))
        except SQLAlchemyError as err:
            log.warning("read replica unreachable, reading the primary: %s",
                        str(err).splitlines()[0])
            state.position, state.down_until = None, now + DOWN_RETRY_SECONDS
            return None
        state.position, state.looked_at = lsn_number(lsn), now
        return state.position


def _postgres(app: Flask) -> bool:
    return app.extensions["crm_replica"].engine.dialect.name == "postgresql"


def _choose(app: Flask) -> bool:
    """Whether this request may read the replica (see the module docstring)."""
    if request.method not in SAFE_METHODS or request.endpoint not in REPLICA_ENDPOINTS:
        return False
    last = session.get(SESSION_KEY)
    if not last:
        return True
    wanted = last.get("lsn")
    if wanted is not None and _postgres(app):
        position = replica_position(app)
        caught_up = position is not None and position >= wanted
    else:  # no WAL position (SQLite, or the primary did not answer): a time window
        caught_up = time.time() - last.get("at", 0) >= app.config["REPLICA_STICKY_SECONDS"]
    if caught_up:
        session.pop(SESSION_KEY, None)  # no more looks for this user until the next write
    return caught_up


def _primary_position(app: Flask) -> int | None:
    from crm.extensions import db

    if db.engine.dialect.name != "postgresql":
        return None
    try:
        # Its own connection: the view has committed, and the session must not autoflush.
        with db.engine.connect() as conn:
            return lsn_number(conn.scalar(text("SELECT pg_current_wal_lsn()::text")))
    except SQLAlchemyError:  # the write is done; without a position the time window holds
        return None


def init_app(app: Flask) -> None:
    """Route the replica pages' reads when DATABASE_REPLICA_URL is set; otherwise nothing."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    # Its own engine rather than a Flask-SQLAlchemy bind: a bind would also take part in
    # create_all/drop_all, and the replica is read-only. No connection is opened before a
    # request, so none crosses gunicorn's fork (warm_up disposes it all the same).
    app.extensions["crm_replica"] = _ReplicaState(
        create_engine(url, **app.config.get("REPLICA_ENGINE_OPTIONS", {})))

    @app.before_request
    def _route_reads() -> None:
        if _choose(app):
            # The signed-in user is read from the primary first: a new account, a changed
            # role or a deactivation must count at once, not after the replica's lag.
            current_user._get_current_object()
            g.setdefault(_FLAG, True)
        if g.get(_FLAG) and replica_position(app) is None:
            g.pop(_FLAG, None)  # replica down: this page reads the primary

    @app.after_request
    def _remember_write(response: Any) -> Any:
        # Only a signed-in browser session has reads to route (the API's tokens have none).
        if (has_request_context() and request.method not in SAFE_METHODS
                and response.status_code < 400 and session.get("_user_id")):
            g.pop(_FLAG, None)
            session[SESSION_KEY] = {"at": time.time(), "lsn": _primary_position(app)}
        return response
