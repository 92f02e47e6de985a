"""The post forms of an HTML page and their current values, as a browser would submit them.

Used by the load test (scripts/locustfile.py) and the multi-host checks
(scripts/multihost_check.py), which must not import locust (it monkey-patches ssl).
"""

from __future__ import annotations

from html.parser import HTMLParser


class Forms(HTMLParser):
    """The post forms of a page: action -> fields with their current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._fields = {}
            self.forms.append((a.get("action", ""), self._fields))
        fields = self._fields
        if fields is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input" and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    fields[name] = a.get("value", "y")
            else:
                fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and (
                self._select not in fields or "selected" in a):
            fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self._fields is not None and self._textarea:
            self._fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_fields(html: str, action: str) -> dict[str, str]:
    """Field values of the page's post form for `action` ("" = posts to the page itself)."""
    parser = Forms()
    parser.feed(html)
    for form_action, fields in parser.forms:
        if form_action.split("?")[0] in ("", action) or form_action.endswith(action):
            return fields
    return {}
