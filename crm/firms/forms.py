"""Forms of the firm page: the firm itself and its contacts, products, certificates, markets,
stores and trademarks. They parse and check shapes; crm.firms.services checks the rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from crm import clock, display
from crm.errors import UserError
from crm.extensions import db
from crm.firms.services import (
    FIRST_FOUNDED_YEAR,
    LIMITS,
    LONG_TEXT_MAX,
    clean_tax_code,
    thousands,
)
from crm.models import (
    Certification,
    CertificationScheme,
    Contact,
    Country,
    EcommerceStore,
    Firm,
    Product,
    Trademark,
)
from crm.models.firm import (
    LEGAL_FORMS,
    MARKET_KINDS,
    SECTORS,
    STORE_PLATFORMS,
    STORE_STATUSES,
    VERIFICATION_STATUSES,
)
from crm.models.product import CAPACITY_UNITS
from crm.validators import NumberRange
from matching.text import fold

REQUIRED = _l("Vui lòng nhập trường này.")
NOT_INTEGER = _l("Cần một số nguyên.")
NOT_NUMBER = _l("Cần một số.")
NOT_DATE = _l("Ngày không hợp lệ.")
NOT_CHOICE = _l("Giá trị không hợp lệ.")
NONE = ("", "—")
# Fields of a form that are not data for a service.
_NOT_DATA = frozenset({"csrf_token", "submit", "version", "fingerprint"})


def required() -> DataRequired:
    """DataRequired with the Vietnamese message."""
    return DataRequired(message=REQUIRED)


def max_len(model: type, column: str) -> Length:
    """Length limit taken from the column, so form and database agree."""
    length = getattr(model.__table__.c[column].type, "length", None) or LONG_TEXT_MAX
    return Length(max=length, message=_l("Quá dài: tối đa %(max)d ký tự.", max=length))


def between(key: str) -> NumberRange:
    """NumberRange from the service LIMITS, with a Vietnamese message."""
    lo, hi = LIMITS[key]
    return NumberRange(lo, hi, message=_l("Cần một số từ %(lo)s đến %(hi)s.", lo=thousands(lo),
                                          hi=thousands(hi)))


def _founded_year_range(form: FlaskForm, field: IntegerField) -> None:
    # The upper bound moves every New Year, so it cannot be a fixed NumberRange.
    NumberRange(FIRST_FOUNDED_YEAR, clock.today().year, message=_l(
        "Năm thành lập từ %(lo)d đến %(hi)d.", lo=FIRST_FOUNDED_YEAR, hi=clock.today().year,
    ))(form, field)


def optional_str(value: Any) -> str | None:
    """Select values: '' -> None."""
    return None if value in (None, "", "None") else str(value)


def optional_int(value: Any) -> int | str | None:
    """Select values: '' -> None, '12' -> 12; anything else is left for the service to refuse."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


