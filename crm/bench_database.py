"""The database a `crm bench` command runs on: created when missing, one line when unreachable.

Each bench loads synthetic firms into a database of its own (--database-url, else a SQLite
file under instance/). A PostgreSQL database that does not exist yet is created, as a SQLite
file would be; a server that cannot be reached is one line on stderr and exit code 2, the way
every CLI of the project fails, instead of a traceback from deep inside the bench.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError

from crm.config import sqlalchemy_url
from crm.errors import fail

T = TypeVar("T")
CONNECT_TIMEOUT = 5  # seconds: a host that drops packets must not hang the command


def _reason(err: Exception) -> str:
    """The first line of a driver error, without SQLAlchemy's background link."""
    cause = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def _can_connect(url: URL) -> Exception | None:
    """None when `url` opens, else the error."""
    args = {"connect_timeout": CONNECT_TIMEOUT} if url.get_backend_name() == "postgresql" else {}
    engine = create_engine(url, connect_args=args)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as err:  # any failure: the caller says which, in one line
        return err
    finally:
        engine.dispose()
    return None


def _create_postgresql_database(url: URL) -> bool:
    """Create the database of `url` from the server's `postgres` database; False when it
    cannot be reached or the database exists already (then the first error stands)."""
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": CONNECT_TIMEOUT})
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": url.database})
            if exists:
                return False
            quoted = admin.dialect.identifier_preparer.quote(url.database or "")
            conn.execute(text(f"CREATE DATABASE {quoted}"))
    except Exception:  # unreachable, no right to create: the caller reports the first error
        return False
    finally:
        admin.dispose()
    return True


def ensure_database(raw_url: str) -> None:
    """Open the bench database at `raw_url`, creating a missing PostgreSQL database; exit 2
    with one line on stderr when it cannot be opened."""
    try:
        url = make_url(sqlalchemy_url(raw_url))
    except Exception as err:  # ArgumentError, ValueError: not a URL at all
        fail(f"not a database URL: {raw_url!r} ({_reason(err)})")
    shown = url.render_as_string(hide_password=True)
    err = _can_connect(url)
    if err is None:
        return
    # Whether the server is down or the database missing, the message depends on the server's
    # language: ask the server (its `postgres` database) instead of reading the message.
    if (url.get_backend_name() == "postgresql" and url.database not in (None, "", "postgres")
            and _create_postgresql_database(url)):
        click.echo(f"created database {url.database} ({shown})", err=True)
        if _can_connect(url) is None:
            return
    fail(f"cannot open the bench database {shown}: {_reason(err)}")


def with_bench_database(run: Callable[..., T]) -> Callable[..., T]:
    """Wrap a bench command's callback: its --database-url is made ready first, and a database
    that fails on the way ends the command with one line, not a traceback."""

    @functools.wraps(run)
    def checked(*args: Any, **kwargs: Any) -> T:
        if kwargs.get("database_url"):
            ensure_database(kwargs["database_url"])
        try:
            return run(*args, **kwargs)
        except OperationalError as err:
            fail(f"database error during the bench: {_reason(err)}")

    return checked
