"""`crm worker`, `crm reminders run`, `crm outbox deliver|status`."""

from __future__ import annotations

import logging
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from crm.errors import fail


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 8), default=2, show_default=True,
              help="Threads running jobs.")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the background jobs: outbox delivery (every minute and after each commit that
    queued e-mail) and the daily reminders (07:05 Vietnam time, and once at start)."""
    from crm.messaging import jobs

    logging.basicConfig(level=logging.INFO)
    jobs.APP = current_app._get_current_object()
    if jobs.huey.immediate:
        fail("HUEY_IMMEDIATE=1 runs jobs in the calling process: unset it for a worker")
    # What a worker killed earlier left undone is done first (the database is the record).
    jobs.deliver_outbox_job()
    jobs.reminders_job()
    click.echo(f"worker: queue {type(jobs.huey.storage).__name__}, {workers} threads; "
               f"mail server {current_app.config['MAIL_SERVER'] or '(none: e-mail waits)'}",
               err=True)
    consumer = jobs.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         initial_delay=0.1, backoff=1.15, max_delay=2.0)
    consumer.run()


@click.group("reminders")
def reminders_command() -> None:
    """Reminders to firms and officers."""


@reminders_command.command("run")
@click.option("--today", "today_text", default=None, metavar="YYYY-MM-DD",
              help="Run as if today were this day (default: today in Vietnam).")
@click.option("--dry-run", is_flag=True, help="Count what would be queued; write nothing.")
@with_appcontext
def reminders_run(today_text: str | None, dry_run: bool) -> None:
    """Queue the reminders due today (each once; a second run adds nothing)."""
    from crm.extensions import db
    from crm.messaging.reminders import run_reminders
    from crm.messaging.texts import vietnam_today

    try:
        today = date.fromisoformat(today_text) if today_text else vietnam_today()
    except ValueError:
        fail(f"--today must be YYYY-MM-DD, not {today_text!r}")
    report = run_reminders(today, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(str(report))


@click.group("outbox")
def outbox_command() -> None:
    """The e-mail outbox."""


@outbox_command.command("deliver")
@with_appcontext
def outbox_deliver() -> None:
    """Send what is due now, without a worker."""
    from crm.messaging.mail import deliver_outbox

    click.echo(str(deliver_outbox()))


@outbox_command.command("status")
@with_appcontext
def outbox_status() -> None:
    """E-mails per status."""
    from crm.messaging.queries import outbox_counts

    counts = outbox_counts()
    click.echo(", ".join(f"{s} {counts.get(s, 0)}" for s in ("queued", "sending", "sent",
                                                              "failed")))
