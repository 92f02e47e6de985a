"""The `crm` command: Flask's CLI (run, db, shell...) plus the CRM's own commands."""

from __future__ import annotations

import importlib

import click
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from crm import create_app
from crm.errors import fail
from crm.extensions import db


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """Go Global CRM management commands."""


@cli.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the schema and load the reference data."""
    upgrade()
    from crm.refdata import load_reference_data

    counts = load_reference_data()
    db.session.commit()
    click.echo("Schema up to date; reference data: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()))


@cli.command("refdata")
@with_appcontext
def refdata_command() -> None:
    """(Re)load the reference data shipped with the package."""
    from crm.refdata import load_reference_data

    counts = load_reference_data()
    db.session.commit()
    click.echo(", ".join(f"{k} {v}" for k, v in counts.items()))


@cli.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name")
@click.option("--role", required=True, help="admin, manager, officer, enterprise or viewer")
@click.option("--firm-tax-code", default=None, help="Tax code of the firm (enterprise role)")
@click.password_option()
@with_appcontext
def create_user_command(
    email: str, name: str, role: str, firm_tax_code: str | None, password: str
) -> None:
    """Create a user."""
    from crm.models import Firm, User
    from crm.models.user import ROLES

    if role not in ROLES:
        fail(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if "@" not in email or len(email) > 255:
        fail(f"invalid e-mail address {email!r}")
    if db.session.scalar(select(User).where(User.email == email.lower())):
        fail(f"a user with e-mail {email} already exists")
    firm_id = None
    if role == "enterprise":
        if not firm_tax_code:
            fail("an enterprise user needs --firm-tax-code")
        firm = db.session.scalar(select(Firm).where(Firm.tax_code == firm_tax_code))
        if firm is None:
            fail(f"no firm with tax code {firm_tax_code}")
        firm_id = firm.id
    if len(password) < 8:
        fail("the password must have at least 8 characters")
    user = User(email=email.lower(), name=name, role=role, firm_id=firm_id)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {email}")


def _register_optional_commands() -> None:
    """Commands that live beside the feature they serve."""
    from crm.bench import bench_command
    from crm.demo import demo_command, generate_command
    from crm.programmes.seed import seed_programmes_command

    cli.add_command(demo_command)
    cli.add_command(generate_command)
    cli.add_command(bench_command)
    cli.add_command(seed_programmes_command)
    cli.add_command(importlib.import_module("crm.imports.cli").import_command)
    cli.add_command(importlib.import_module("crm.backup").backup_command)
    cli.add_command(importlib.import_module("crm.backup").restore_command)
    cli.add_command(importlib.import_module("crm.notices.cli").notices_command)
    messaging = importlib.import_module("crm.messaging.cli")
    for command in (messaging.worker_command, messaging.reminders_command,
                    messaging.outbox_command):
        cli.add_command(command)
    cli.add_command(importlib.import_module("crm.auth.cli").token_command)
    cli.add_command(importlib.import_module("crm.storage").files_command)


_register_optional_commands()


def main() -> None:
    """Console-script entry point."""
    cli()
