"""Read the files alert sources export into notice drafts; no database, no network.

One adapter per source format (field lists: crm/notices/FORMATS.md):
- ePing (WTO SPS/TBT notifications): the search API's JSON (a list, or {"items": [...]})
  or the CSV export;
- RASFF Window (EU food and feed alerts): JSON list or CSV export;
- FDA import refusals: the monthly CSV, with its charges file (joined on RFRL_DOC_ID);
- the notice template (.xlsx or .csv) for MOIT trade remedies, GACC, FDA import alerts and
  hand-collected notices.

Each returns a `Parsed`: drafts, records skipped on purpose (not from Viet Nam), and errors,
each naming its line or record. The caller saves nothing when there is any error.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pycountry
from flask_babel import gettext as _

from matching.text import fold

MAX_RECORDS = 20_000
# WTO member names that are not ISO short names, and groups of markets.
_COUNTRY_ALIASES = {
    "european union": "EU27", "eu": "EU27", "eu27": "EU27", "lien minh chau au": "EU27",
    "chinese taipei": "TW", "hong kong, china": "HK", "macao, china": "MO",
    "korea": "KR", "republic of korea": "KR", "han quoc": "KR", "south korea": "KR",
    "viet nam": "VN", "vietnam": "VN", "united states": "US", "usa": "US", "hoa ky": "US",
    "my": "US", "trung quoc": "CN", "nhat ban": "JP", "kingdom of saudi arabia": "SA",
    "saudi arabia, kingdom of": "SA", "united kingdom": "GB", "uk": "GB", "anh": "GB",
    "an do": "IN", "uc": "AU", "canada": "CA", "thai lan": "TH", "indonesia": "ID",
    "malaysia": "MY", "philippines": "PH", "tho nhi ky": "TR", "turkiye": "TR",
    "brazil": "BR", "mexico": "MX", "nga": "RU",
}
GROUPS = ("EU27", "ASEAN", "CPTPP", "RCEP", "GCC", "EAEU", "MERCOSUR")
# FDA product codes: the first two digits are the industry (FDA Product Code Builder);
# mapped to HS chapters, so a refusal reaches other firms only as a "broad" match.
FDA_INDUSTRY_HS = {
    "02": ("10", "11", "19"), "03": ("19",), "04": ("19",), "07": ("19", "20"),
    "09": ("04",), "12": ("04",), "16": ("03", "16"), "17": ("16",), "20": ("08", "20"),
    "21": ("08", "20"), "22": ("08", "20"), "23": ("08",), "24": ("07", "20"),
    "25": ("07", "20"), "28": ("09",), "29": ("22",), "31": ("09", "21"), "33": ("17", "18"),
    "34": ("18",), "35": ("04",), "36": ("17",), "37": ("21",),
}
# Measure words of the notice template (folded Vietnamese or English) -> measure code.
_MEASURES = {
    "sps": "sps", "ve sinh dich te": "sps", "tbt": "tbt", "rao can ky thuat": "tbt",
    "anti_dumping": "anti_dumping", "anti-dumping": "anti_dumping", "antidumping": "anti_dumping",
    "chong ban pha gia": "anti_dumping", "chong lan tranh": "anti_dumping",
    "anti-circumvention": "anti_dumping", "countervailing": "countervailing",
    "chong tro cap": "countervailing", "safeguard": "safeguard", "tu ve": "safeguard",
    "border_rejection": "border_rejection", "border rejection": "border_rejection",
    "tu choi nhap khau": "border_rejection", "import_alert": "import_alert",
    "import alert": "import_alert", "canh bao nhap khau": "import_alert",
    "registration_rule": "registration_rule", "registration rule": "registration_rule",
    "dang ky co so": "registration_rule", "quy dinh dang ky": "registration_rule",
    "market_news": "market_news", "market news": "market_news", "tin thi truong": "market_news",
}
_SEVERITIES = {"high": "high", "cao": "high", "medium": "medium", "trung binh": "medium",
               "low": "low", "thap": "low"}


@dataclass
class Draft:
    """A notice read from a file, not yet checked against the reference data or saved."""

    source: str
    external_id: str
    measure: str
    title: str
    where: str  # "dòng 4" / "bản ghi 2": how messages name the record
    markets: list[str] = field(default_factory=list)
    hs_codes: list[str] = field(default_factory=list)
    product_text: str | None = None
    identifiers: list[str] = field(default_factory=list)
    named_firms: list[str] = field(default_factory=list)
    severity: str = "medium"
    published_on: date | None = None
    comment_deadline: date | None = None
    effective_on: date | None = None
    link: str | None = None
    summary_vi: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Parsed:
    """What a file gave: drafts, records left out on purpose, and errors (line + what)."""

    drafts: list[Draft] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class RecordError(ValueError):
    """One record cannot be read; the message says which field and why."""


# --- small readers ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def read_date(value: Any, name: str, formats: Iterable[str] = ("%Y-%m-%d",)) -> date | None:
    """A date from ISO text (a time part is dropped), a given format, or a spreadsheet date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in formats:
        try:
            return datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    raise RecordError(_("%(field)s: không đọc được ngày %(value)s", field=name, value=repr(text)))