class LocalDecimalField(DecimalField):
    """A number that also accepts a decimal comma ('1,5'), as Vietnamese users type it."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and isinstance(valuelist[0], str) and "." not in valuelist[0]:
            valuelist = [valuelist[0].replace(",", ".").replace(" ", "")]
        super().process_formdata(valuelist)

    def _value(self) -> str:
        # 45.50 from a Numeric(14,2) column reads better as 45.5; 2E+1 must stay 20.
        if not self.raw_data and isinstance(self.data, Decimal):
            text = format(self.data, "f")
            return text.rstrip("0").rstrip(".") if "." in text else text
        return super()._value()


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes for one list value."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _labelled(codes: tuple[str, ...]) -> list[tuple[str, Any]]:
    return [(c, display.LABELS.get(c, c)) for c in codes]


def province_choices() -> list[tuple[Any, str]]:
    """The 34 provinces, with an empty choice first."""
    return [NONE, *display.provinces()]


def commune_choices(province_code: Any) -> list[tuple[Any, str]]:
    """Communes of one province (none until a province is chosen)."""
    if not isinstance(province_code, int):
        return [NONE]
    return [NONE, *display.communes_of(province_code)]


def country_choices(blank: bool = False) -> list[tuple[str, str]]:
    """Every ISO country, by name in the interface language."""
    codes = db.session.scalars(select(Country.code))
    names = sorted(((c, display.country_name(c)) for c in codes), key=lambda kv: fold(kv[1]))
    return [NONE, *names] if blank else names


def scheme_choices() -> list[tuple[str, str]]:
    """The certification catalogue."""
    schemes = db.session.scalars(select(CertificationScheme))
    return sorted(
        ((s.code, f"{s.code} — {display.scheme_name(s.code)}") for s in schemes),
        key=lambda kv: kv[0],
    )


def form_data(form: FlaskForm) -> dict[str, Any]:
    """The values of a form as a plain dict for a service."""
    return {k: v for k, v in form.data.items() if k not in _NOT_DATA}


class FirmForm(FlaskForm):
    """A firm's own fields; size class is derived, never typed in."""

    version = HiddenField()
    fingerprint = HiddenField()
    tax_code = StringField(_l("Mã số thuế"), validators=[required(), Length(
        max=20, message=_l("Quá dài: tối đa %(max)d ký tự.", max=20))],
        description=_l("10 chữ số, chi nhánh 13 (0123456789-001)"))
    name = StringField(_l("Tên doanh nghiệp (tiếng Việt)"),
                       validators=[required(), max_len(Firm, "name")])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[Optional(), max_len(Firm, "name_en")])
    former_names = TextAreaField(
        _l("Tên cũ"), validators=[Optional(), Length(max=6000, message=_l(
            "Quá dài: tối đa %(max)d ký tự.", max=6000))],
        description=_l("Mỗi dòng một tên; khi đổi tên, tên trước được thêm tự động. "
                       "Tìm kiếm vẫn tìm thấy doanh nghiệp theo tên cũ."))
    legal_form = SelectField(_l("Loại hình"), choices=_labelled(LEGAL_FORMS), default="llc",
                             invalid_choice_message=NOT_CHOICE)
    province_code = SelectField(_l("Tỉnh/thành phố"), coerce=optional_int,
                                validate_choice=False)
    commune_code = SelectField(_l("Xã/phường/đặc khu"), coerce=optional_int,
                               validate_choice=False)
    address = StringField(_l("Địa chỉ"), validators=[Optional(), max_len(Firm, "address")])
    website = StringField(_l("Website"), validators=[Optional(), max_len(Firm, "website")])
    founded_year = IntegerField(_l("Năm thành lập"), validators=[Optional(), _founded_year_range],
                                invalid_value_message=NOT_INTEGER)
    employees = IntegerField(_l("Số lao động"), validators=[Optional(), between("employees")],
                             invalid_value_message=NOT_INTEGER)
    revenue_bn_vnd = LocalDecimalField(_l("Doanh thu năm (tỷ đồng)"),
                                       validators=[Optional(), between("revenue_bn_vnd")],
                                       invalid_value_message=NOT_NUMBER)
    capital_bn_vnd = LocalDecimalField(_l("Vốn (tỷ đồng)"),
                                       validators=[Optional(), between("capital_bn_vnd")],
                                       invalid_value_message=NOT_NUMBER)
    sectors = MultiCheckboxField(_l("Ngành"), choices=_labelled(SECTORS),
                                 invalid_choice_message=NOT_CHOICE)
    export_experience_years = IntegerField(
        _l("Kinh nghiệm xuất khẩu (năm)"),
        validators=[Optional(), between("export_experience_years")],
        invalid_value_message=NOT_INTEGER)
    export_revenue_usd = LocalDecimalField(
        _l("Kim ngạch xuất khẩu (USD/năm)"),
        validators=[Optional(), between("export_revenue_usd")], invalid_value_message=NOT_NUMBER)
    languages = StringField(_l("Ngôn ngữ giao dịch"),
                            validators=[Optional(), Length(max=200, message=_l(
                                "Quá dài: tối đa %(max)d ký tự.", max=200))],
                            description=_l("Mã ISO 639-1, cách nhau bằng dấu phẩy: vi, en, zh"))
    is_pioneer = BooleanField(_l("Doanh nghiệp tiên phong"))
    verification_status = SelectField(_l("Trạng thái xác minh"),
                                      choices=_labelled(VERIFICATION_STATUSES),
                                      default="unverified",
                                      invalid_choice_message=NOT_CHOICE)
    description = TextAreaField(_l("Giới thiệu"),
                                validators=[Optional(), max_len(Firm, "description")])
    submit = SubmitField(_l("Lưu"))

    # Staff-only fields: an enterprise user may not verify itself or change its natural key.
    STAFF_ONLY = ("tax_code", "is_pioneer", "verification_status", "former_names")

    firm: Firm | None = None
    links: dict[str, str]

    def setup(self, staff: bool, province: Any = None, firm: Firm | None = None) -> FirmForm:
        """Fill the select choices; drop staff-only fields for an enterprise user."""
        self.firm = firm
        self.links = {}
        self.province_code.choices = province_choices()
        chosen = self.province_code.data if self.province_code.data is not None else province
        self.commune_code.choices = commune_choices(chosen)
        if not staff:
            for name in self.STAFF_ONLY:
                delattr(self, name)
        return self

    def validate_tax_code(self, field: StringField) -> None:
        """Invalid or taken tax codes are reported with the other field errors, in one pass."""
        try:
            clean_tax_code(field.data, self.firm)
        except UserError as err:
            if err.link:
                self.links[field.name] = err.link
            raise ValidationError(err.message) from None

    def process(self, formdata: Any = None, obj: Any = None, data: Any = None,
                **kwargs: Any) -> None:
        super().process(formdata, obj, data, **kwargs)
        # Lists are typed as "vi, en" text.
        if not self.languages.raw_data and obj is not None and isinstance(obj.languages, list):
            self.languages.data = ", ".join(obj.languages)
        former = getattr(self, "former_names", None)  # staff only (dropped later by setup)
        if former is not None and not former.raw_data and obj is not None:
            former.data = "\n".join(getattr(obj, "former_names", None) or [])


