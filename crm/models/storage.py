"""Files every app host shares (crm/storage.py) and the import wizard's state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import db, utcnow


class StoredFile(db.Model):
    """One file of the database storage backend, read back in chunks (substr)."""

    __tablename__ = "stored_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    # "<area>/<name>", e.g. "documents/3f…a1.pdf": the same name the local backend uses.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImportUpload(db.Model):
    """An uploaded spreadsheet between its dry run and its import, whichever host serves them."""

    __tablename__ = "import_uploads"
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    mapping: Mapped[list[Any]] = mapped_column(JSON, default=list)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