def read_hs_codes(value: Any) -> list[str]:
    """HS codes from a list or text ("0306, 0306.17; 16"): 2, 4 or 6 digits each; an 8- or
    10-digit national line is cut to its 6-digit subheading."""
    items = value if isinstance(value, list) else re.split(r"[,;\s]+", _text(value))
    out: list[str] = []
    for item in items:
        raw = _text(item.get("code") if isinstance(item, Mapping) else item)
        code = re.sub(r"[.\s]", "", raw)
        if not code:
            continue
        if not code.isdigit() or len(code) not in (2, 4, 6, 8, 10):
            raise RecordError(_("mã HS không hợp lệ %(value)s", value=repr(raw)))
        code = code[:6]
        if code not in out:
            out.append(code)
    return out


def read_markets(value: Any) -> list[str]:
    """Markets from names or codes (list or "Hoa Kỳ, EU"): ISO alpha-2 codes or group names."""
    items = value if isinstance(value, list) else re.split(r"[,;]+", _text(value))
    out: list[str] = []
    for item in items:
        name = _text(item.get("name") or item.get("id") if isinstance(item, Mapping) else item)
        if not name:
            continue
        code = market_code(name)
        if code is None:
            raise RecordError(_("không rõ thị trường %(value)s", value=repr(name)))
        if code not in out:
            out.append(code)
    return out


def market_code(name: str) -> str | None:
    """ISO code or group for a country name, ISO code, or WTO member id (C156, U918)."""
    text = _text(name)
    if text.upper() in GROUPS:
        return text.upper()
    if text.upper() == "U918":  # WTO id of the European Union
        return "EU27"
    if re.fullmatch(r"C\d{3}", text):
        country = pycountry.countries.get(numeric=text[1:])
        return country.alpha_2 if country else None
    alias = _COUNTRY_ALIASES.get(fold(text))
    if alias:
        return alias
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def _identifiers(value: Any) -> list[str]:
    return [n for n in (normal_identifier(p) for p in re.split(r"[,;\s]+", _text(value))) if n]


def normal_identifier(value: str) -> str:
    """An FEI or GACC number as compared: upper case, no spaces, dots or dashes."""
    return re.sub(r"[\s.\-/]", "", value).upper()


