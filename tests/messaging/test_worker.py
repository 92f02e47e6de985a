"""The worker (`crm worker`, Huey on a SQLite queue) killed in the middle of delivering,
then started again: every e-mail arrives, none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db
from crm.models import OutboxEmail
from tests import factories
from tests.messaging.conftest import Recorder, free_port

ROOT = Path(__file__).resolve().parents[2]


class StallOnThird(Recorder):
    """Accepts e-mails, but holds the third recipient (before its content is sent) until
    released: the worker is then killed in the middle of its job."""

    def __init__(self) -> None:
        super().__init__()
        self.rcpts = 0
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        import asyncio

        self.rcpts += 1
        if self.rcpts == 3 and not self.release.is_set():
            self.stalled.set()
            for _ in range(400):
                if self.release.is_set():
                    break
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from crm.cli import cli; cli()", "worker", "--workers", "1"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _wait(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_worker_killed_mid_job_then_restarted_delivers_every_email_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'crm.db'}"

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(FileConfig)
    with app.app_context():
        db.create_all()
        from crm.messaging.services import send_alert

        for n in range(5):
            firm = factories.make_firm()
            factories.make_contact(firm, email=f"dn{n}@firm.vn")
            send_alert(firm.id, kind="notice", subject=f"Cảnh báo {n}", body="Nội dung",
                       link=None, source_type="notice", source_id=n, by=None,
                       dedupe_key=f"notice:{n}:firm:{firm.id}")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    handler = StallOnThird()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "DATABASE_URL": url, "MAIL_SERVER": "127.0.0.1",
           "MAIL_PORT": str(port), "HUEY_FILE": str(tmp_path / "huey.db"),
           "MAIL_LEASE_SECONDS": "2", "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    env.pop("HUEY_IMMEDIATE", None)
    log = tmp_path / "worker.log"
    worker = _worker(env, log)
    try:
        assert handler.stalled.wait(60), log.read_text()
        assert len(handler.received) == 2
        worker.send_signal(signal.SIGKILL)  # a crash in the middle of the job
        worker.wait(10)
        handler.release.set()
        time.sleep(2.5)  # the killed worker's claim on the third e-mail runs out
        worker = _worker(env, log)
        assert _wait(lambda: len(handler.received) >= 5, 60), log.read_text()
        time.sleep(1.5)  # anything sent twice would arrive now
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        controller.stop()
    assert sorted(str(m["To"]) for m in handler.received) == [f"dn{n}@firm.vn" for n in range(5)]
    with app.app_context():
        rows = db.session.scalars(select(OutboxEmail)).all()
        assert {r.status for r in rows} == {"sent"}
        assert max(r.attempts for r in rows) == 2  # the third: claimed, killed, claimed again
        db.session.remove()
        db.engine.dispose()
