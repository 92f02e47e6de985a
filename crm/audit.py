"""The audit trail (OWASP ASVS V16): who did what, when, to which object, from where.

Any code calls `record(action, target_type, target_id, detail)`: the event joins the
current transaction (a rolled-back change leaves no event) and, once committed, is also
written as one JSON line on the "crm.audit" logger. Field-level old → new values of firm
data are not repeated here: crm/history.py keeps them as ChangeRecord rows, and the admin
viewer links a firm event to the firm's history page.

Never put a password, token, secret or code in `detail`: keys that look like one are
replaced by "[redacted]" anyway.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.orm import Session

from crm.models import AuditEvent, User
from crm.models.base import utcnow

log = logging.getLogger("crm.audit")

# Actions and their labels in the viewer.
ACTIONS: dict[str, Any] = {
    "login": _l("Đăng nhập"),
    "login_failed": _l("Đăng nhập thất bại"),
    "login_throttled": _l("Đăng nhập bị tạm chặn"),
    "totp_failed": _l("Mã xác thực sai"),
    "logout": _l("Đăng xuất"),
    "password_change": _l("Đổi mật khẩu"),
    "password_reset_link": _l("Tạo liên kết đặt lại mật khẩu"),
    "password_reset": _l("Đặt lại mật khẩu"),
    "totp_enrol": _l("Bật xác thực hai bước"),
    "totp_disable": _l("Tắt xác thực hai bước"),
    "user_create": _l("Tạo người dùng"),
    "user_deactivate": _l("Khóa người dùng"),
    "user_activate": _l("Mở khóa người dùng"),
    "user_role": _l("Đổi vai trò"),
    "create": _l("Tạo mới"),
    "update": _l("Cập nhật"),
    "archive": _l("Lưu trữ"),
    "unarchive": _l("Khôi phục"),
    "merge": _l("Gộp bản trùng"),
    "merge_undo": _l("Hủy gộp bản trùng"),
    "not_duplicate": _l("Đánh dấu không trùng"),
    "import": _l("Nhập từ tệp"),
    "export": _l("Xuất dữ liệu"),
    "erase": _l("Xóa dữ liệu cá nhân theo yêu cầu"),
    "requirement_end": _l("Kết thúc hiệu lực quy định"),
    "message_acknowledged": _l("Doanh nghiệp xác nhận đã nắm tin"),
    "message_help_requested": _l("Doanh nghiệp đề nghị hỗ trợ"),
    "token_create": _l("Tạo khóa API"),
    "token_revoke": _l("Thu hồi khóa API"),
}
TARGET_TYPES: dict[str, Any] = {
    "user": _l("Người dùng"),
    "firm": _l("Doanh nghiệp"),
    "opportunity": _l("Cơ hội"),
    "programme": _l("Chương trình"),
    "import": _l("Tệp nhập"),
    "contact": _l("Người liên hệ"),
    "market_requirement": _l("Quy định thị trường"),
    "message": _l("Tin gửi doanh nghiệp"),
}
# Keys whose values must never reach the trail or the logs.
_SECRET_KEY = re.compile(r"pass|token|secret|otp|^code$|csrf|cookie|session", re.IGNORECASE)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_PENDING_KEY = "crm_audit_pending"  # added, not yet flushed
_FLUSHED_KEY = "crm_audit_flushed"  # flushed (ids known), logged at commit
USER_AGENT_MAX = 200
# Set by crm/api/auth.py to the prefix of the request's API token.
API_KEY_ENVIRON = "crm.api_key"


def request_id() -> str | None:
    """This request's id: the proxy's X-Request-ID if it looks sane, else a new one."""
    if not has_request_context():
        return None
    # Kept in the WSGI environ: `g` can outlive one request (an app context pushed around
    # several requests, as in the tests).
    rid = request.environ.get("crm.request_id")
    if rid is None:
        given = request.headers.get("X-Request-ID", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        request.environ["crm.request_id"] = rid
    return rid


def scrub(detail: Any) -> Any:
    """`detail` with every value under a secret-looking key replaced by "[redacted]"."""
    if isinstance(detail, dict):
        return {
            str(k): "[redacted]" if _SECRET_KEY.search(str(k)) else scrub(v)
            for k, v in detail.items()
        }
    if isinstance(detail, list | tuple):
        return [scrub(v) for v in detail]
    if detail is None or isinstance(detail, str | int | float | bool):
        return detail
    return str(detail)


def record(action: str, target_type: str | None = None, target_id: int | None = None,
           detail: dict | None = None, *, user: User | None = None,
           email: str | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits).

    `user` defaults to the logged-in user; `email` is for a failed login (no user).
    """
    from crm.extensions import db

    if user is None and has_request_context() and current_user \
            and current_user.is_authenticated:
        user = current_user._get_current_object()  # the User, not the proxy
    event_ = AuditEvent(
        at=utcnow(), action=action, target_type=target_type, target_id=target_id,
        detail=scrub(detail) if detail else None,
        user_id=user.id if user is not None else None,
        user_email=user.email if user is not None else email,
    )
    if has_request_context():
        api_key = request.environ.get(API_KEY_ENVIRON)
        if api_key:  # done through /api/v1: which token (its public prefix) did it
            event_.detail = {**(event_.detail or {}), "via": "api", "api_key": api_key}
        event_.remote_addr = (request.remote_addr or "")[:45] or None
        event_.user_agent = (request.user_agent.string or "")[:USER_AGENT_MAX] or None
        event_.request_id = request_id()
    db.session.add(event_)
    db.session.info.setdefault(_PENDING_KEY, []).append(event_)
    return event_


