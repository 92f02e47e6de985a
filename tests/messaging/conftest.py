"""A real SMTP server (aiosmtpd) on a free local port, and the app pointed at it."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message as EmailMessage

import pytest
from aiosmtpd.controller import Controller

# The job queue (crm.messaging.jobs) opens its SQLite file when first imported: never the
# developer's instance/huey.db from the tests.
os.environ.setdefault("HUEY_FILE", os.path.join(tempfile.mkdtemp(prefix="crm-huey-"), "q.db"))


def free_port() -> int:
    """A TCP port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """aiosmtpd handler keeping every e-mail it accepted."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802  (aiosmtpd)
        with self.lock:
            self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.received]


class SmtpServer:
    """Start and stop a real SMTP server on a fixed port (it can be down, then up)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A server object on a free port, not started: tests call start()."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def mail_to(app, smtp_server) -> Iterator[SmtpServer]:
    """The app sends to `smtp_server` (started)."""
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "CRM_BASE_URL")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port,
                      CRM_BASE_URL="https://crm.example.vn")
    smtp_server.start()
    yield smtp_server
    app.config.update(saved)
