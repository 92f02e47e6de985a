"""Reads of the notice pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from crm.extensions import db
from crm.models import Firm, Notice, NoticeTarget


def notices(source: str | None = None, status: str | None = None) -> Select[Any]:
    """Notices, newest first, filtered by source and status."""
    stmt = select(Notice).order_by(Notice.published_on.desc().nulls_last(), Notice.id.desc())
    if source:
        stmt = stmt.where(Notice.source == source)
    if status:
        stmt = stmt.where(Notice.status == status)
    return stmt


def target_counts(ids: list[int]) -> dict[int, tuple[int, int]]:
    """Notice id -> (firms matched, firms kept)."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(NoticeTarget.notice_id, func.count(),
               func.sum(db.case((NoticeTarget.kept.is_(True), 1), else_=0)))
        .where(NoticeTarget.notice_id.in_(ids)).group_by(NoticeTarget.notice_id))
    return {nid: (n, int(kept or 0)) for nid, n, kept in rows}


def targets_with_firms(notice: Notice) -> list[tuple[NoticeTarget, Firm]]:
    """The notice's firms, strongest tier first, each with its firm."""
    from crm.notices.targeting import TIER_ORDER

    rows = db.session.execute(select(NoticeTarget, Firm).join(Firm)
                              .where(NoticeTarget.notice_id == notice.id)).all()
    return sorted(((t, f) for t, f in rows), key=lambda r: (TIER_ORDER.get(r[0].tier, 9),
                                                             r[1].name_search))
