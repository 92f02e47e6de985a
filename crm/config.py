"""Configuration, read from environment variables."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

# Each app host of a multi-host deployment may have its own (CRM_INSTANCE_DIR).
INSTANCE_DIR = Path(os.environ.get("CRM_INSTANCE_DIR")
                    or Path(__file__).resolve().parent.parent / "instance")
DEFAULT_SECRET = "dev-only-change-me"  # nosec B105  # refused when CRM_ENV=production


def sqlalchemy_url(url: str) -> str:
    """A database URL for SQLAlchemy: Heroku-style and bare postgresql:// use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return sqlalchemy_url(url) if url else f"sqlite:///{INSTANCE_DIR / 'crm.db'}"


class Config:
    """Default configuration: SQLite under instance/, overridable by environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # Optional PostgreSQL streaming replica for the heavy read-only pages (crm/replica.py).
    DATABASE_REPLICA_URL = sqlalchemy_url(os.environ.get("DATABASE_REPLICA_URL", ""))
    # A replica that does not answer must not hold a page for long: the page then reads the
    # primary.
    REPLICA_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True,
                                              "connect_args": {"connect_timeout": 3}}
    # Without WAL positions to compare (SQLite, tests), a user's reads stay on the primary
    # this long after their last write.
    REPLICA_STICKY_SECONDS = 60.0
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    BOOTSTRAP_SERVE_LOCAL = True  # intranets have no internet: never a CDN
    BOOTSTRAP_BOOTSWATCH_THEME = None
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    # Reverse proxies in front of the app (nginx, HAProxy): with 1, the client address and
    # scheme come from the proxy's X-Forwarded-For / -Proto. Without it every request seems
    # to come from the proxy, so the per-address login throttle counted all users as one.
    PROXY_COUNT = int(os.environ.get("CRM_PROXY_COUNT", "0"))
    REMEMBER_COOKIE_HTTPONLY = True
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    FIRMS_PER_PAGE = 25
    # Imports of more rows than this run on a streamed page that shows their progress.
    IMPORT_STREAM_ROWS = 2000
    # Where uploaded scans and import files live (crm/storage.py): "local" (instance/, one
    # host) or "database" (the stored_files table, shared by every app host).
    FILE_STORAGE = os.environ.get("CRM_FILE_STORAGE", "local")
    WTF_CSRF_TIME_LIMIT = None  # a long form session must not lose its edits
    # Login throttling (Flask-Limiter): memory:// suits one process (the SQLite demo); with
    # several gunicorn workers use redis://127.0.0.1:6379 so they share the counters.
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") == "1"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "crm")
    # Build the ranking index and search index while the app is created (the gunicorn
    # command sets it; commands such as `crm backup` must not spend seconds on it).
    WARM_AT_START = os.environ.get("CRM_WARM_AT_START", "0") == "1"
    # E-mail to firms (crm/messaging): sent by the worker from the outbox. No MAIL_SERVER:
    # nothing is sent, the e-mails wait in the outbox (the portal inbox works regardless).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"  # STARTTLS
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "xuctienthuongmai@localhost")
    # The address of the CRM as firms reach it, for the link in each e-mail (none if unset).
    CRM_BASE_URL = os.environ.get("CRM_BASE_URL", "")
    # After a commit that queued e-mail, ask the worker to send it now (it also sweeps the
    # outbox every minute, so a lost request only delays the mail).
    MAIL_KICK_WORKER = True
    # A worker's claim on an e-mail it is sending; a worker killed mid-send leaves it to
    # another after this many seconds (crm/messaging/mail.py).
    MAIL_LEASE_SECONDS = int(os.environ.get("MAIL_LEASE_SECONDS", "300"))
    # Seconds the B2B meeting scheduler (CP-SAT) may use per "build agenda".
    MEETING_SOLVER_SECONDS = float(os.environ.get("MEETING_SOLVER_SECONDS", "20"))


class TestConfig(Config):
    """Configuration for the test suite: in-memory SQLite unless TEST_DATABASE_URL is set."""

    TESTING = True
    SECRET_KEY = "test"  # nosec B105  # the test configuration only
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    DATABASE_REPLICA_URL = ""  # tests/replica/ sets a replica itself
    RATELIMIT_ENABLED = False  # the throttling tests switch it on (tests/auth/)
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_KICK_WORKER = False  # tests run the delivery themselves
    MEETING_SOLVER_SECONDS = 5.0  # the tests' events are small
