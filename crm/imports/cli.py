"""`crm import FILE [--dry-run] [--partial OUT] [--take-from-file]`: the import from the
command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from crm.errors import UserError, fail

MAX_LISTED_ERRORS = 50


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--partial", "partial_out", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Import the valid rows; write the rejected ones to this file.")
@click.option("--take-from-file", is_flag=True,
              help="Where a value really differs from the stored one, take the file's "
                   "(default: keep the stored value). A worse form of the same value "
                   "(unaccented, upper case, cut short) never replaces the stored one.")
@with_appcontext
def import_command(file: Path, dry_run: bool, partial_out: Path | None,
                   take_from_file: bool) -> None:
    """Import firms from an .xlsx or .csv file (all-or-nothing unless --partial)."""
    from crm.extensions import db
    from crm.imports import parsing, services
    from crm.imports.mapping import FIELDS, guess_mapping

    with current_app.test_request_context():  # messages are gettext'd: they need a locale
        try:
            table = parsing.read_table(file)
        except UserError as err:
            fail(f"{file}: {err.message}")
        mapping = guess_mapping(table.headings)
        for heading, field in zip(table.headings, mapping, strict=True):
            target = str(FIELDS[field]) if field else "-"
            click.echo(f"  {heading or '(no heading)'} -> {target}", err=True)

        def progress(done: int, total: int) -> None:
            click.echo(f"  {done} / {total}", err=True)

        try:
            report = services.plan_import(table, mapping, progress=progress,
                                          take=take_from_file)
        except UserError as err:
            fail(err.message)
        for result in report.errors[:MAX_LISTED_ERRORS]:
            click.echo(f"row {result.row}: {'; '.join(result.errors)}", err=True)
        if len(report.errors) > MAX_LISTED_ERRORS:
            click.echo(f"... and {len(report.errors) - MAX_LISTED_ERRORS} more rows with errors",
                       err=True)
        conflicts = report.conflicts()
        for result, conflict in conflicts[:MAX_LISTED_ERRORS]:
            outcome = "file's value taken" if conflict.taken else "stored value kept"
            click.echo(f"row {result.row}: {conflict.label}: stored {conflict.old!s}, file "
                       f"{conflict.new!s} ({outcome})", err=True)
        if len(conflicts) > MAX_LISTED_ERRORS:
            click.echo(f"... and {len(conflicts) - MAX_LISTED_ERRORS} more differences",
                       err=True)
        summary = report.summary()
        line = (f"{summary['total']} rows: {summary['create']} to create, {summary['update']} "
                f"to update, {summary['unchanged']} unchanged, {summary['error']} with errors")
        if summary["kept"]:
            line += (f", {summary['kept']} differences keep the stored value "
                     f"(--take-from-file takes the file's)")
        if dry_run:
            db.session.rollback()
            click.echo(f"dry run: {line}")
            return
        if report.errors and partial_out is None:
            db.session.rollback()
            fail(f"{line}; nothing imported (fix the rows, or use --partial OUT)")
        services.apply_import(report, partial=partial_out is not None,
                              note=f"crm import {file.name}", progress=progress)
        db.session.commit()
        if report.errors and partial_out is not None:
            suffix = ".xlsx" if partial_out.suffix.lower() == ".xlsx" else ".csv"
            written = services.write_rejected(table, report, partial_out.with_suffix(suffix))
            click.echo(f"{written} rejected rows written to {partial_out.with_suffix(suffix)}")
        click.echo(f"imported: {line}; {report.history_rows} history rows")
