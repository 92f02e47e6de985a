"""Writes for opportunities and their shortlists: check the rules, add/flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import ranking
from crm.errors import ConflictError, UserError
from crm.extensions import db
from crm.models import Firm, Opportunity, Partner, Programme, ShortlistEntry, ShortlistEvent, User
from crm.models.base import utcnow
from crm.models.firm import SIZE_CLASSES
from crm.models.opportunity import OPPORTUNITY_KINDS, OPPORTUNITY_STATUSES
from crm.opportunities import ENTRY_LABELS
from crm.partners.services import (
    clean_certifications,
    clean_decimal,
    clean_hs_prefixes,
    clean_markets,
    split_list,
)
from crm.reasons import stored
from crm.validators import row_id
from matching.results import RankedFirm
from matching.weights import FACTORS

# The pipeline: which status may follow which. Anything else is refused with a reason.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "suggested": ("shortlisted", "passed_over"),
    "passed_over": ("shortlisted",),
    "shortlisted": ("invited", "passed_over"),
    "invited": ("confirmed", "declined"),
    "confirmed": ("participated", "declined"),
    "declined": ("invited",),
    "participated": ("outcome",),
    "outcome": (),
}
# Statuses that hold a confirmed place (slots and quotas count them).
HOLDS_PLACE = ("confirmed", "participated", "outcome")
SUGGEST_POOL = 50  # a firm ranked within this many counts as "suggested by the ranking"
PLATFORMS = ("amazon", "alibaba", "tiktok_shop", "shopee", "lazada", "other")
QUOTA_KEYS = ("province", "hs_chapter")


class OpportunityConflictError(ConflictError):
    """Somebody saved the opportunity after this form was loaded."""

    def __init__(self) -> None:
        super().__init__(_("Cơ hội đã được người khác sửa; tải lại trang để xem thay đổi."))


# --- opportunities -------------------------------------------------------------------------

def _text(data: Mapping[str, Any], key: str, limit: int | None = 255) -> str | None:
    value = str(data.get(key) or "").strip()
    if limit and len(value) > limit:
        raise UserError(_("Tối đa %(n)s ký tự.", n=limit), field=key)
    return value or None


def _date(data: Mapping[str, Any], key: str) -> date | None:
    raw = data.get(key)
    if isinstance(raw, date) or raw is None:
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(_("Ngày không hợp lệ (cần dạng năm-tháng-ngày)."), field=key) from None


def _int(data: Mapping[str, Any], key: str, lo: int = 0, hi: int = 10**6) -> int | None:
    value = clean_decimal(data.get(key), key, lo=None)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise UserError(_("Cần một số nguyên."), field=key)
    if value < lo:
        raise UserError(_("Không được nhỏ hơn %(n)s.", n=lo), field=key)
    if value > hi:
        raise UserError(_("Không được lớn hơn %(n)s.", n=hi), field=key)
    return int(value)


def _partner(data: Mapping[str, Any]) -> Partner | None:
    raw = str(data.get("partner_id") or "").strip()
    if raw in ("", "0"):
        return None
    partner = db.session.get(Partner, row_id(raw)) if row_id(raw) else None
    if partner is None or partner.archived:
        raise UserError(_("Không có đối tác này (hoặc đã lưu trữ)."), field="partner_id")
    return partner


def _programme(data: Mapping[str, Any]) -> Programme | None:
    raw = str(data.get("programme_id") or "").strip()
    if raw in ("", "0"):
        return None
    programme = db.session.get(Programme, row_id(raw)) if row_id(raw) else None
    if programme is None:
        raise UserError(_("Không có chương trình này."), field="programme_id")
    return programme


def _new_code(year: int) -> str:
    n = db.session.scalar(select(func.count()).select_from(Opportunity)) or 0
    while True:
        n += 1
        code = f"CH-{year}-{n:03d}"
        if db.session.scalar(select(Opportunity.id).where(Opportunity.code == code)) is None:
            return code


def _apply(opp: Opportunity, data: Mapping[str, Any], today: date) -> None:
    kind = str(data.get("kind") or "")
    if kind not in OPPORTUNITY_KINDS:
        raise UserError(_("Loại cơ hội không hợp lệ."), field="kind")
    title = _text(data, "title")
    if not title:
        raise UserError(_("Vui lòng nhập tên cơ hội."), field="title")
    status = str(data.get("status") or "open")
    if status not in OPPORTUNITY_STATUSES:
        raise UserError(_("Trạng thái không hợp lệ."), field="status")
    partner = _partner(data)
    if kind == "distribution_partner" and partner is None:
        raise UserError(_("Cơ hội phân phối cần chọn một đối tác."), field="partner_id")
    markets = clean_markets(data.get("markets"))
    hs = clean_hs_prefixes(data.get("hs_prefixes"))
    required = clean_certifications(data.get("required_certifications"),
                                    "required_certifications")
    preferred = clean_certifications(data.get("preferred_certifications"),
                                     "preferred_certifications")
    if kind == "distribution_partner" and partner is not None:
        # What the partner wants is the default of its request.
        markets = markets or [partner.country_code]
        hs = hs or list(partner.hs_prefixes or [])
        required = required or list(partner.required_certifications or [])
        keywords_default = split_list(partner.keywords)
    else:
        keywords_default = []
    min_size = str(data.get("min_size") or "") or None
    if min_size and min_size not in SIZE_CLASSES:
        raise UserError(_("Quy mô không hợp lệ."), field="min_size")
    platform = str(data.get("platform") or "").strip() or None
    if platform and platform not in PLATFORMS:
        raise UserError(_("Sàn không hợp lệ."), field="platform")
    starts_on, ends_on, deadline = (_date(data, k) for k in ("starts_on", "ends_on", "deadline"))
    if starts_on and ends_on and ends_on < starts_on:
        raise UserError(_("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."), field="ends_on")
    if deadline and starts_on and deadline > starts_on:
        raise UserError(_("Hạn đăng ký phải trước hoặc bằng ngày bắt đầu."), field="deadline")
    quotas = {}
    for key in QUOTA_KEYS:
        value = _int(data, f"quota_{key}", lo=1)
        if value is not None:
            quotas[key] = value
    weights = {}
    for factor in FACTORS:
        value = clean_decimal(data.get(f"weight_{factor}"), f"weight_{factor}",
                              hi=Decimal(1))
        if value is not None:
            weights[factor] = float(value)
    code = _text(data, "code", 40)
    if code and db.session.scalar(select(Opportunity.id).where(
            Opportunity.code == code, Opportunity.id != (opp.id or 0))) is not None:
        raise UserError(_("Mã cơ hội này đã được dùng."), field="code")

    opp.kind = kind
    opp.title = title
    opp.description = _text(data, "description", 10000)
    opp.status = status
    opp.partner = partner
    opp.programme = _programme(data)
    opp.markets = markets
    opp.hs_prefixes = hs
    opp.keywords = split_list(data.get("keywords")) or keywords_default
    opp.required_certifications = required
    opp.preferred_certifications = [c for c in preferred if c not in required]
    opp.min_size = min_size
    opp.min_annual_capacity_tonnes = clean_decimal(data.get("min_annual_capacity_tonnes"),
                                                   "min_annual_capacity_tonnes")
    opp.platform = platform
    opp.starts_on, opp.ends_on, opp.deadline = starts_on, ends_on, deadline
    opp.location = _text(data, "location")
    opp.slots = _int(data, "slots", lo=1, hi=100000)
    opp.budget_vnd = clean_decimal(data.get("budget_vnd"), "budget_vnd")
    opp.cofunding_share = clean_decimal(data.get("cofunding_share"), "cofunding_share",
                                        hi=Decimal(100))
    opp.quotas = quotas
    opp.weights = weights
    opp.diversity = bool(data.get("diversity"))
    opp.exposure_decay = bool(data.get("exposure_decay"))
    opp.code = code or opp.code or _new_code((starts_on or today).year)


def create_opportunity(data: Mapping[str, Any], by: User | None, today: date) -> Opportunity:
    """Add an opportunity after checking every field."""
    opp = Opportunity(created_by_id=by.id if by else None)
    _apply(opp, data, today)
    db.session.add(opp)
    db.session.flush()
    return opp


def update_opportunity(opp: Opportunity, data: Mapping[str, Any], *, today: date,
                       expected_version: Any = None) -> Opportunity:
    """Change an opportunity; refused when somebody saved it since the form was loaded."""
    if expected_version not in (None, ""):
        try:
            same = int(expected_version) == opp.version
        except (TypeError, ValueError):
            same = False
        if not same:
            raise OpportunityConflictError()
    _apply(opp, data, today)
    db.session.flush()
    return opp


# --- the shortlist ---------------------------------------------------------------------------

def _event(entry: ShortlistEntry, before: str | None, after: str, by: User | None,
           note: str | None) -> None:
    entry.events.append(ShortlistEvent(from_status=before, to_status=after,
                                       user_id=by.id if by else None, note=note))


def _entries_of(opp: Opportunity) -> dict[int, ShortlistEntry]:
    return {e.firm_id: e for e in db.session.scalars(
        select(ShortlistEntry).where(ShortlistEntry.opportunity_id == opp.id))}


def _new_entry(opp: Opportunity, firm_id: int, status: str, by: User | None,
               snapshot: dict[str, Any] | None, justification: str | None) -> ShortlistEntry:
    entry = ShortlistEntry(
        # the learned model that ranked the firm (None: the hand-set weights)
        model_version=snapshot.get("model_version") if snapshot else None,
        opportunity=opp, firm_id=firm_id, status=status,
        suggested=bool(snapshot and snapshot.get("rank")),
        rank_at_shortlist=snapshot.get("rank") if snapshot else None,
        score_at_shortlist=snapshot.get("score") if snapshot else None,
        reasons_at_shortlist=stored(snapshot.get("reasons", [])) if snapshot else [],
        justification=justification, added_by_id=by.id if by else None,
    )
    db.session.add(entry)
    _event(entry, None, status, by, justification)
    return entry


def _snapshot(item: RankedFirm, result: ranking.OpportunityRanking) -> dict[str, Any]:
    """Rank (None outside the suggestions), score and reasons of a firm at this moment, and
    the learned model that ranked it."""
    return {"rank": item.rank, "score": item.score, "reasons": item.reasons,
            "model_version": result.model_version}


def save_suggestions(opp: Opportunity, by: User | None, today: date,
                     top: int | None = None) -> int:
    """Store the current top-ranked firms as "suggested" entries; returns how many were new."""
    top = top or max(20, 2 * (opp.slots or 0))
    existing = _entries_of(opp)
    added = 0
    result = ranking.rank_opportunity(opp, today, top=top, ineligible_limit=0)
    for item in result.ranked:
        fid = int(item.firm_id)
        if fid in existing:
            continue
        _new_entry(opp, fid, "suggested", by, _snapshot(item, result), None)
        added += 1
    db.session.flush()
    return added


def shortlist_firms(opp: Opportunity, firm_ids: Iterable[int], by: User | None, today: date,
                    justification: str | None = None) -> list[ShortlistEntry]:
    """Put firms on the shortlist with their rank, score and reasons of this moment.

    A firm outside the ranking's suggestions, or passing over higher-ranked firms that are
    not on the list yet, needs a justification; the passed-over firms are recorded as such.
    """
    wanted = list(dict.fromkeys(int(f) for f in firm_ids))
    if not wanted:
        raise UserError(_("Chưa chọn doanh nghiệp nào."), field="firm_ids")
    justification = (justification or "").strip() or None
    firms = {f.id: f for f in db.session.scalars(select(Firm).where(Firm.id.in_(wanted)))}
    for fid in wanted:
        if fid not in firms:
            raise UserError(_("Không có doanh nghiệp này."), field="firm_ids")
        if firms[fid].archived:
            raise UserError(_("%(name)s đã lưu trữ, không thể chọn.", name=firms[fid].name),
                            field="firm_ids")
    existing = _entries_of(opp)
    result = ranking.rank_opportunity(opp, today, top=SUGGEST_POOL, ineligible_limit=0,
                                      firm_ids=wanted)
    ranked = [(int(r.firm_id), r.rank, r.score) for r in result.ranked]
    rank_of = result.rank_of()
    unsuggested = [fid for fid in wanted if fid not in rank_of]
    worst = max((rank_of[f] for f in wanted if f in rank_of), default=0)
    skipped = [(fid, rank, score) for fid, rank, score in ranked
               if rank < worst and fid not in wanted and fid not in existing]
    if (unsuggested or skipped) and not justification:
        names = ", ".join(firms[f].name for f in unsuggested[:3])
        raise UserError(
            _("Cần nêu lý do: %(what)s.", what=(
                _("doanh nghiệp không nằm trong danh sách đề xuất (%(names)s)", names=names)
                if unsuggested else
                _("bỏ qua %(n)s doanh nghiệp xếp hạng cao hơn", n=len(skipped)))),
            field="justification")
    entries = []
    for fid in wanted:
        entry = existing.get(fid)
        if entry is not None:
            if entry.status in ("suggested", "passed_over"):
                change_status(entry, "shortlisted", by, note=justification, today=today)
                entries.append(entry)
            continue
        item = result.item(fid)
        snap = _snapshot(item, result) if item is not None and item.relevant else None
        entries.append(_new_entry(opp, fid, "shortlisted", by, snap,
                                  justification if (fid in unsuggested or skipped) else None))
    for fid, rank, score in skipped:
        passed = _new_entry(opp, fid, "passed_over", by, {"rank": rank, "score": score,
                                                           "model_version": result.model_version},
                            justification)
        passed.suggested = True
    db.session.flush()
    return entries


def _main_chapter(firm: Firm, opp: Opportunity) -> str | None:
    """HS chapter a firm counts under for quotas: its first product fitting the opportunity."""
    codes = [p.hs_code for p in firm.products if p.hs_code]
    fitting = [c for c in codes if any(c.startswith(p) for p in opp.hs_prefixes or [])]
    code = (fitting or codes or [None])[0]
    return code[:2] if code else None


def _check_place(opp: Opportunity, entry: ShortlistEntry) -> None:
    """Slots and quotas, counted under a lock on the opportunity row."""
    locked = db.session.execute(
        select(Opportunity).where(Opportunity.id == opp.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    holding = list(db.session.scalars(select(ShortlistEntry).where(
        ShortlistEntry.opportunity_id == opp.id, ShortlistEntry.status.in_(HOLDS_PLACE),
        ShortlistEntry.id != entry.id)))
    if locked.slots is not None and len(holding) >= locked.slots:
        raise UserError(_("Đã đủ %(n)s suất; không thể xác nhận thêm %(name)s.",
                          n=locked.slots, name=entry.firm.name), field="to_status")
    quotas = locked.quotas or {}
    if quotas.get("province"):
        same = sum(1 for e in holding if e.firm.province_code == entry.firm.province_code)
        if same >= quotas["province"]:
            raise UserError(_("Vượt hạn mức %(n)s doanh nghiệp mỗi tỉnh (%(name)s).",
                              n=quotas["province"], name=entry.firm.name), field="to_status")
    if quotas.get("hs_chapter"):
        chapter = _main_chapter(entry.firm, locked)
        same = sum(1 for e in holding if chapter and _main_chapter(e.firm, locked) == chapter)
        if chapter and same >= quotas["hs_chapter"]:
            raise UserError(_("Vượt hạn mức %(n)s doanh nghiệp mỗi chương HS %(ch)s (%(name)s).",
                              n=quotas["hs_chapter"], ch=chapter, name=entry.firm.name),
                            field="to_status")
    # Bump the version: a concurrent confirmation that read the old row fails on flush.
    locked.updated_at = utcnow()


def change_status(entry: ShortlistEntry, to: str, by: User | None, *, note: str | None = None,
                  today: date | None = None) -> ShortlistEntry:
    """Move a shortlist entry one step in the pipeline, recording who, when and why."""
    note = (note or "").strip() or None
    before = entry.status
    if to not in ENTRY_LABELS:
        raise UserError(_("Trạng thái không hợp lệ."), field="to_status")
    if to == before:
        return entry
    allowed = TRANSITIONS.get(before, ())
    if to not in allowed:
        nxt = ", ".join(str(ENTRY_LABELS[s]) for s in allowed) or _("không có")
        raise UserError(
            _("%(name)s: không thể chuyển từ “%(a)s” sang “%(b)s”; bước tiếp theo hợp lệ: "
              "%(next)s.", name=entry.firm.name, a=ENTRY_LABELS[before], b=ENTRY_LABELS[to],
              next=nxt), field="to_status")
    if to == "passed_over" and not note:
        raise UserError(_("Cần nêu lý do khi bỏ qua một doanh nghiệp."), field="note")
    if to in ("confirmed",):
        _check_place(entry.opportunity, entry)
    if to == "passed_over":
        entry.justification = note
    if to == "declined":
        entry.firm_response = "declined"
    elif to == "confirmed":
        entry.firm_response = "interested"
    entry.status = to
    _event(entry, before, to, by, note)
    db.session.flush()
    return entry


def bulk_change(opp: Opportunity, entry_ids: Iterable[int], to: str, by: User | None, *,
                note: str | None = None) -> int:
    """Apply one status change to several entries: all of them or, on any refusal, none."""
    ids = [int(i) for i in entry_ids]
    if not ids:
        raise UserError(_("Chưa chọn doanh nghiệp nào."), field="entry_ids")
    entries = list(db.session.scalars(select(ShortlistEntry).where(
        ShortlistEntry.id.in_(ids), ShortlistEntry.opportunity_id == opp.id)
        .order_by(ShortlistEntry.rank_at_shortlist.is_(None), ShortlistEntry.rank_at_shortlist,
                  ShortlistEntry.id)))
    if len(entries) != len(set(ids)):
        raise UserError(_("Có doanh nghiệp không thuộc danh sách của cơ hội này."),
                        field="entry_ids")
    for entry in entries:
        change_status(entry, to, by, note=note)
    return len(entries)


def add_firm_by_tax_code(opp: Opportunity, tax_code: str, by: User | None, today: date,
                         justification: str | None) -> ShortlistEntry:
    """Shortlist a firm found by its tax code (usually one the ranking did not suggest)."""
    code = (tax_code or "").strip()
    firm = db.session.scalar(select(Firm).where(Firm.tax_code == code)) if code else None
    if firm is None:
        raise UserError(_("Không tìm thấy doanh nghiệp có mã số thuế này."), field="tax_code")
    if firm.id in _entries_of(opp) and _entries_of(opp)[firm.id].status not in (
            "suggested", "passed_over"):
        raise UserError(_("Doanh nghiệp đã có trong danh sách."), field="tax_code")
    entries = shortlist_firms(opp, [firm.id], by, today, justification)
    return entries[0]