class ContactForm(FlaskForm):
    """A contact person."""

    name = StringField(_l("Họ tên"), validators=[required(), max_len(Contact, "name")])
    position = StringField(_l("Chức vụ"), validators=[Optional(), max_len(Contact, "position")])
    phone = StringField(_l("Điện thoại"), validators=[Optional(), max_len(Contact, "phone")])
    email = StringField(_l("Email"), validators=[Optional(), max_len(Contact, "email")])
    is_primary = BooleanField(_l("Liên hệ chính"))
    notes = TextAreaField(_l("Ghi chú"), validators=[Optional(), max_len(Contact, "notes")])
    submit = SubmitField(_l("Lưu"))

    def setup(self, firm: Firm) -> ContactForm:
        """Nothing to fill."""
        return self


class ProductForm(FlaskForm):
    """A product with its HS code, capacity and OCOP rating."""

    name = StringField(_l("Tên sản phẩm (tiếng Việt)"),
                       validators=[required(), max_len(Product, "name")])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[Optional(), max_len(Product, "name_en")])
    hs_code = StringField(_l("Mã HS"), validators=[Optional(), Length(
        max=12, message=_l("Quá dài: tối đa %(max)d ký tự.", max=12))],
        description=_l("2, 4 hoặc 6 chữ số, ví dụ 0410 hoặc 0410.90"))
    annual_capacity = LocalDecimalField(_l("Năng lực sản xuất/năm"),
                                        validators=[Optional(), between("annual_capacity")],
                                        invalid_value_message=NOT_NUMBER)
    capacity_unit = SelectField(_l("Đơn vị"), choices=[NONE, *_labelled(CAPACITY_UNITS)],
                                coerce=optional_str,
                                invalid_choice_message=NOT_CHOICE)
    ocop_stars = SelectField(_l("OCOP (sao)"), coerce=optional_int,
                             choices=[NONE, *[(n, "★" * n) for n in range(1, 6)]],
                             invalid_choice_message=NOT_CHOICE)
    description = TextAreaField(_l("Mô tả"),
                                validators=[Optional(), max_len(Product, "description")])
    submit = SubmitField(_l("Lưu"))

    def setup(self, firm: Firm) -> ProductForm:
        """Nothing to fill."""
        return self


