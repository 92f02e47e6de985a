"""`crm bench reminders`: the daily reminder run over the synthetic registry."""

from __future__ import annotations

import time
from datetime import date

import click
from sqlalchemy import String, cast, delete, func, select, update

from crm.config import INSTANCE_DIR, Config


@click.command("reminders")
@click.option("--firms", "n_firms", type=click.IntRange(1, 1_000_000), default=100_000,
              show_default=True)
@click.option("--database-url", default=None,
              help="Default: a separate SQLite file, instance/bench.db (shared with the "
                   "search bench).")
@click.option("--today", "today_text", default=None, metavar="YYYY-MM-DD",
              help="The day to run as (default: today in Vietnam).")
def reminders_bench(n_firms: int, database_url: str | None, today_text: str | None) -> None:
    """Time the daily reminder run: a dry run, a first run (catching up every reminder due,
    with their e-mails) and a second run the same day (all already sent); the bench's
    reminders are removed afterwards."""
    from crm import create_app
    from crm.demodata.synthetic import ensure_schema, generate_firms, generated_count
    from crm.extensions import db
    from crm.messaging.reminders import run_reminders
    from crm.messaging.texts import vietnam_today
    from crm.models import Certification, Contact, Firm, Message, OutboxEmail

    INSTANCE_DIR.mkdir(exist_ok=True)
    url = database_url or f"sqlite:///{INSTANCE_DIR / 'bench.db'}"
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        MAIL_KICK_WORKER = False  # no queue: the bench measures the run itself

    today = date.fromisoformat(today_text) if today_text else vietnam_today()
    app = create_app(BenchConfig)
    with app.app_context():
        ensure_schema()
        have = generated_count()
        if have < n_firms:
            click.echo(f"Loading {n_firms - have} firms ({have} already there)...", err=True)
            generate_firms(n_firms)
        # Generated contacts have no e-mail: give them one here (this bench database only),
        # so that writing the outbox rows is part of the timed run.
        db.session.execute(update(Contact).where(Contact.email.is_(None))
                           .values(email="bench-" + cast(Contact.id, String) + "@example.vn"))
        db.session.commit()
        firms = db.session.scalar(select(func.count()).select_from(Firm)) or 0
        certs = db.session.scalar(select(func.count()).select_from(Certification)) or 0
        reminder = Message.dedupe_key.like("cert:%") | Message.dedupe_key.like("gacc:%") \
            | Message.dedupe_key.like("opportunity:%") | Message.dedupe_key.like("task:%")

        def clear() -> None:
            ids = select(Message.id).where(Message.kind == "reminder", reminder)
            db.session.execute(delete(OutboxEmail).where(OutboxEmail.message_id.in_(ids)))
            db.session.execute(delete(Message).where(Message.kind == "reminder", reminder))
            db.session.commit()

        clear()
        timings = []
        for label, dry in (("dry run", True), ("first run", False), ("same day again", False)):
            t0 = time.perf_counter()
            report = run_reminders(today, dry_run=dry)
            if dry:
                db.session.rollback()
            else:
                db.session.commit()
            seconds = time.perf_counter() - t0
            timings.append(seconds)
            click.echo(f"{label:>15}: {seconds:6.2f} s  {report}")
        clear()
    engine = url.split(":", 1)[0]
    click.echo(f"{engine}: {firms} firms, {certs} certificates; daily run "
               f"{max(timings[1:]):.2f} s (target < 60 s)")
