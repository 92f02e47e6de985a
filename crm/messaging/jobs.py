"""Background jobs (Huey): deliver the outbox, the daily reminders.

The queue is Redis when REDIS_URL is set (production: several workers, one queue), else a
SQLite file (HUEY_FILE, default instance/huey.db) that needs no server: `crm worker` reads
it. Huey drops a job a killed worker was running; nothing is lost by that, because the
database is the record: the outbox rows stay due (or claimed until their lease runs out)
and the reminders are keyed, so the next run (every minute for the outbox, at the worker's
start for both) does what the killed one had not, and nothing twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from crm.config import INSTANCE_DIR

log = logging.getLogger("crm.jobs")
APP: Flask | None = None  # set by `crm worker`; else built on the first job


def make_huey() -> Huey:
    """Redis in production (REDIS_URL), else a SQLite file; HUEY_IMMEDIATE=1 runs jobs at
    once in the calling process (debugging)."""
    if os.environ.get("HUEY_IMMEDIATE") == "1":
        return MemoryHuey("crm", immediate=True, utc=True)
    if os.environ.get("REDIS_URL"):
        return RedisHuey("crm", url=os.environ["REDIS_URL"], utc=True)
    path = os.environ.get("HUEY_FILE") or str(INSTANCE_DIR / "huey.db")
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return SqliteHuey("crm", filename=path, utc=True)


huey = make_huey()


def _in_app(run: Callable[[], Any]) -> Any:
    global APP
    if APP is None:
        from crm import create_app

        APP = create_app()
    with APP.app_context():
        return run()


def _deliver() -> str:
    from crm.messaging.mail import deliver_outbox

    report = deliver_outbox()
    while report.sent and not report.retry and not report.skipped:
        more = deliver_outbox()  # a full batch: there may be more due
        if not more.sent:
            break
        report.sent += more.sent
    log.info("outbox: %s", report)
    return str(report)


def _reminders() -> str:
    from crm.extensions import db
    from crm.messaging.reminders import run_reminders
    from crm.messaging.texts import vietnam_today

    report = run_reminders(vietnam_today())
    db.session.commit()
    log.info("reminders: %s", report)
    return str(report)


@huey.task(name="deliver_outbox", retries=3, retry_delay=30)
def deliver_outbox_job() -> str:
    """Send what is due in the outbox (asked for after each commit that queued e-mail)."""
    return _in_app(_deliver)


@huey.periodic_task(crontab(minute="*"), name="sweep_outbox")
def sweep_outbox_job() -> str:
    """Every minute: retries after backoff, and whatever a lost or killed job left."""
    return _in_app(_deliver)


# 00:05 UTC = 07:05 in Vietnam (the queue keeps UTC).
@huey.task(name="daily_reminders", retries=2, retry_delay=300)
def reminders_job() -> str:
    """Queue the reminders due today (each once: their keys make a second run add nothing)."""
    return _in_app(_reminders)


@huey.periodic_task(crontab(hour="0", minute="5"), name="daily_reminders_schedule")
def daily_reminders_job() -> str:
    """The daily run."""
    return _in_app(_reminders)


def kick() -> None:
    """Ask the worker to deliver now; if the queue is unreachable, the sweep will."""
    try:
        deliver_outbox_job()
    except Exception as err:  # Redis down: the e-mail waits for the minute's sweep
        log.warning("could not queue the outbox delivery: %s", err)
