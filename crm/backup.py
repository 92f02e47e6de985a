"""`crm backup` / `crm restore`: pg_dump/pg_restore for PostgreSQL, SQLite's online backup API."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump/pg_restore with an argument list, no shell
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, make_url

from crm.errors import fail

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"  # first bytes of a pg_dump custom-format (-Fc) archive


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        fail("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg_env(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL client tools; the password goes in the env."""
    args = ["--no-password"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        fail(f"{name} not found on PATH: install the PostgreSQL client tools")
    return path


def file_kind(path: Path) -> str | None:
    """'sqlite', 'pgdump' or None, from the file's first bytes."""
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pgdump"
    return None


def backup_database(output: Path) -> Path:
    """Write a consistent copy of the configured database to `output`."""
    url = _url()
    output.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(output)
        try:
            # The online backup API copies page by page under SQLite's own locking, so a
            # running app can keep writing while the backup is taken.
            source.backup(target)
        finally:
            target.close()
            source.close()
        return output
    if url.get_backend_name() == "postgresql":
        args, env = _pg_env(url)
        cmd = [_tool("pg_dump"), "-Fc", "--no-owner", *args, "--file", str(output),
               "--dbname", str(url.database)]
        _run(cmd, env)
        return output
    fail(f"backups of {url.get_backend_name()} databases are not supported")


def check_restorable(source: Path) -> None:
    """Refuse (one line, exit 2) a missing file or one of the wrong kind for this database."""
    url = _url()
    if not source.is_file():
        fail(f"no such file: {source}")
    kind = file_kind(source)
    backend = url.get_backend_name()
    wanted = {"sqlite": "sqlite", "postgresql": "pgdump"}.get(backend)
    if wanted is None:
        fail(f"restores into {backend} databases are not supported")
    if kind != wanted:
        what = {"sqlite": "an SQLite database", "pgdump": "a pg_dump archive"}.get(
            kind, "not a CRM backup")
        fail(f"{source} is {what}; a {backend} database needs "
             f"{'an SQLite backup' if wanted == 'sqlite' else 'a pg_dump -Fc archive'}")


def restore_database(source: Path) -> None:
    """Replace the configured database's content with the backup in `source`."""
    check_restorable(source)
    url = _url()
    if url.get_backend_name() == "sqlite":
        from crm.extensions import db

        db.engine.dispose()  # our pooled connections must not hold the old pages
        src = sqlite3.connect(source)
        dst = sqlite3.connect(_sqlite_path(url))
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return
    args, env = _pg_env(url)
    cmd = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
           *args, "--dbname", str(url.database), str(source)]
    _run(cmd, env)
    from crm.models.base import refresh_statistics

    refresh_statistics()  # pg_restore brings the rows back, not the planner's statistics


def _run(cmd: list[str], env: dict[str, str]) -> None:
    # A fixed tool found on PATH and an argument list: no shell, nothing to inject.
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
        fail(f"{Path(cmd[0]).name} failed: {last}")


@click.command("backup")
@click.option("--output", "output", default=None, metavar="FILE",
              help="Backup file (default: backups/crm-<date-time>.<dump|sqlite>).")
@with_appcontext
def backup_command(output: str | None) -> None:
    """Back up the database (pg_dump -Fc, or SQLite's online backup)."""
    if output is None:
        ext = "sqlite" if _url().get_backend_name() == "sqlite" else "dump"
        output = f"backups/crm-{datetime.now():%Y%m%d-%H%M%S}.{ext}"
    path = backup_database(Path(output))
    click.echo(f"Backup written to {path} ({path.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("file", metavar="FILE")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file: str, yes: bool) -> None:
    """Replace the database's content with a backup made by `crm backup`."""
    source = Path(file)
    check_restorable(source)
    if not yes and not click.confirm(
            f"Replace every record of {_url().render_as_string(hide_password=True)} "
            f"with {file}?", default=False):
        fail("restore cancelled")
    restore_database(source)
    click.echo(f"Restored {file}")
