"""B2B meetings at trade fairs and missions: events, participants, requests, the agenda."""

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

bp = Blueprint("meetings", __name__)

KIND_LABELS = {
    "importer": _l("Nhà nhập khẩu"),
    "distributor": _l("Nhà phân phối"),
    "retail_chain": _l("Chuỗi bán lẻ"),
    "diaspora_association": _l("Hiệp hội kiều bào"),
}
REQUEST_STATUS_LABELS = {
    "requested": _l("Đã đề nghị"),
    "accepted": _l("Đã chấp nhận"),
    "declined": _l("Đã từ chối"),
}
REQUESTED_BY_LABELS = {
    "firm": _l("Doanh nghiệp"),
    "counterpart": _l("Đối tác"),
    "officer": _l("Cán bộ"),
}
PRIORITY_LABELS = {
    "must": _l("Rất muốn gặp"),
    "meet": _l("Muốn gặp"),
    "not": lazy_pgettext("priority", "Không gặp"),  # not the attendance answer "did not happen"
}
# A request's state as shown: its status, or "expired" for a pending one past its expiry.
REQUEST_STATE_LABELS = {**REQUEST_STATUS_LABELS, "expired": _l("Đã hết hạn")}
MEETING_STATUS_LABELS = {
    "scheduled": _l("Đã xếp lịch"),
    "held": _l("Đã gặp"),
    "no_show": _l("Vắng mặt"),
    "cancelled": _l("Đã hủy"),
}


def reason_text(code: str, params: tuple[str, ...]) -> str:
    """A suggestion's reason in the UI language."""
    arg = params[0] if params else ""
    if code == "hs_match":
        return _("Mã HS của doanh nghiệp (%(codes)s) đúng nhóm đối tác cần mua", codes=arg)
    if code == "hs_near":
        return _("Mã HS gần với nhóm đối tác cần mua (%(codes)s)", codes=arg)
    if code == "market":
        return _("Quốc gia của đối tác (%(country)s) là thị trường của doanh nghiệp",
                 country=arg)
    if code == "markets_current":
        return _("Đối tác mua cho thị trường doanh nghiệp đang xuất khẩu: %(countries)s",
                 countries=arg)
    if code == "markets_target":
        return _("Đối tác mua cho thị trường doanh nghiệp nhắm tới: %(countries)s",
                 countries=arg)
    if code == "cert_held":
        return _("Có chứng nhận đối tác yêu cầu: %(certs)s", certs=arg)
    if code == "cert_unverified":
        return _("Chứng nhận %(certs)s do doanh nghiệp tự khai, chưa được cán bộ xác minh",
                 certs=arg)
    if code == "cert_missing":
        return _("Thiếu chứng nhận đối tác yêu cầu: %(certs)s", certs=arg)
    if code == "language":
        return _("Chung ngôn ngữ: %(langs)s", langs=arg)
    if code == "interpreter":
        return _("Không chung ngôn ngữ: cần phiên dịch")
    return code


@bp.app_template_global()
def meeting_label(kind: str, code: str | None) -> str:
    """Label of a counterpart kind, request status, requester or meeting status."""
    table = {"kind": KIND_LABELS, "request": REQUEST_STATUS_LABELS, "by": REQUESTED_BY_LABELS,
             "meeting": MEETING_STATUS_LABELS, "priority": PRIORITY_LABELS,
             "state": REQUEST_STATE_LABELS}[kind]
    return str(table.get(code or "", code or ""))


from crm.meetings import officer_routes, routes, routes_day, routes_schedule  # noqa: E402

__all__ = ["bp", "officer_routes", "reason_text", "routes", "routes_day", "routes_schedule"]
