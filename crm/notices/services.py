"""Writes of the notices feature: import, hand entry, targeting kept per notice, sending.
Flush, never commit: the view or command commits once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit
from crm.errors import UserError
from crm.extensions import db
from crm.models import Country, Firm, HsCode, MarketGroupMember, User
from crm.models.base import utcnow
from crm.models.notice import MEASURE_TYPES, NOTICE_SOURCES, SEVERITIES, Notice, NoticeTarget
from crm.notices import adapters, targeting
from crm.notices.adapters import Draft


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    added: list[Draft] = field(default_factory=list)
    already: list[Draft] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    matched: dict[str, int] = field(default_factory=dict)  # external id -> firms matched
    notices: list[Notice] = field(default_factory=list)


def _known_codes(drafts: Iterable[Draft]) -> tuple[set[str], set[str]]:
    """HS codes and market codes (countries, groups) among those the drafts use."""
    hs = {c for d in drafts for c in d.hs_codes}
    markets = {m for d in drafts for m in d.markets}
    known_hs = set(db.session.scalars(select(HsCode.code).where(HsCode.code.in_(hs)))) if hs \
        else set()
    known = set(db.session.scalars(select(Country.code).where(Country.code.in_(markets))))
    known |= set(db.session.scalars(select(MarketGroupMember.group).distinct()
                                    .where(MarketGroupMember.group.in_(markets))))
    return known_hs, known


def check_drafts(drafts: list[Draft]) -> list[str]:
    """Errors of drafts against the reference data: unknown HS codes and markets."""
    known_hs, known_markets = _known_codes(drafts)
    errors = []
    for d in drafts:
        for code in d.hs_codes:
            if code not in known_hs:
                errors.append(_("%(where)s: mã HS %(code)s không có trong danh mục HS 2022",
                                where=d.where, code=code))
        for m in d.markets:
            if m not in known_markets:
                errors.append(_("%(where)s: không rõ thị trường %(code)s", where=d.where,
                                code=m))
    return errors


def import_notices(source: str, data: bytes, *, charges: bytes | None = None,
                   dry_run: bool = False, by: User | None = None) -> ImportReport:
    """Read a source's file; unless `dry_run` or any error, add the new notices and match
    them to firms. Notices already there (same source and id) are left as they are."""
    if source not in NOTICE_SOURCES:
        raise UserError(_("Nguồn không hợp lệ: %(source)s", source=source), field="source")
    parsed = adapters.parse(source, data, charges)
    report = ImportReport(skipped=parsed.skipped, errors=parsed.errors)
    report.errors += check_drafts(parsed.drafts)
    if report.errors:
        return report
    ids = [d.external_id for d in parsed.drafts]
    existing = set(db.session.scalars(select(Notice.external_id).where(
        Notice.source == source, Notice.external_id.in_(ids)))) if ids else set()
    for d in parsed.drafts:
        (report.already if d.external_id in existing else report.added).append(d)
    for d in report.added:
        if dry_run:
            report.matched[d.external_id] = len(targeting.match_notice(d))
            continue
        notice = create_notice(d, by=by)
        report.notices.append(notice)
        report.matched[d.external_id] = len(notice.targets)
    if not dry_run and report.added:
        audit.record("notices.import", "notice", None,
                     {"source": source, "added": len(report.added),
                      "already": len(report.already)}, user=by)
    return report


def create_notice(draft: Draft, *, by: User | None = None) -> Notice:
    """Save one notice (checked already) and match it to firms."""
    notice = Notice(
        source=draft.source, external_id=draft.external_id[:120], measure=draft.measure,
        title=draft.title[:500], markets=draft.markets, hs_codes=draft.hs_codes,
        product_text=draft.product_text, identifiers=draft.identifiers,
        named_firms=draft.named_firms, severity=draft.severity,
        published_on=draft.published_on, comment_deadline=draft.comment_deadline,
        effective_on=draft.effective_on, link=(draft.link or None) and draft.link[:1000],
        summary_vi=draft.summary_vi, raw=draft.raw or None, status="new",
        created_by_id=by.id if by else None,
    )
    db.session.add(notice)
    db.session.flush()
    rematch(notice)
    return notice


def draft_from_form(data: dict[str, Any]) -> Draft:
    """A draft from the hand-entry form; a field that cannot be read raises UserError."""
    try:
        markets = adapters.read_markets(data.get("markets") or "")
    except adapters.RecordError as err:
        raise UserError(str(err), field="markets") from None
    try:
        hs = adapters.read_hs_codes(data.get("hs_codes") or "")
    except adapters.RecordError as err:
        raise UserError(str(err), field="hs_codes") from None
    draft = Draft(
        source=data["source"], external_id=(data.get("external_id") or "").strip(),
        measure=data["measure"], title=(data.get("title") or "").strip(), where=_("biểu mẫu"),
        markets=markets, hs_codes=hs, product_text=(data.get("product_text") or "").strip()
        or None,
        identifiers=[adapters.normal_identifier(i) for i in
                     (data.get("identifiers") or "").replace(";", ",").split(",") if i.strip()],
        severity=data.get("severity") or "medium", published_on=data.get("published_on"),
        comment_deadline=data.get("comment_deadline"), effective_on=data.get("effective_on"),
        link=(data.get("link") or "").strip() or None,
        summary_vi=(data.get("summary_vi") or "").strip() or None,
        raw={"entered_by_hand": True},
    )
    if draft.source not in NOTICE_SOURCES:
        raise UserError(_("Nguồn không hợp lệ: %(source)s", source=draft.source), field="source")
    if draft.measure not in MEASURE_TYPES:
        raise UserError(_("Loại biện pháp không hợp lệ."), field="measure")
    if draft.severity not in SEVERITIES:
        raise UserError(_("Mức độ không hợp lệ."), field="severity")
    if not draft.external_id:
        raise UserError(_("Cần mã tham chiếu."), field="external_id")
    if not draft.title:
        raise UserError(_("Cần tiêu đề."), field="title")
    for message in check_drafts([draft]):
        raise UserError(message.split(": ", 1)[-1],
                        field="hs_codes" if "HS" in message else "markets")
    if db.session.scalar(select(Notice.id).where(Notice.source == draft.source,
                                                 Notice.external_id == draft.external_id)):
        raise UserError(_("Đã có thông báo %(id)s của nguồn này.", id=draft.external_id),
                        field="external_id")
    return draft


def rematch(notice: Notice, today: date | None = None) -> list[NoticeTarget]:
    """Match the notice again: new firms are added (ticked by tier), firms no longer matched
    are dropped unless sent or added by hand; the officer's ticks stay."""
    matches = {m.firm_id: m for m in targeting.match_notice(notice, today)}
    by_firm = {t.firm_id: t for t in notice.targets}
    for firm_id, target in list(by_firm.items()):
        m = matches.get(firm_id)
        if m is not None:
            target.tier, target.reasons = m.tier, m.reasons
        elif target.sent_at is None and target.tier != "manual":
            notice.targets.remove(target)
    for firm_id, m in matches.items():
        if firm_id not in by_firm:
            notice.targets.append(NoticeTarget(
                firm_id=firm_id, tier=m.tier, reasons=m.reasons,
                kept=m.tier in targeting.KEPT_BY_DEFAULT))
    db.session.flush()
    return notice.targets