def _rows_of_csv(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a UTF-8 CSV; a row of the wrong width or a quote never closed
    is an error naming its line (a file cut short)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise RecordError(_("tệp không phải UTF-8 (byte %(n)d)", n=err.start)) from err
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise RecordError(_("tệp rỗng")) from None
    except csv.Error as err:
        raise RecordError(_("dòng %(line)d: %(error)s", line=1, error=str(err))) from err
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise RecordError(_("dòng %(line)d: có %(got)d cột, cần %(want)d (tệp bị cắt "
                                    "ngắn?)", line=line, got=len(row), want=len(header)))
            rows.append((line, dict(zip(header, row, strict=True))))
            if len(rows) > MAX_RECORDS:
                raise RecordError(_("quá %(n)d bản ghi trong một tệp", n=MAX_RECORDS))
    except csv.Error as err:
        raise RecordError(_("dòng %(line)d: %(error)s (tệp bị cắt ngắn?)", line=reader.line_num,
                            error=str(err))) from err
    return rows


def _records_of_json(data: bytes, list_keys: tuple[str, ...]) -> list[tuple[int, dict]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise RecordError(_("tệp không phải UTF-8 (byte %(n)d)", n=err.start)) from err
    except json.JSONDecodeError as err:
        raise RecordError(_("JSON không hợp lệ ở dòng %(line)d, cột %(col)d: %(error)s (tệp bị "
                            "cắt ngắn?)", line=err.lineno, col=err.colno, error=err.msg)) from err
    if isinstance(doc, Mapping):
        for key in list_keys:
            if isinstance(doc.get(key), list):
                doc = doc[key]
                break
    if not isinstance(doc, list):
        raise RecordError(_("JSON không có danh sách bản ghi"))
    if len(doc) > MAX_RECORDS:
        raise RecordError(_("quá %(n)d bản ghi trong một tệp", n=MAX_RECORDS))
    return [(i, r) for i, r in enumerate(doc, start=1)]


def _looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{")


def _pick(row: Mapping[str, Any], *names: str) -> Any:
    """The first of `names` present in `row` (headers compared folded, without spaces)."""
    keys = {re.sub(r"[\s_]", "", fold(str(k))): k for k in row}
    for name in names:
        key = keys.get(re.sub(r"[\s_]", "", fold(name)))
        if key is not None and row[key] not in (None, ""):
            return row[key]
    return None


def _run(records: list[tuple[int, Mapping[str, Any]]], where: str,
         read: Callable[[Mapping[str, Any], str], Draft | str | None]) -> Parsed:
    """Apply `read` to each record: a Draft, a reason to skip (str) or None; collect errors."""
    out = Parsed()
    seen: dict[str, str] = {}
    for n, record in records:
        label = _("%(where)s %(n)d", where=where, n=n)
        if not isinstance(record, Mapping):
            out.errors.append(f"{label}: {_('không phải một bản ghi')}")
            continue
        try:
            got = read(record, label)
        except RecordError as err:
            out.errors.append(f"{label}: {err}")
            continue
        if isinstance(got, str):
            out.skipped.append(f"{label}: {got}")
        elif got is not None:
            if got.external_id in seen:
                out.skipped.append(f"{label}: " + _("trùng mã %(id)s với %(other)s",
                                                    id=got.external_id,
                                                    other=seen[got.external_id]))
                continue
            seen[got.external_id] = label
            out.drafts.append(got)
    return out


def _required(record: Mapping[str, Any], *names: str) -> str:
    value = _text(_pick(record, *names))
    if not value:
        raise RecordError(_("thiếu trường %(name)s", name=names[0]))
    return value


def _jsonable(record: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(dict(record), default=str))


# --- ePing ------------------------------------------------------------------------------------


def _eping_record(record: Mapping[str, Any], where: str) -> Draft:
    symbol = _required(record, "documentSymbol", "Document symbol", "Symbol")
    area = _text(_pick(record, "area", "domain", "Area")).upper()
    if not area:
        area = "SPS" if "/SPS/" in symbol.upper() else "TBT" if "/TBT/" in symbol.upper() else ""
    if area not in ("SPS", "TBT"):
        raise RecordError(_("area phải là SPS hoặc TBT, không phải %(value)s", value=repr(area)))
    kind = fold(_text(_pick(record, "type", "notificationType", "Type")))
    member = _pick(record, "notifyingMember", "Notifying member", "Member")
    if isinstance(member, Mapping):
        member = member.get("name") or member.get("id")
    if not member:
        raise RecordError(_("thiếu trường %(name)s", name="notifyingMember"))
    products = _text(_pick(record, "products", "Products", "productsFreeText"))
    return Draft(
        source="eping", external_id=symbol, measure=area.lower(), where=where,
        title=_text(_pick(record, "title", "Title")) or symbol,
        markets=read_markets([member]),
        hs_codes=read_hs_codes(_pick(record, "hsCodes", "HS codes", "HS") or []),
        product_text=products or None,
        severity="high" if "emergency" in kind else "low" if kind.startswith(
            ("addendum", "corrigendum", "revision")) else "medium",
        published_on=read_date(_pick(record, "distributionDate", "Distribution date"),
                               "distributionDate", ("%Y-%m-%d", "%d/%m/%Y")),
        comment_deadline=read_date(_pick(record, "commentDeadlineDate", "Comment deadline",
                                         "Final date for comments"),
                                   "commentDeadlineDate", ("%Y-%m-%d", "%d/%m/%Y")),
        effective_on=read_date(_pick(record, "entryIntoForceDate", "Entry into force"),
                               "entryIntoForceDate", ("%Y-%m-%d", "%d/%m/%Y")),
        link=_text(_pick(record, "notifiedDocumentLink", "Link", "documentLink")) or None,
        raw=_jsonable(record),
    )


def parse_eping(data: bytes) -> Parsed:
    """ePing notifications: the search API's JSON, or the CSV export (one per line)."""
    if _looks_like_json(data):
        return _run(_records_of_json(data, ("items", "notifications", "data")), _("bản ghi"),
                    _eping_record)
    return _run(_rows_of_csv(data), _("dòng"), _eping_record)


# --- RASFF Window -----------------------------------------------------------------------------


def _rasff_record(record: Mapping[str, Any], where: str) -> Draft | str:
    reference = _required(record, "reference", "Reference")
    origins = read_markets(_pick(record, "originCountries", "origin", "Origin countries") or [])
    if "VN" not in origins:
        return _("%(id)s: không có xuất xứ Việt Nam", id=reference)
    subject = _required(record, "subject", "Subject")
    category = _text(_pick(record, "productCategory", "Product category"))
    classification = fold(_text(_pick(record, "notificationClassification", "classification",
                                      "Classification")))
    risk = fold(_text(_pick(record, "riskDecision", "Risk decision")))
    notifier = _text(_pick(record, "notifyingCountry", "Notifying country"))
    return Draft(
        source="rasff", external_id=reference, where=where, title=subject,
        measure=("border_rejection" if "border rejection" in classification
                 else "market_news" if classification == "news" else "sps"),
        markets=["EU27"],  # a RASFF notification concerns the EU single market
        product_text=" · ".join(t for t in (subject, category) if t),
        severity="high" if risk == "serious" else "low" if risk == "not serious" else "medium",
        published_on=read_date(_pick(record, "ecValidationDate", "Validation date", "date"),
                               "ecValidationDate", ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d")),
        link=_text(_pick(record, "link", "url")) or None,
        summary_vi=None,
        raw=_jsonable(record) | ({"notifyingCountry": notifier} if notifier else {}),
    )


def parse_rasff(data: bytes) -> Parsed:
    """RASFF Window notifications (JSON list or CSV); only those of Viet Nam origin are kept."""
    if _looks_like_json(data):
        return _run(_records_of_json(data, ("notifications", "items", "content")), _("bản ghi"),
                    _rasff_record)
    return _run(_rows_of_csv(data), _("dòng"), _rasff_record)


# --- FDA import refusals ----------------------------------------------------------------------


def parse_fda_refusals(data: bytes, charges: bytes | None = None) -> Parsed:
    """FDA import refusals CSV (one row per refused line), with the charges CSV joined on
    RFRL_DOC_ID; only refusals of Viet Nam firms (ISO_CNTRY_CODE VN) are kept."""
    by_doc: dict[str, list[dict[str, str]]] = {}
    if charges:
        for line, row in _rows_of_csv(charges):
            doc = _text(_pick(row, "RFRL_DOC_ID"))
            if not doc:
                raise RecordError(_("tệp lý do từ chối, dòng %(line)d: thiếu RFRL_DOC_ID",
                                    line=line))
            by_doc.setdefault(doc, []).append({k: _text(v) for k, v in row.items()})

    def read(record: Mapping[str, Any], where: str) -> Draft | str:
        doc = _required(record, "RFRL_DOC_ID")
        country = _required(record, "ISO_CNTRY_CODE").upper()
        if country != "VN":
            return _("%(id)s: không phải doanh nghiệp Việt Nam (%(country)s)", id=doc,
                     country=country)
        name = _required(record, "LGL_NAME")
        product_code = _required(record, "PRODUCT_CODE").upper()
        if not re.fullmatch(r"\d{2}[A-Z0-9\-]{3,5}", product_code):
            raise RecordError(_("PRODUCT_CODE không hợp lệ %(value)s", value=repr(product_code)))
        product = _text(_pick(record, "PRODUCT_CODE_DESCRIPTION", "PRDCT_CODE_DESC"))
        fei = normal_identifier(_text(_pick(record, "FEI_NUM")))
        its = by_doc.get(doc, [])
        codes = ", ".join(c.get("CHARGE_CODE", "") for c in its if c.get("CHARGE_CODE"))
        return Draft(
            source="fda_refusal", external_id=doc, measure="border_rejection", where=where,
            title=_("FDA từ chối nhập %(product)s của %(firm)s", product=product or product_code,
                    firm=name) + (f" ({codes})" if codes else ""),
            markets=["US"], hs_codes=list(FDA_INDUSTRY_HS.get(product_code[:2], ())),
            product_text=product or None, identifiers=[fei] if fei else [], named_firms=[name],
            severity="high",
            published_on=read_date(_pick(record, "REFUSAL_DATE"), "REFUSAL_DATE",
                                   ("%Y-%m-%d", "%m/%d/%Y")),
            raw=_jsonable(record) | {"charges": its},
        )

    return _run(_rows_of_csv(data), _("dòng"), read)


# --- the notice template (xlsx / csv) ---------------------------------------------------------

TEMPLATE_COLUMNS = (
    ("Mã tham chiếu", "reference"), ("Tiêu đề", "title"), ("Loại biện pháp", "measure"),
    ("Thị trường", "markets"), ("Sản phẩm", "product"), ("Mã HS", "hs_codes"),
    ("Giai đoạn", "stage"), ("Ngày công bố", "published"), ("Hạn góp ý", "comment_deadline"),
    ("Ngày hiệu lực", "effective"), ("Mức độ", "severity"), ("Mã số cơ sở", "identifiers"),
    ("Liên kết", "link"), ("Tóm tắt", "summary"),
)
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def read_measure(value: Any) -> str:
    """A measure code from the template's words (Vietnamese or English)."""
    key = fold(_text(value))
    if key not in _MEASURES:
        raise RecordError(_("không rõ loại biện pháp %(value)s", value=repr(_text(value))))
    return _MEASURES[key]


def read_severity(value: Any) -> str:
    """high / medium / low from "cao", "trung bình", "thấp" or the codes; empty = medium."""
    key = fold(_text(value)) or "medium"
    if key not in _SEVERITIES:
        raise RecordError(_("không rõ mức độ %(value)s", value=repr(_text(value))))
    return _SEVERITIES[key]


def _template_record(source: str) -> Callable[[Mapping[str, Any], str], Draft]:
    def read(record: Mapping[str, Any], where: str) -> Draft:
        def get(key: str) -> Any:
            vi, en = next(c for c in TEMPLATE_COLUMNS if c[1] == key)
            return _pick(record, vi, en)

        reference = _text(get("reference"))
        if not reference:
            raise RecordError(_("thiếu Mã tham chiếu"))
        measure = read_measure(get("measure"))
        markets = read_markets(get("markets") or "")
        product = _text(get("product"))
        stage = _text(get("stage"))
        title = _text(get("title")) or " · ".join(
            t for t in (product, ", ".join(markets), stage) if t) or reference
        return Draft(
            source=source, external_id=reference, measure=measure, where=where, title=title,
            markets=markets, hs_codes=read_hs_codes(get("hs_codes") or ""),
            product_text=product or None, identifiers=_identifiers(get("identifiers")),
            severity=read_severity(get("severity")),
            published_on=read_date(get("published"), "Ngày công bố", _DATE_FORMATS),
            comment_deadline=read_date(get("comment_deadline"), "Hạn góp ý", _DATE_FORMATS),
            effective_on=read_date(get("effective"), "Ngày hiệu lực", _DATE_FORMATS),
            link=_text(get("link")) or None, summary_vi=_text(get("summary")) or None,
            raw=_jsonable(record),
        )

    return read


def parse_template(data: bytes, source: str) -> Parsed:
    """The notice template, .xlsx (first sheet) or UTF-8 .csv, one notice a row."""
    if data[:2] == b"PK":
        return _run(_rows_of_xlsx(data), _("dòng"), _template_record(source))
    return _run(_rows_of_csv(data), _("dòng"), _template_record(source))


def _rows_of_xlsx(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # zipfile.BadZipFile, KeyError, ...: a broken or cut-short file
        raise RecordError(_("không mở được tệp .xlsx (hỏng hoặc bị cắt ngắn?)")) from err
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [_text(h) for h in next(rows, ())]
        if not any(header):
            raise RecordError(_("trang tính đầu tiên không có dòng tiêu đề"))
        out = []
        for line, row in enumerate(rows, start=2):
            if not any(v not in (None, "") for v in row):
                continue
            out.append((line, {h: v for h, v in zip(header, row, strict=False) if h}))
            if len(out) > MAX_RECORDS:
                raise RecordError(_("quá %(n)d bản ghi trong một tệp", n=MAX_RECORDS))
        return out
    finally:
        wb.close()


def parse(source: str, data: bytes, charges: bytes | None = None) -> Parsed:
    """The adapter for `source`; a file that cannot be read at all is one error in Parsed."""
    try:
        if source == "eping":
            return parse_eping(data)
        if source == "rasff":
            return parse_rasff(data)
        if source == "fda_refusal":
            return parse_fda_refusals(data, charges)
        return parse_template(data, source)
    except RecordError as err:
        return Parsed(errors=[str(err)])