# Kinds of personal data an export may hold (the "personal_data" list of its event).
CONTACT_PERSONS = "contact_persons"  # names, phones, e-mails of firms' contact persons
STAFF_NAMES = "staff_names"  # names of the officers who added or logged a row


def record_export(export: str, target_type: str | None, target_id: int | None, *, rows: int,
                  personal_data: Iterable[str], **detail: Any) -> AuditEvent:
    """An "export" event: which export, how many data rows, which personal data they hold.

    Decree 13/2023 asks for a record of processing: every file the app writes is recorded
    here, in the transaction committed before the download starts.
    """
    return record("export", target_type, target_id,
                  {"export": export, "rows": rows, "personal_data": list(personal_data),
                   **detail})


def as_dict(event_: AuditEvent) -> dict[str, Any]:
    """The event as the JSON object written to the log."""
    return {
        "at": event_.at.isoformat() if event_.at else None,
        "action": event_.action,
        "user_id": event_.user_id,
        "user_email": event_.user_email,
        "target_type": event_.target_type,
        "target_id": event_.target_id,
        "detail": event_.detail,
        "remote_addr": event_.remote_addr,
        "user_agent": event_.user_agent,
        "request_id": event_.request_id,
        "event_id": event_.id,
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the audit fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The log record as one line of JSON."""
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
        }
        audit = getattr(record, "audit", None)
        if audit is not None:
            out["event"] = "audit"
            out.update(audit)
        else:
            out["message"] = record.getMessage()
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


# --- emitting the log lines once the events are committed ------------------------------

def _after_flush(session: Session, _ctx: Any) -> None:
    # Serialise here: after the commit the objects are expired and no SQL may run.
    pending = session.info.get(_PENDING_KEY)
    if not pending:
        return
    flushed = [e for e in pending if e.id is not None]
    session.info[_PENDING_KEY] = [e for e in pending if e.id is None]
    session.info.setdefault(_FLUSHED_KEY, []).extend(as_dict(e) for e in flushed)


def _after_commit(session: Session) -> None:
    for payload in session.info.pop(_FLUSHED_KEY, ()):
        log.info(json.dumps(payload, ensure_ascii=False, default=str),
                 extra={"audit": payload})


def _after_rollback(session: Session, _transaction: Any) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_FLUSHED_KEY, None)


def install(app: Flask) -> None:
    """Log lines at commit, request ids on responses.

    In production crm/logging_setup.py formats every log line, these included, as JSON.
    """
    if not event.contains(FlaskSession, "after_commit", _after_commit):
        event.listen(FlaskSession, "after_flush", _after_flush)
        event.listen(FlaskSession, "after_commit", _after_commit)
        event.listen(FlaskSession, "after_soft_rollback", _after_rollback)

    @app.after_request
    def _request_id_header(resp: Response) -> Response:
        rid = request_id()
        if rid:
            resp.headers.setdefault("X-Request-ID", rid)
        return resp