def review_targets(notice: Notice, kept_ids: Iterable[int], add_tax_codes: Iterable[str],
                   *, by: User | None = None) -> list[str]:
    """Tick exactly `kept_ids` among the unsent targets and add firms by tax code (ticked);
    returns the tax codes not found."""
    kept = set(kept_ids)
    for target in notice.targets:
        if target.sent_at is None:
            target.kept = target.firm_id in kept
    have = {t.firm_id for t in notice.targets}
    missing = []
    for code in {c.strip() for c in add_tax_codes if c.strip()}:
        firm = db.session.scalar(select(Firm).where(Firm.tax_code == code,
                                                    Firm.archived.is_(False)))
        if firm is None:
            missing.append(code)
        elif firm.id not in have:
            notice.targets.append(NoticeTarget(
                firm_id=firm.id, tier="manual", kept=True,
                reasons=[{"code": "manual", "params": {"by": by.name if by else ""}}]))
            have.add(firm.id)
    db.session.flush()
    return missing


def alert_text(notice: Notice, target: NoticeTarget) -> tuple[str, str]:
    """Subject and body of the message a firm receives (Vietnamese: firms read it so)."""
    from crm.notices.reasons import reason_lines

    subject = _("Cảnh báo thị trường: %(title)s", title=notice.title)[:250]
    lines = [notice.title, ""]
    if notice.summary_vi:
        lines += [notice.summary_vi, ""]
    lines.append(_("Nguồn: %(ref)s", ref=notice.reference))
    if notice.comment_deadline:
        lines.append(_("Hạn góp ý: %(day)s", day=notice.comment_deadline.strftime("%d/%m/%Y")))
    if notice.effective_on:
        lines.append(_("Ngày hiệu lực: %(day)s", day=notice.effective_on.strftime("%d/%m/%Y")))
    lines += ["", _("Vì sao doanh nghiệp nhận được cảnh báo này:")]
    lines += [f"- {line}" for line in reason_lines(target.reasons)]
    return subject, "\n".join(lines)


def send_notice(notice: Notice, *, by: User | None) -> int:
    """Send the notice to every kept, unsent firm through the messaging channel; returns how
    many were queued. Sending twice queues nothing new (dedupe key per notice and firm)."""
    from crm.messaging.services import send_alert  # the delivery channel (crm/messaging)

    sent = 0
    for target in notice.targets:
        if not target.kept or target.sent_at is not None:
            continue
        subject, body = alert_text(notice, target)
        send_alert(target.firm_id, kind="notice", subject=subject, body=body, link=notice.link,
                   source_type="notice", source_id=notice.id, by=by,
                   dedupe_key=f"notice:{notice.id}:firm:{target.firm_id}")
        target.sent_at = utcnow()
        sent += 1
    if sent:
        notice.status = "sent"
        notice.sent_at = utcnow()
        notice.sent_by_id = by.id if by else None
        audit.record("notices.send", "notice", notice.id, {"firms": sent}, user=by)
    db.session.flush()
    return sent


def requirement_prefill(notice: Notice) -> dict[str, str]:
    """Fields of the admin's new-requirement form taken from the notice."""
    out: dict[str, str] = {"why": _("Theo thông báo %(ref)s", ref=notice.reference)}
    if notice.markets:
        out["market"] = notice.markets[0]
    codes = sorted(notice.hs_codes, key=len, reverse=True)
    if codes:
        out["hs_prefix"] = codes[0]
    if notice.effective_on:
        out["valid_from"] = notice.effective_on.isoformat()
    if notice.identifiers or notice.source in ("gacc", "fda_import_alert"):
        out["requirement"] = {"gacc": "GACC", "fda_import_alert": "FDA",
                              "fda_refusal": "FDA"}.get(notice.source, "")
    note = " ".join(t for t in (notice.title, notice.link or "") if t)
    out["source_note"] = note[:2000]
    return {k: v for k, v in out.items() if v}
