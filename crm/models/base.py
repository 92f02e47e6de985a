"""Declarative base with a naming convention so Alembic names constraints the same everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm.replica import RoutingSession

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Lives here, not in extensions.py, so that models can import it without a cycle. The
# session class sends the replica pages' reads to DATABASE_REPLICA_URL when it is set.
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})


def utcnow() -> datetime:
    """Timezone-aware now, for timestamps."""
    return datetime.now(UTC)


class TimestampMixin:
    """created_at / updated_at columns."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def refresh_statistics() -> None:
    """ANALYZE every table and commit: after a bulk load the planner must know the new sizes.

    Autovacuum would get there in time where it runs (it is off on some servers); until then
    PostgreSQL planned with the empty-table estimates and scanned whole tables (e.g. ~15 ms
    for a page's certificates at 100,000 firms instead of under 1 ms).
    """
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
