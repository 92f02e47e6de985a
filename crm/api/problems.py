"""RFC 9457 problem documents (application/problem+json) in the request's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from flask import Response, json, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

PROBLEM_TYPE = "application/problem+json"

TITLES: dict[int, Any] = {
    400: _l("Yêu cầu không hợp lệ"),
    401: _l("Chưa xác thực"),
    403: _l("Không có quyền"),
    404: _l("Không tìm thấy"),
    405: _l("Phương thức không được hỗ trợ"),
    406: _l("Không có định dạng phù hợp"),
    409: _l("Xung đột"),
    412: _l("Phiên bản đã cũ"),
    413: _l("Nội dung quá lớn"),
    415: _l("Sai kiểu nội dung"),
    422: _l("Dữ liệu không hợp lệ"),
    428: _l("Thiếu điều kiện If-Match"),
    429: _l("Quá nhiều yêu cầu"),
    500: _l("Lỗi máy chủ"),
}
# marshmallow's English messages, in the app's words (Vietnamese msgids, English catalogue).
_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^Missing data for required field\.$"), _l("Vui lòng nhập trường này.")),
    (re.compile(r"^Field may not be null\.$"), _l("Trường này không được để trống (null).")),
    (re.compile(r"^Unknown field\.$"), _l("Trường không được hỗ trợ.")),
    (re.compile(r"^Not a valid integer\.$"), _l("Cần một số nguyên.")),
    (re.compile(r"^Not a valid (number|float)\.$"), _l("Cần một số.")),
    (re.compile(r"^Not a valid string\.$"), _l("Cần một chuỗi ký tự.")),
    (re.compile(r"^Not a valid boolean\.$"), _l("Cần true hoặc false.")),
    (re.compile(r"^Not a valid list\.$"), _l("Cần một danh sách.")),
    (re.compile(r"^Not a valid date\.$"), _l("Ngày không hợp lệ (dạng 2025-12-31).")),
    (re.compile(r"^Invalid input type\.$"), _l("Sai kiểu dữ liệu.")),
    (re.compile(r"^Must be one of: .*\.$"), _l("Giá trị không hợp lệ.")),
    (re.compile(r"^String does not match expected pattern\.$"), _l("Sai định dạng.")),
    (re.compile(r"^Special numeric values \(nan or infinity\) are not permitted\.$"),
     _l("Cần một số.")),
]
_LONGER = re.compile(r"^Longer than maximum length (\d+)\.$")
_SHORTER = re.compile(r"^Shorter than minimum length (\d+)\.$")
_LENGTH_BETWEEN = re.compile(r"^Length must be between (\d+) and (\d+)\.$")
_LENGTH_EQUAL = re.compile(r"^Length must be (\d+)\.$")
# Bounds are numbers or, for dates, 2025-12-31.
_RANGE = re.compile(r"^Must be (greater|less) than or equal to (-?[\d.-]+?)\.$")
_BETWEEN = re.compile(r"^Must be greater than or equal to (-?[\d.-]+?) and less than or equal "
                      r"to (-?[\d.-]+?)\.$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def word(message: str) -> str:
    """A marshmallow message in the request's language."""
    for pattern, text in _MESSAGES:
        if pattern.match(message):
            return str(text)
    if m := _LONGER.match(message):
        return _("Quá dài: tối đa %(max)d ký tự.", max=int(m.group(1)))
    if m := _SHORTER.match(message):
        return _("Quá ngắn: ít nhất %(min)d ký tự.", min=int(m.group(1)))
    if m := _LENGTH_BETWEEN.match(message):
        return _("Cần từ %(lo)d đến %(hi)d ký tự.", lo=int(m.group(1)), hi=int(m.group(2)))
    if m := _LENGTH_EQUAL.match(message):
        return _("Cần đúng %(n)d ký tự.", n=int(m.group(1)))
    if m := _BETWEEN.match(message):
        if _DAY.match(m.group(1)):
            return _("Cần một ngày từ %(lo)s đến %(hi)s.", lo=m.group(1), hi=m.group(2))
        return _("Cần một số từ %(lo)s đến %(hi)s.", lo=m.group(1), hi=m.group(2))
    if m := _RANGE.match(message):
        if m.group(1) == "greater":
            return _("Không được nhỏ hơn %(n)s.", n=m.group(2))
        return _("Không được lớn hơn %(n)s.", n=m.group(2))
    return message


def _flatten(messages: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(messages, list | tuple):
        for item in messages:
            if isinstance(item, dict | list):
                yield from _flatten(item, path)
            else:
                yield path, str(item)
    else:
        yield path, str(messages)


def field_errors(messages: Any) -> list[dict[str, str]]:
    """webargs/marshmallow messages ({location: {field: [msg]}}) as a flat list."""
    out = []
    for location, fields in (messages or {}).items():
        for field, message in _flatten(fields, ""):
            out.append({"field": field or "_body", "in": str(location), "message": word(message)})
    return out


def problem(status: int, detail: str | None = None, errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """A problem document response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(TITLES.get(status) or HTTPStatus(status).phrase),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    if errors:
        body["errors"] = errors
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE)
    resp.headers["Content-Language"] = str(get_locale() or "vi")
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp
