"""Logging: plain lines in development, one JSON object per line in production."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from flask import Flask, has_request_context, request

from crm.audit import JsonFormatter


class RequestJsonFormatter(JsonFormatter):
    """The audit trail's JSON line (crm/audit.py), plus the request an error happened in."""

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON: the audit formatter's fields, then method, path, address, user."""
        line = super().format(record)
        if not has_request_context():
            return line
        entry: dict[str, Any] = json.loads(line)
        entry.update(method=request.method, path=request.path, remote_addr=request.remote_addr)
        user_id = _user_id()
        if user_id is not None:
            entry["user_id"] = user_id
        return json.dumps(entry, ensure_ascii=False, default=str)


def _user_id() -> int | None:
    try:
        from flask_login import current_user

        # The numeric id: get_id() is "id:session_version" (crm/models/user.py).
        return current_user.id if current_user.is_authenticated else None
    except Exception:  # logging must never fail because the user could not be loaded
        return None


def is_production() -> bool:
    """CRM_ENV=production: JSON logs, the default SECRET_KEY refused."""
    return os.environ.get("CRM_ENV") == "production"


def configure_logging(app: Flask) -> None:
    """JSON lines on stderr in production (gunicorn collects them); plain text otherwise."""
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    root = logging.getLogger()
    root.setLevel(level)
    if not is_production() or app.testing:
        return
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(RequestJsonFormatter())
    # Flask's own logger would print a second, plain copy of each error.
    app.logger.handlers.clear()
    app.logger.propagate = True
