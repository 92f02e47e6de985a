"""The words of ranking reasons: one message per reason code, rendered for a locale.

Matching says *what* it found as codes with parameters (matching.explain.Part); this module
turns them into sentences. The messages are Vietnamese msgids marked with ``N_`` so that the
app's one Babel catalogue (crm/translations) holds their English, extracted with the rest of
the app's strings. The app renders with its own gettext and its own names for countries,
certificates and HS headings (those come from its database); the command line, which has no
app, loads the same compiled catalogue file. Every number and date goes through Babel's
formatting for the locale: 1.120.000 USD, 690,7 tấn/năm and 05/03/2027 in Vietnamese;
1,120,000 USD, 690.7 t/year and 5 Mar 2027 in English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from matching import reference as ref


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext-noop marker
    """Mark a message for extraction; it is translated when rendered."""
    return message


MESSAGES: dict[str, str] = {
    # product
    "product.hs": N_("HS %(hs)s của %(product)s khớp %(heading)s"),
    "product.hs_close": N_("HS %(hs)s của %(product)s gần với %(heading)s"),
    "product.keyword_name": N_("sản phẩm %(product)s có từ khóa %(keyword)s"),
    "product.keyword_description": N_("mô tả của %(product)s nhắc tới %(keyword)s"),
    "product.keyword_firm": N_("tên hoặc giới thiệu doanh nghiệp nhắc tới %(keyword)s"),
    "product.text_close": N_("mô tả sản phẩm gần với %(keyword)s (không khớp nguyên từ)"),
    "product.text_request": N_("mô tả sản phẩm gần với nội dung cơ hội (không khớp nguyên từ)"),
    "product.any": N_("cơ hội không giới hạn sản phẩm"),
    "product.weak": N_("sản phẩm ít liên quan"),
    # market
    "market.sells_targets": N_("đã bán vào %(current)s và nhắm tới %(targets)s"),
    "market.targets": N_("nhắm tới %(targets)s"),
    "market.sells": N_("đã xuất khẩu sang %(current)s"),
    "market.group": N_("có mặt tại %(countries)s, cùng khối %(groups)s"),
    "market.elsewhere": N_("đã xuất khẩu sang thị trường khác (%(countries)s)"),
    "market.any": N_("cơ hội không giới hạn thị trường"),
    "market.none": N_("chưa có liên hệ với thị trường mục tiêu"),
    # readiness
    "readiness.years": N_("%(years)s năm xuất khẩu"),
    "readiness.languages": N_("dùng %(languages)s"),
    "readiness.holds": N_("có %(certs)s"),
    "readiness.holds_unverified": N_("có %(certs)s (tự khai, chưa xác minh)"),
    "readiness.little": N_("ít kinh nghiệm xuất khẩu"),
    # capacity
    "capacity.size": N_("doanh nghiệp %(size)s"),
    "capacity.size_unknown": N_("chưa rõ quy mô"),
    "capacity.tonnes": N_("%(tonnes)s tấn/năm"),
    # e-commerce and distribution partners
    "ecommerce.stores": N_("có gian hàng trên %(platforms)s"),
    "ecommerce.english": N_("dùng tiếng Anh"),
    "ecommerce.shelf_stable": N_("sản phẩm bảo quản lâu"),
    "ecommerce.fresh": N_("sản phẩm tươi hoặc đông lạnh (khó vận chuyển)"),
    "ecommerce.none": N_("chưa có gian hàng trực tuyến"),
    "trademark": N_("nhãn hiệu đăng ký tại %(marks)s"),
    "partner.ocop": N_("OCOP %(stars)s sao"),
    "partner.revenue": N_("doanh thu xuất khẩu %(usd)s USD"),
    "partner.none": N_("chưa có nhãn hiệu hay doanh thu xuất khẩu"),
    # adjustments
    "exposure.decay": N_(
        "đã được hỗ trợ (%(kind)s, gần nhất %(last_date)s): giảm %(pct)s%% điểm để chia đều"
        " cơ hội"
    ),
    "diversity.penalty": N_(
        "cùng nhóm sản phẩm hoặc tỉnh với doanh nghiệp xếp trên: trừ %(points)s điểm"
    ),
    # reminders
    "reminder.per_shipment": N_("cần %(cert)s cho từng lô hàng sang %(market)s"),
    "reminder.hs_unknown": N_("chưa có mã HS cho %(product)s: kiểm tra có cần %(certs)s không"),
    "reminder.size_unknown": N_("chưa rõ quy mô: xác nhận đạt tối thiểu %(size)s"),
    "reminder.capacity_unknown": N_("chưa rõ năng lực: xác nhận đạt tối thiểu %(tonnes)s tấn/năm"),
    # what an ineligible firm lacks
    "gap.none": N_("chưa có chứng nhận %(cert)s"),
    "gap.expired": N_("chứng nhận %(cert)s đã hết hạn ngày %(date)s"),
    "gap.expires_before": N_(
        "chứng nhận %(cert)s hết hạn ngày %(date)s, trước %(event)s %(start_date)s"
    ),
    "gap.not_yet": N_("chứng nhận %(cert)s chỉ có hiệu lực từ %(date)s, sau ngày %(day_date)s"),
    "gap.unverified": N_("chờ xác minh %(cert)s (doanh nghiệp khai ngày %(date)s)"),
    "gap.unverified_undated": N_("chờ xác minh %(cert)s (doanh nghiệp tự khai)"),
    "gap.source": N_("bắt buộc tại %(market)s với HS %(prefix)s"),
    "gap.min_size": N_("quy mô %(size)s dưới mức tối thiểu %(min_size)s"),
    "gap.min_capacity": N_("năng lực %(tonnes)s tấn/năm dưới mức tối thiểu %(min_tonnes)s tấn/năm"),
    # what would make it eligible
    "hint.verify": N_("cán bộ xác minh %(certs)s"),
    "hint.certs": N_("có %(certs)s còn hiệu lực ngày %(date)s"),
    "hint.size": N_("đạt quy mô %(size)s"),
    "hint.capacity": N_("đạt %(tonnes)s tấn/năm"),
    "hint": N_("đủ điều kiện khi %(conditions)s"),
    # what sets firms apart when their scores are close
    "tie.coverage": N_("có sản phẩm cho %(n)s/%(total)s nhóm hàng của cơ hội"),
    "tie.certificates": N_(
        "%(pct)s%% chứng nhận ưu tiên còn hiệu lực ít nhất một năm sau ngày bắt đầu"
    ),
    "tie.support_none": N_("chưa được hỗ trợ loại này"),
    "tie.support": N_("đã được hỗ trợ loại này %(n)s lần"),
}

AND = N_("và")

SIZE_LABELS = {
    "micro": N_("siêu nhỏ"),
    "small": N_("nhỏ"),
    "medium": N_("vừa"),
    "large": N_("lớn"),
}
KIND_LABELS = {
    "trade_mission": N_("đoàn xúc tiến"),
    "trade_fair": N_("hội chợ"),
    "ecommerce_cohort": N_("chương trình thương mại điện tử"),
    "distribution_partner": N_("đối tác phân phối"),
}
KIND_EVENTS = {
    "trade_mission": N_("ngày khởi hành của đoàn"),
    "trade_fair": N_("ngày khai mạc hội chợ"),
    "ecommerce_cohort": N_("ngày bắt đầu chương trình"),
    "distribution_partner": N_("ngày bắt đầu hợp tác"),
}
GROUP_LABELS = {
    "EU27": N_("Liên minh châu Âu (EU)"),
    "GCC": N_("Hội đồng Hợp tác vùng Vịnh (GCC)"),
    "ASEAN": N_("ASEAN"),
    "EAEU": N_("Liên minh Kinh tế Á-Âu (EAEU)"),
    "MERCOSUR": N_("Mercosur"),
    "CPTPP": N_("CPTPP"),
    "RCEP": N_("RCEP"),
}
# Trademark codes that are offices, not countries.
MARK_LABELS = {
    "EU": N_("EU"), "EM": N_("EU"), "EUIPO": N_("EU"), "WO": N_("hệ thống Madrid (WIPO)"),
}
PLATFORMS = {
    "amazon": "Amazon",
    "alibaba": "Alibaba.com",
    "tiktok_shop": "TikTok Shop",
    "shopee": "Shopee",
    "lazada": "Lazada",
    "ebay": "eBay",
    "etsy": "Etsy",
    "walmart": "Walmart",
    "tmall": "Tmall",
    "tiki": "Tiki",
    "website": N_("website riêng"),
}

# Parameter name -> kind of value, which decides how it is written.
_DATES = {"date", "start_date", "day_date", "last_date"}
_QUANTITIES = {"tonnes", "min_tonnes", "years"}
_INTEGERS = {"usd", "pct", "stars", "n", "total"}
_CERT_LISTS = {"certs"}
_COUNTRY_LISTS = {"current", "targets", "countries"}
_QUOTED = {"product", "keyword"}


@dataclass(frozen=True)
class Part:
    """One statement of a reason: a message code and its parameters (JSON-safe values)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """{"code": ..., "params": {...}}, as stored with a shortlist entry."""
        return {"code": self.code, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Part:
        """The inverse of to_dict."""
        return cls(str(data["code"]), dict(data.get("params") or {}))


@cache
def _catalogue(lang: str) -> NullTranslations:
    """The app's compiled catalogue for `lang` (Vietnamese is the msgids themselves)."""
    if lang == "vi":
        return NullTranslations()
    folder = Path(__file__).resolve().parent.parent / "crm" / "translations"
    return Translations.load(str(folder), [lang])


@dataclass
class Words:
    """Renders Parts for one locale. The app passes its own gettext and reference names."""

    lang: str = "vi"
    gettext: Callable[[str], str] | None = None
    country_name: Callable[[str], str] | None = None
    cert_name: Callable[[str], str] | None = None
    hs_title: Callable[[str], str] | None = None

    def __post_init__(self) -> None:
        if self.gettext is None:
            self.gettext = _catalogue(self.lang).gettext
        self._locale = Locale.parse(self.lang)
        # dates written so far: a full ineligible list writes the same few thousand days tens
        # of thousands of times, and Babel's formatting was a third of the cost of its words
        self._days: dict[date | str, str] = {}

    # -- values ---------------------------------------------------------------------------
    def quantity(self, value: float) -> str:
        """A quantity: one decimal from 1 up (690,7), two below (0,25)."""
        pattern = "#,##0.#" if abs(value) >= 1 else "#,##0.##"
        return format_decimal(value, format=pattern, locale=self._locale)

    def integer(self, value: float) -> str:
        """A whole number with the locale's grouping (1.120.000 / 1,120,000)."""
        return format_decimal(round(value), format="#,##0", locale=self._locale)

    def day(self, value: date | str) -> str:
        """A date as officers write it: 05/03/2027 in Vietnamese, 5 Mar 2027 in English."""
        text = self._days.get(value)
        if text is None:
            d = date.fromisoformat(value) if isinstance(value, str) else value
            text = self._days[value] = format_date(
                d, "dd/MM/yyyy" if self.lang == "vi" else "d MMM yyyy", locale=self._locale)
        return text

    def country(self, code: str) -> str:
        """A country (or market group) in the locale."""
        if code in GROUP_LABELS:
            return self.gettext(GROUP_LABELS[code])
        if self.country_name is not None:
            return self.country_name(code)
        return self._locale.territories.get(code, code)

    def mark(self, code: str) -> str:
        """Where a trademark is registered: a country or an office."""
        return self.gettext(MARK_LABELS[code]) if code in MARK_LABELS else self.country(code)

    def certificate(self, code: str) -> str:
        """A certification scheme's short name in the locale."""
        if self.cert_name is not None:
            return self.cert_name(code)
        return ref.cert_name(code, "vi" if self.lang == "vi" else "en")

    def heading(self, code: str) -> str:
        """An HS code with its title: '0901 (Cà phê)'."""
        title = (self.hs_title(code) if self.hs_title is not None
                 else ref.hs_title(code, "vi" if self.lang == "vi" else "en"))
        return f"{code} ({title})" if title else code

    def language(self, code: str) -> str:
        """A language name in the locale (tiếng Anh / English)."""
        name = self._locale.languages.get(code)
        if not name:
            return code
        return name[0].lower() + name[1:] if self.lang == "vi" else name

    def platform(self, code: str) -> str:
        """An e-commerce platform's name."""
        name = PLATFORMS.get(code)
        if name is None:
            return code.replace("_", " ").title()
        return self.gettext(name) if code == "website" else name

    def join(self, items: Iterable[str]) -> str:
        """A list in running text."""
        return ", ".join(items)

    def value(self, name: str, value: Any) -> str:
        """One parameter written for the locale, by what its name says it holds."""
        if value is None:
            return "?"
        if name in _DATES:
            return self.day(value)
        if name in _QUANTITIES:
            return self.quantity(float(value))
        if name in _INTEGERS:
            return self.integer(float(value))
        if name == "points":
            return format_decimal(value, format="0.00", locale=self._locale)
        if name in _CERT_LISTS:
            return self.join(self.certificate(c) for c in value)
        if name == "cert":
            return self.certificate(value)
        if name in _COUNTRY_LISTS:
            return self.join(self.country(c) for c in value)
        if name == "market":
            return self.country(value)
        if name == "groups":
            return self.join(self.country(g) for g in value)
        if name == "marks":
            return self.join(dict.fromkeys(self.mark(m) for m in value))
        if name == "languages":
            return self.join(self.language(c) for c in value)
        if name == "platforms":
            return self.join(self.platform(p) for p in value)
        if name in ("size", "min_size"):
            return self.gettext(SIZE_LABELS.get(value, value))
        if name == "kind":
            return self.gettext(KIND_LABELS.get(value, value))
        if name == "event":
            return self.gettext(KIND_EVENTS.get(value, value))
        if name == "heading":
            return self.heading(value)
        if name == "codes":
            return self.join(value)
        if name in _QUOTED:
            return f"“{value}”"
        return str(value)

    # -- sentences ------------------------------------------------------------------------
    def part(self, part: Part) -> str:
        """One statement in the locale."""
        message = MESSAGES.get(part.code)
        if message is None:  # a code this version does not know (an old stored snapshot)
            return part.code
        values = {k: self.value(k, v) for k, v in part.params.items()}
        return self.gettext(message) % values

    def parts(self, parts: Iterable[Part]) -> str:
        """Statements joined; a gap's source goes in brackets after the gap it explains."""
        out: list[str] = []
        for p in parts:
            text = self.part(p)
            if p.code == "gap.source" and out:
                out[-1] = f"{out[-1]} ({text})"
            else:
                out.append(text)
        return "; ".join(out)

    def hint(self, parts: Iterable[Part]) -> str:
        """'eligible once A and B'."""
        conditions = f" {self.gettext(AND)} ".join(self.part(p) for p in parts)
        return self.gettext(MESSAGES["hint"]) % {"conditions": conditions}
