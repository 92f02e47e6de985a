"""`crm notices import FILE --source S [--dry-run]` and `crm notices match ID --json`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from crm.errors import UserError, fail
from crm.extensions import db
from crm.models.notice import NOTICE_SOURCES


@click.group("notices")
def notices_command() -> None:
    """Market and regulation notices."""


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        fail(f"cannot read {path}: {err.strerror}")


@notices_command.command("import")
@click.argument("file")
@click.option("--source", required=True, type=click.Choice(NOTICE_SOURCES))
@click.option("--charges", default=None, help="FDA refusals: the charges CSV.")
@click.option("--dry-run", is_flag=True, help="Check and report; save nothing.")
@with_appcontext
def import_notices_command(file: str, source: str, charges: str | None, dry_run: bool) -> None:
    """Import a source's export file; the same file again adds nothing."""
    from crm.notices import services

    data = _read(file)
    try:
        report = services.import_notices(source, data, charges=_read(charges) if charges
                                         else None, dry_run=dry_run)
    except UserError as err:
        db.session.rollback()
        fail(err.message)
    if report.errors:
        db.session.rollback()
        fail(f"{file}: {report.errors[0]}"
             + (f" (+{len(report.errors) - 1} more)" if len(report.errors) > 1 else ""))
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would add" if dry_run else "added"
    click.echo(f"{verb} {len(report.added)}, already there {len(report.already)}, "
               f"skipped {len(report.skipped)}")
    for d in report.added:
        click.echo(f"  {d.external_id}: {report.matched.get(d.external_id, 0)} firms matched")


@notices_command.command("match")
@click.argument("notice_id")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@with_appcontext
def match_command(notice_id: str, as_json: bool) -> None:
    """The firms a notice concerns, with tax code, tier and reasons (reads only)."""
    from sqlalchemy import select

    from crm.models import Firm, Notice
    from crm.notices.reasons import reason_lines
    from crm.notices.targeting import KEPT_BY_DEFAULT, match_notice

    if not notice_id.isdigit() or int(notice_id) > 2**31:
        fail(f"not a notice id: {notice_id!r}")
    notice = db.session.get(Notice, int(notice_id))
    if notice is None:
        fail(f"no notice {notice_id}")
    matches = match_notice(notice)
    firms = {f.id: f for f in db.session.scalars(
        select(Firm).where(Firm.id.in_([m.firm_id for m in matches])))}
    rows = [{"firm_id": m.firm_id, "tax_code": firms[m.firm_id].tax_code,
             "name": firms[m.firm_id].name, "tier": m.tier,
             "ticked": m.tier in KEPT_BY_DEFAULT, "reasons": m.reasons,
             "reasons_text": reason_lines(m.reasons)} for m in matches]
    if as_json:
        click.echo(json.dumps({"notice": {"id": notice.id, "source": notice.source,
                                          "external_id": notice.external_id},
                               "matches": rows}, ensure_ascii=False, indent=1))
        return
    for r in rows:
        click.echo(f"{r['tax_code']}\t{r['tier']}\t{r['name']}\t{'; '.join(r['reasons_text'])}")
