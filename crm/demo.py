"""`crm demo` and `crm generate`: realistic demo data and synthetic sets for benchmarks."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import ScriptInfo, pass_script_info
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from crm.demodata.demoset import DEMO_PASSWORD, DEMO_USERS, build_demo, demo_exists
from crm.demodata.synthetic import MAX_FIRMS, generate_firms, generated_count
from crm.errors import fail
from crm.extensions import db

__all__ = ["demo_command", "generate_command", "generate_firms"]


class OneLineErrors(click.Command):
    """Bad options give one line on stderr and exit 2 (click would print usage too)."""

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as err:
            fail(" ".join(err.format_message().split()))


def _int_option(raw: str, name: str, low: int, high: int) -> int:
    """Parse a whole number in [low, high] or fail with one line."""
    try:
        value = int(raw.replace("_", "").replace(",", ""))
    except ValueError:
        fail(f"{name} must be a whole number, not {raw!r}")
    if not low <= value <= high:
        fail(f"{name} must be between {low:,} and {high:,}, not {value:,}")
    return value


def _sqlite_path(app: Flask) -> Path | None:
    """The database file when the app uses a SQLite file, else None."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database)
    return None


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@click.command("demo", cls=OneLineErrors)
@click.option("--port", default="5000", show_default=True, help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--reset", is_flag=True, help="Delete the demo SQLite database and rebuild it.")
@click.option("--no-serve", is_flag=True, help="Build the demo database, do not serve.")
@pass_script_info
def demo_command(info: ScriptInfo, port: str, host: str, reset: bool, no_serve: bool) -> None:
    """Build a demo database (instance/crm.db or DATABASE_URL) with ~1,500 firms, partners,
    opportunities and a year of support work, and serve it."""
    port_number = _int_option(port, "--port", 1, 65535)
    if not no_serve and not _port_free(host, port_number):
        fail(f"port {port_number} on {host} is in use; choose another with --port")
    app = info.load_app()
    with app.app_context():
        where = db.engine.url.render_as_string(hide_password=True)
        path = _sqlite_path(app)
        if reset:
            if path is None:
                fail("--reset only deletes SQLite files; empty the database "
                     f"{where} yourself")
            db.engine.dispose()
            path.unlink(missing_ok=True)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _prepare_demo(where)
        except SQLAlchemyError as err:
            fail(f"database {where}: {str(err).splitlines()[0]}")
    if no_serve:
        return
    # A comparison for the message below; binding is up to --host.
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # nosec B104
    click.echo(f"\nGo Global CRM demo: http://{shown}:{port_number}/")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, _name, role in DEMO_USERS:
        click.echo(f"  {role:<11} {email}")
    click.echo("Press Ctrl+C to stop.\n")
    _start_jobs(app)
    from werkzeug.serving import run_simple

    run_simple(host, port_number, app, use_reloader=False, use_debugger=False, threaded=True)


def _start_jobs(app: Any) -> None:
    """The background jobs (e-mail outbox, reminders) in threads of the demo process, over
    the SQLite queue: the one demo command runs everything. Production runs `crm worker`."""
    import signal

    from crm.messaging import jobs

    if jobs.huey.immediate:
        return
    jobs.APP = app
    # The consumer takes over SIGINT/SIGTERM for a worker process of its own; here Ctrl+C
    # must still stop the web server, so the handlers are put back.
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    consumer = jobs.huey.create_consumer(workers=1, worker_type="thread", periodic=True,
                                         initial_delay=0.5, backoff=1.15, max_delay=5.0)
    consumer.start()
    for signum, handler in saved.items():
        signal.signal(signum, handler)
    with app.app_context():
        jobs.deliver_outbox_job()
        jobs.reminders_job()
    click.echo("Background jobs (e-mail outbox, reminders) run in this process.\n")


def _prepare_demo(where: str) -> None:
    """Migrate, load reference data, and build the demo set unless it is already there."""
    from crm.models import Firm, HsCode
    from crm.refdata import load_reference_data

    started = time.perf_counter()
    tables = set(inspect(db.engine).get_table_names())
    if {"firms", "users"} <= tables and not demo_exists():
        # Decide before migrating: never touch a database that is not ours.
        firms = db.session.scalar(select(func.count()).select_from(Firm))
        if firms:
            fail(f"database {where} holds {firms:,} firms but no demo data; "
                 "point DATABASE_URL at an empty database")
    upgrade()
    if not db.session.scalar(select(func.count()).select_from(HsCode)):
        load_reference_data()
        db.session.commit()
    firms = db.session.scalar(select(func.count()).select_from(Firm))
    if demo_exists():
        click.echo(f"Reusing the demo database {where} ({firms:,} firms); "
                   "`crm demo --reset` rebuilds it.")
        return
    click.echo(f"Building the demo database {where} ...")
    counts = build_demo()
    db.session.commit()
    click.echo("Built in {:.1f} s: {}".format(
        time.perf_counter() - started, ", ".join(f"{v:,} {k}" for k, v in counts.items())))


@click.command("generate", cls=OneLineErrors)
@click.option("--firms", "n_firms", default=None, metavar="N",
              help=f"Generated firms wanted in the database (1 to {MAX_FIRMS:,}).")
@click.option("--database-url", default=None, help="Database to fill (default: DATABASE_URL).")
@click.option("--seed", default="0", show_default=True, help="Random seed.")
@pass_script_info
def generate_command(info: ScriptInfo, n_firms: str | None, database_url: str | None,
                     seed: str) -> None:
    """Add synthetic firms until the database holds N generated ones (for benchmarks)."""
    if n_firms is None:
        fail("--firms N is required")
    n = _int_option(n_firms, "--firms", 1, MAX_FIRMS)
    seed_value = _int_option(seed, "--seed", 0, 2**31 - 1)
    app = _app_for(database_url) if database_url else info.load_app()
    with app.app_context():
        where = db.engine.url.render_as_string(hide_password=True)
        path = _sqlite_path(app)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        try:
            from crm.demodata.synthetic import ensure_schema

            ensure_schema()
            have = generated_count()
            click.echo(f"{where}: {have:,} generated firms already; adding {max(0, n - have):,}")

            def progress(done: int) -> None:
                click.echo(f"  {done:,}/{n:,} ({time.perf_counter() - started:.0f} s)")

            added = generate_firms(n, seed=seed_value, progress=progress)
        except SQLAlchemyError as err:
            fail(f"database {where}: {str(err).splitlines()[0]}")
        click.echo(f"Added {added:,} firms in {time.perf_counter() - started:.1f} s; "
                   f"{generated_count():,} generated firms in the database.")


def _app_for(database_url: str) -> Flask:
    """The app bound to another database (postgresql:// URLs use psycopg 3, as in Config)."""
    from crm import create_app
    from crm.config import Config

    url = database_url
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]

    class GenerateConfig(Config):
        SQLALCHEMY_DATABASE_URI = url

    try:
        return create_app(GenerateConfig)
    except ArgumentError as err:
        fail(f"--database-url {database_url!r}: {err}")
