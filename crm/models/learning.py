"""Learned ranking models: logistic weights fitted on recorded pipeline outcomes."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import db, utcnow

if TYPE_CHECKING:
    from crm.models.user import User


class LearnedModel(db.Model):
    """One version of the learned weights of an opportunity kind, with its held-out figures.

    The model is its coefficients and intercept as JSON (matching.learn.LinearScorer), never
    a pickle. At most one version per kind is active; the ranking uses it instead of the
    hand-set weights of matching/weights.py.
    """

    __tablename__ = "learned_models"
    __table_args__ = (
        UniqueConstraint("kind", "version"),
        Index("ix_learned_models_one_active", "kind", unique=True,
              sqlite_where=db.text("active"), postgresql_where=db.text("active")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Trained on opportunities that started before this day, tested on the later ones.
    cut_on: Mapped[date] = mapped_column(Date)
    # {"coef": {factor: value}, "intercept": value}
    coefficients: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The held-out evaluation that allowed switching it on (crm.learning.services.figures).
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[User | None] = relationship()
