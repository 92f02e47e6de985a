"""The firm list's search and filter form (GET, so no CSRF token: it changes nothing)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import Select

from crm.display import country_name, label, provinces, reference_table
from crm.firms import portfolio, queries
from crm.firms.queries import FirmFilters
from crm.models.firm import SIZE_CLASSES
from crm.validators import hs_code_clean

MAX_QUERY = 200


INVALID = _l("Giá trị không hợp lệ; bộ lọc này đã được bỏ qua.")


class PlainSelect(Select):
    """WTForms' <select> with options written directly: its generic attribute rendering of
    each of the ~330 filter options (countries, blocs, schemes) was ~15 ms of every firm list."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        """One <option>, as WTForms writes it when it has no extra attributes."""
        if choice.render_kw or kwargs or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        # Markup.format escapes the value and the label.
        text = choice.label or choice.value
        if choice.selected:
            return Markup('<option value="{}" selected>{}</option>').format(choice.value, text)
        return Markup('<option value="{}">{}</option>').format(choice.value, text)


def _select(label_text: Any, default: str = "") -> SelectField:
    # An unknown value (an old bookmark, a hand-edited URL) is reported, never fatal.
    return SelectField(label_text, default=default, invalid_choice_message=INVALID,
                       widget=PlainSelect())


def filter_choices() -> dict[str, Any]:
    """The filters' choices in the interface language, built once per app and language.

    Every firm list shows them (~330 options: provinces, schemes, blocs, countries sorted by
    their translated names): rebuilding them was ~10 ms of each list.
    """
    countries_label = _("Quốc gia")

    def load() -> dict[str, Any]:
        groups = [(g, _("Khối %(name)s", name=g)) for g in queries.market_group_names()]
        countries = sorted(((c, country_name(c)) for c in queries.country_codes()),
                           key=lambda kv: kv[1])
        return {
            "province": [("", _("Tất cả tỉnh/thành"))] + [
                (str(code), name) for code, name in provinces()],
            "cert": [("", _("Tất cả"))] + [
                (code, code) for code, _vi, _en in queries.scheme_choices()],
            "market": {"": [("", _("Tất cả"))], _("Khối thị trường"): groups,
                       countries_label: countries},
            "size": [("", _("Tất cả"))] + [(s, label(s)) for s in SIZE_CLASSES],
            "sort": [("relevance", _("Phù hợp nhất")), ("name", _("Tên")),
                     ("province", _("Tỉnh/thành")), ("size", _("Quy mô (lớn trước)")),
                     ("updated", _("Cập nhật gần nhất"))],
        }

    # Without countries the reference data is not loaded yet: do not keep the empty lists.
    return reference_table(f"filter_choices_{get_locale()}", load,
                           complete=lambda choices: bool(choices["market"][countries_label]))


class FirmSearchForm(FlaskForm):
    """Search box, filters and sort order of the firm list."""

    class Meta:
        csrf = False  # a GET search changes nothing; a token would only spoil bookmarks

    q = StringField(_l("Tìm kiếm"), render_kw={
        "placeholder": _l("Tên, sản phẩm, mã HS, nơi hoặc mã số thuế"),
        "autofocus": True, "maxlength": MAX_QUERY})
    province = _select(_l("Tỉnh/thành"))
    hs = StringField(_l("Nhóm hàng (mã HS)"), render_kw={"placeholder": _l("vd. 03, 0901")})
    cert = _select(_l("Chứng nhận còn hiệu lực"))
    market = _select(_l("Thị trường mục tiêu"))
    size = _select(_l("Quy mô"))
    officer = _select(_l("Cán bộ phụ trách"))
    archived = BooleanField(_l("Hiện cả doanh nghiệp đã lưu trữ"))
    sort = _select(_l("Sắp xếp"), default="relevance")

    @classmethod
    def from_args(cls, args: MultiDict[str, str], me: int | None = None) -> FirmSearchForm:
        """The form filled from the query string, with its choices, already validated.

        `me`: the signed-in officer, for "my firms" (officer=me).
        """
        form = cls(formdata=args)
        form._me = me
        for name, choices in filter_choices().items():
            form[name].choices = choices
        # Not cached with the others: staff come and go.
        form.officer.choices = [("", _("Tất cả")), ("me", _("Doanh nghiệp của tôi")),
                                ("none", _("Chưa có cán bộ phụ trách"))] + [
            (str(uid), name) for uid, name in portfolio.staff_choices()]
        form.validate()
        return form

    _me: int | None = None

    def _officer_filter(self) -> int | None:
        value = self._ok(self.officer)
        if value == "me":
            return self._me
        if value == "none":
            return 0
        return int(value) if value and value.isdigit() else None

    def validate_hs(self, field: StringField) -> None:
        """A product group is an HS chapter, heading or subheading: 2 to 6 digits."""
        raw = re.sub(r"[.\s]", "", field.data or "")
        if raw and not (raw.isdigit() and 2 <= len(raw) <= 6):
            raise ValidationError(_("Mã HS gồm 2 đến 6 chữ số, ví dụ 03 hoặc 0901."))

    def _ok(self, field: Any) -> str | None:
        return field.data or None if not field.errors else None

    def filters(self) -> FirmFilters:
        """What to search for; a field with an error is left out rather than guessed."""
        province = self._ok(self.province)
        return FirmFilters(
            q=(self.q.data or "").strip()[:MAX_QUERY],
            province=int(province) if province else None,
            hs_prefix=hs_code_clean(self._ok(self.hs)),
            cert=self._ok(self.cert),
            market=self._ok(self.market),
            size=self._ok(self.size),
            archived=bool(self.archived.data),
            sort=self._ok(self.sort) or "relevance",
            officer=self._officer_filter(),
        )

    def query_args(self) -> dict[str, str]:
        """The non-empty filters as URL parameters, for page and sort links."""
        args = {name: str(self[name].data).strip() for name in
                ("q", "province", "hs", "cert", "market", "size", "officer", "sort")
                if self[name].data and not self[name].errors}
        if self.archived.data:
            args["archived"] = "y"
        return args
