"""`crm token create|list|revoke`: API tokens from the command line (service accounts)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from crm.errors import UserError, fail
from crm.extensions import db


@click.group("token")
def token_command() -> None:
    """API tokens for /api/v1."""


def _user(email: str):
    from crm.models import User

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        fail(f"no user with e-mail {email}")
    return user


@token_command.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. 'portal sync'")
@click.option("--scopes", required=True,
              help="Space- or comma-separated, of: firms:read firms:write "
                   "opportunities:read opportunities:write interactions:read "
                   "interactions:write partners:read partners:write programmes:read")
@click.option("--days", type=int, default=None,
              help="Days until it expires (1-365; required except for admins)")
@with_appcontext
def create_command(email: str, name: str, scopes: str, days: int | None) -> None:
    """Create a token for the user EMAIL and print it (it is shown only this once)."""
    from crm.auth import tokens

    user = _user(email)
    try:
        made = tokens.create_token(user, name, scopes, days)
    except UserError as err:
        db.session.rollback()
        fail(f"{err.field}: {err.message}" if err.field else err.message)
    db.session.commit()
    click.echo(made.secret)


@token_command.command("list")
@click.argument("email")
@with_appcontext
def list_command(email: str) -> None:
    """List the user's tokens (prefix, name, scopes, expiry, last use; never the secret)."""
    from crm.auth import tokens

    for row in tokens.tokens_of(_user(email)):
        state = "live" if tokens.is_live(row) else ("revoked" if row.revoked_at else "expired")
        click.echo(f"{row.prefix}\t{state}\t{row.name}\t{' '.join(row.scopes)}\t"
                   f"{row.expires_at or '-'}\t{row.last_used_at or '-'}")


@token_command.command("revoke")
@click.argument("prefix")
@with_appcontext
def revoke_command(prefix: str) -> None:
    """Revoke the token with this prefix (the 8 characters after ggc_)."""
    from crm.auth import tokens
    from crm.models import ApiToken

    row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix.strip()))
    if row is None:
        fail(f"no token with prefix {prefix}")
    tokens.revoke_token(row, by=row.user)
    db.session.commit()
    click.echo(f"Revoked {row.prefix}")