class CertificationForm(FlaskForm):
    """A certificate of the firm or of one product."""

    scheme_code = SelectField(_l("Loại chứng nhận"), validate_choice=False)
    number = StringField(_l("Số chứng nhận"),
                         validators=[Optional(), max_len(Certification, "number")])
    issuer = StringField(_l("Tổ chức cấp"),
                         validators=[Optional(), max_len(Certification, "issuer")])
    issued_on = DateField(_l("Ngày cấp"), validators=[InputRequired(message=REQUIRED)],
                          invalid_value_message=NOT_DATE)
    expires_on = DateField(_l("Ngày hết hạn"), validators=[Optional()],
                           invalid_value_message=NOT_DATE)
    product_id = SelectField(_l("Áp dụng cho"), coerce=optional_int, validate_choice=False)
    submit = SubmitField(_l("Lưu"))

    def setup(self, firm: Firm) -> CertificationForm:
        """Schemes from the catalogue; products of this firm only."""
        self.scheme_code.choices = [NONE, *scheme_choices()]
        self.product_id.choices = [("", _l("Toàn doanh nghiệp")),
                                   *[(p.id, p.name) for p in firm.products]]
        return self


class MarketForm(FlaskForm):
    """A current or target market."""

    country_code = SelectField(_l("Quốc gia"), validate_choice=False)
    kind = SelectField(_l("Loại"), choices=_labelled(MARKET_KINDS),
                       invalid_choice_message=NOT_CHOICE)
    priority = IntegerField(_l("Ưu tiên (1 = cao nhất)"),
                            validators=[Optional(), between("priority")],
                            invalid_value_message=NOT_INTEGER)
    submit = SubmitField(_l("Lưu"))

    def setup(self, firm: Firm) -> MarketForm:
        """Countries from the ISO table."""
        self.country_code.choices = [NONE, *country_choices()]
        return self


class StoreForm(FlaskForm):
    """A store on an e-commerce platform."""

    platform = SelectField(_l("Sàn"), choices=_labelled(STORE_PLATFORMS),
                           invalid_choice_message=NOT_CHOICE)
    market = SelectField(_l("Thị trường"), validate_choice=False)
    url = StringField(_l("Đường dẫn gian hàng"),
                      validators=[Optional(), max_len(EcommerceStore, "url")])
    status = SelectField(_l("Trạng thái"), choices=_labelled(STORE_STATUSES), default="active",
                         invalid_choice_message=NOT_CHOICE)
    submit = SubmitField(_l("Lưu"))

    def setup(self, firm: Firm) -> StoreForm:
        """Countries from the ISO table."""
        self.market.choices = [NONE, *country_choices()]
        return self


class TrademarkForm(FlaskForm):
    """A trademark registration in one country."""

    mark = StringField(_l("Nhãn hiệu"), validators=[required(), max_len(Trademark, "mark")])
    country_code = SelectField(_l("Quốc gia đăng ký"), validate_choice=False)
    registration_number = StringField(
        _l("Số đăng ký"), validators=[Optional(), max_len(Trademark, "registration_number")])
    registered_on = DateField(_l("Ngày đăng ký"), validators=[Optional()],
                              invalid_value_message=NOT_DATE)
    submit = SubmitField(_l("Lưu"))

    def setup(self, firm: Firm) -> TrademarkForm:
        """Countries from the ISO table."""
        self.country_code.choices = [NONE, *country_choices()]
        return self

    def process(self, formdata: Any = None, obj: Any = None, data: Any = None,
                **kwargs: Any) -> None:
        super().process(formdata, obj, data, **kwargs)
        # The column keeps the date as ISO text.
        if not self.registered_on.raw_data and obj is not None and isinstance(
            obj.registered_on, str
        ):
            try:
                self.registered_on.data = date.fromisoformat(obj.registered_on)
            except ValueError:
                self.registered_on.data = None
