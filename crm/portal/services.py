"""Writes of the enterprise portal: accounts, profile confirmation, documents, answers.

Check the rules, add/flush, never commit. Firm data itself is written by crm.firms.services
(the same rules for staff, portal and import); crm.history records who changed what.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.utils import secure_filename

from crm.auth.passwords import hash_password
from crm.errors import UserError
from crm.extensions import db
from crm.firms import services as firm_services
from crm.models import (
    Certification,
    Document,
    Firm,
    Invitation,
    Opportunity,
    RegistrationRequest,
    ShortlistEntry,
    User,
)
from crm.models.base import utcnow
from crm.storage import FileStorage, storage
from crm.validators import normalize_tax_code

log = logging.getLogger("crm.portal")

INVITATION_DAYS = 7
MIN_PASSWORD = 10
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Accepted scans, recognised by their first bytes: the file name and the browser's
# Content-Type are the uploader's word, the magic bytes are the file's.
MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes even for timezone=True columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _clean_email(raw: str | None, field: str = "email") -> str:
    email = (raw or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 255:
        raise UserError(_("Email không hợp lệ."), field=field)
    return email


def _check_password(password: str | None, confirm: str | None) -> str:
    if not password or len(password) < MIN_PASSWORD:
        raise UserError(_("Mật khẩu cần ít nhất %(n)d ký tự.", n=MIN_PASSWORD), field="password")
    if password != confirm:
        raise UserError(_("Hai mật khẩu không khớp."), field="confirm")
    return password


def _email_taken(email: str) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(User).where(func.lower(User.email) == email)
    ) > 0


# --- invitations ------------------------------------------------------------------------

def token_hash(token: str) -> str:
    """sha256 of an invitation token: only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(firm: Firm, email: str, by: User | None) -> tuple[Invitation, str]:
    """Invite a firm's person; returns the invitation and the one-time token (shown once)."""
    email = _clean_email(email)
    if _email_taken(email):
        raise UserError(_("Email này đã có tài khoản."), field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email, firm=firm, token_hash=token_hash(token), created_by_id=by.id if by else None,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def invitation_for(token: str) -> tuple[Invitation | None, str]:
    """The invitation of a token and its state: 'valid', 'unknown', 'expired' or 'used'."""
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.token_hash == token_hash(token)))
    if invitation is None:
        return None, "unknown"
    if invitation.used_at is not None:
        return invitation, "used"
    if _as_utc(invitation.expires_at) < utcnow():
        return invitation, "expired"
    return invitation, "valid"


def accept_invitation(token: str, name: str, password: str, confirm: str) -> User:
    """Create the enterprise user of a valid invitation; the link cannot be used again."""
    invitation, state = invitation_for(token)
    if state != "valid" or invitation is None:
        raise UserError(_("Liên kết mời không còn hiệu lực."))
    name = (name or "").strip()
    if not name:
        raise UserError(_("Vui lòng nhập họ tên."), field="name")
    _check_password(password, confirm)
    if _email_taken(invitation.email):
        raise UserError(_("Email này đã có tài khoản."))
    user = User(email=invitation.email, name=name[:255], role="enterprise",
                firm_id=invitation.firm_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    invitation.used_at = utcnow()
    invitation.user_id = user.id
    db.session.flush()
    return user


# --- registration -----------------------------------------------------------------------

def register(data: dict[str, Any]) -> RegistrationRequest:
    """A firm asks for an account with its tax code; staff decide later."""
    tax_code = normalize_tax_code(data.get("tax_code"))
    firm_name = (data.get("firm_name") or "").strip()
    if not firm_name:
        raise UserError(_("Vui lòng nhập tên doanh nghiệp."), field="firm_name")
    contact_name = (data.get("contact_name") or "").strip()
    if not contact_name:
        raise UserError(_("Vui lòng nhập họ tên."), field="contact_name")
    email = _clean_email(data.get("email"))
    password = _check_password(data.get("password"), data.get("confirm"))
    pending = db.session.scalar(select(RegistrationRequest).where(
        RegistrationRequest.status == "pending",
        (RegistrationRequest.tax_code == tax_code) | (RegistrationRequest.email == email)))
    if pending is not None:
        raise UserError(_("Đã có một yêu cầu đăng ký đang chờ duyệt cho mã số thuế hoặc email "
                          "này."), field="tax_code")
    if _email_taken(email):
        raise UserError(_("Email này đã có tài khoản."), field="email")
    request = RegistrationRequest(
        tax_code=tax_code, firm_name=firm_name[:255], contact_name=contact_name[:255],
        email=email, phone=(data.get("phone") or "").strip()[:40] or None,
        password_hash=hash_password(password),
    )
    db.session.add(request)
    db.session.flush()
    return request


def approve_registration(request: RegistrationRequest, by: User) -> User:
    """Create (or reuse, by tax code) the firm and its enterprise user."""
    if request.status != "pending":
        raise UserError(_("Yêu cầu này đã được xử lý."))
    if _email_taken(request.email):
        raise UserError(_("Email này đã có tài khoản."))
    firm = db.session.scalar(select(Firm).where(Firm.tax_code == request.tax_code))
    if firm is None:
        firm = firm_services.create_firm({"tax_code": request.tax_code, "name": request.firm_name},
                                         by=by)
    user = User(email=request.email, name=request.contact_name, role="enterprise",
                firm_id=firm.id, password_hash=request.password_hash)
    db.session.add(user)
    request.status = "approved"
    request.firm_id = firm.id
    request.decided_by_id = by.id
    request.decided_at = utcnow()
    db.session.flush()
    return user


def reject_registration(request: RegistrationRequest, by: User, note: str | None) -> None:
    """Refuse a registration; the reason is kept."""
    if request.status != "pending":
        raise UserError(_("Yêu cầu này đã được xử lý."))
    request.status = "rejected"
    request.decision_note = (note or "").strip() or None
    request.decided_by_id = by.id
    request.decided_at = utcnow()
    db.session.flush()


# --- profile ----------------------------------------------------------------------------

def confirm_profile(firm: Firm) -> None:
    """The firm says its profile is still correct today."""
    firm.confirmed_at = utcnow()
    db.session.flush()


# --- documents --------------------------------------------------------------------------

def document_storage() -> FileStorage:
    """Where scans live: a folder under instance/ (outside the web root) or the database."""
    return storage("documents")


def sniff(head: bytes) -> tuple[str, str] | None:
    """(mime, extension) from the first bytes, or None for anything not accepted."""
    for magic, mime, ext in MAGIC:
        if head.startswith(magic):
            return mime, ext
    return None


def save_document(firm: Firm, cert: Certification | None, stream: BinaryIO,
                  filename: str | None, by: User | None) -> Document:
    """Store a certificate scan after checking its size and its content type."""
    if cert is not None and cert.firm_id != firm.id:
        raise UserError(_("Chứng nhận không thuộc doanh nghiệp này."), field="certification_id")
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if not data:
        raise UserError(_("Tệp rỗng."), field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UserError(_("Tệp quá lớn: tối đa %(mb)d MB.", mb=MAX_UPLOAD_BYTES // 2**20),
                        field="file")
    kind = sniff(data[:16])
    if kind is None:
        raise UserError(_("Chỉ nhận tệp PDF, JPEG hoặc PNG (kiểm tra theo nội dung tệp)."),
                        field="file")
    mime, ext = kind
    stored = secrets.token_hex(16) + ext
    document_storage().put(stored, data)
    original = secure_filename(filename or "") or f"chung-nhan{ext}"
    document = Document(firm=firm, certification=cert, original_filename=original[:255],
                        stored_name=stored, mime=mime, size=len(data),
                        uploaded_by_id=by.id if by else None)
    db.session.add(document)
    db.session.flush()
    return document


def delete_document(document: Document) -> None:
    """Remove a scan and its file, both with the transaction (a local file once it commits)."""
    document_storage().delete(document.stored_name)
    db.session.delete(document)
    db.session.flush()


# --- opportunities ----------------------------------------------------------------------

RESPONSES = ("interested", "declined")


def respond(firm: Firm, opportunity: Opportunity, response: str, by: User | None) -> ShortlistEntry:
    """The firm says it is interested in, or declines, an open opportunity.

    Interest in an opportunity the firm is not shortlisted for puts it on the list as a
    suggestion staff can see; declining needs an existing entry.
    """
    if response not in RESPONSES:
        raise UserError(_("Giá trị không hợp lệ."))
    if opportunity.status != "open":
        raise UserError(_("Cơ hội này không còn mở."))
    entry = db.session.scalar(select(ShortlistEntry).where(
        ShortlistEntry.opportunity_id == opportunity.id, ShortlistEntry.firm_id == firm.id))
    if entry is None:
        if response == "declined":
            raise UserError(_("Doanh nghiệp chưa được mời tham gia cơ hội này."))
        entry = ShortlistEntry(
            opportunity=opportunity, firm=firm, status="suggested", suggested=False,
            justification=_("Doanh nghiệp tự đăng ký quan tâm qua cổng doanh nghiệp."),
        )
        db.session.add(entry)
    entry.firm_response = response
    db.session.flush()
    log.info("firm %s answered %s to opportunity %s (user %s)", firm.id, response,
             opportunity.id, by.id if by else None)
    return entry
