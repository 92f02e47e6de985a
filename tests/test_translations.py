"""The English catalogue translates every message the code asks for, keeps each message's
placeholders, and is compiled: a string added without its English fails here."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import flask_babel
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
EN = ROOT / "crm" / "translations" / "en" / "LC_MESSAGES"
# The README's extraction command: pybabel extract -F babel.cfg -k _l -k lazy_gettext
# -k lazy_pgettext:1c,2 (lazy_pgettext: a word with two meanings, e.g. a role and a menu).
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext", "lazy_pgettext:1c,2"])}
HOW_TO_FIX = ("run the README's pybabel extract and update commands, translate the new "
              "messages in crm/translations/en/LC_MESSAGES/messages.po, then pybabel compile")
# A %-placeholder as Python formats it: %(name)s, %(sec).1f, %d, and the literal %%.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def extract(root: Path) -> Catalog:
    """The messages of the code under `root`, extracted as babel.cfg and the README say."""
    with open(root / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=KEYWORDS):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def english(root: Path = ROOT) -> Catalog:
    """The English catalogue as it is saved (messages.po)."""
    with open(root / EN.relative_to(ROOT) / "messages.po", "rb") as f:
        return read_po(f)


def untranslated(code: Catalog, en: Catalog) -> list[str]:
    """What the code asks for that English lacks, leaves empty or marks fuzzy."""
    problems = []
    for msg in code:
        if not msg.id:
            continue
        found = en.get(msg.id, context=msg.context)
        strings = found.string if found and isinstance(found.string, tuple) else (
            (found.string,) if found else ())
        why = ("missing" if found is None else "fuzzy" if found.fuzzy
               else "untranslated" if not all(strings) else None)
        if why:
            where = ", ".join(f"{path}:{line}" for path, line in msg.locations[:2])
            problems.append(f"{why}: {msg.id!r} ({where})")
    return problems


def placeholders(text: str) -> Counter[str]:
    """The %-placeholders of `text`, counted."""
    return Counter(m.group(0) for m in PLACEHOLDER.finditer(text))


def placeholder_mismatches(en: Catalog) -> list[str]:
    """Translations whose placeholders differ from their message's."""
    problems = []
    for msg in en:
        if not msg.id or not msg.string:
            continue
        pairs = zip(msg.id, msg.string, strict=False) if isinstance(msg.id, tuple) else [
            (msg.id, msg.string)]
        for source, target in pairs:
            if target and placeholders(source) != placeholders(target):
                problems.append(f"{source!r} -> {target!r}")
    return problems


@pytest.fixture(scope="module")
def catalogue() -> Catalog:
    """The English catalogue."""
    return english()


def test_every_message_of_the_code_has_its_english(catalogue: Catalog) -> None:
    problems = untranslated(extract(ROOT), catalogue)
    assert not problems, (f"{len(problems)} messages without English ({HOW_TO_FIX}):\n"
                          + "\n".join(problems[:30]))


def test_translations_keep_the_placeholders_of_their_message(catalogue: Catalog) -> None:
    problems = placeholder_mismatches(catalogue)
    assert not problems, "placeholders differ:\n" + "\n".join(problems[:30])


def test_placeholder_check_sees_a_lost_or_renamed_placeholder() -> None:
    en = Catalog(locale="en")
    en.add("Đã lưu %(n)d doanh nghiệp", "Saved firms")
    en.add("Trang %(page)s", "Page %(p)s")
    en.add("%(v)s đồng", "%(v)s VND")
    assert len(placeholder_mismatches(en)) == 2


def test_the_compiled_catalogue_is_the_saved_one(catalogue: Catalog) -> None:
    """The app reads messages.mo: a translation saved but not compiled never shows."""
    with open(EN / "messages.mo", "rb") as f:
        compiled = read_mo(f)
    stale = [msg.id for msg in catalogue if msg.id and msg.string and not msg.fuzzy and (
        (found := compiled.get(msg.id, context=msg.context)) is None
        or found.string != msg.string)]
    assert not stale, (f"{len(stale)} messages differ in messages.mo: run pybabel compile -d "
                       f"crm/translations\n" + "\n".join(map(repr, stale[:30])))


def test_an_english_page_keeps_no_vietnamese_in_the_menu(client, officer) -> None:
    client.post("/lang/en", data={"next": "/firms/"})
    page = client.get("/firms/").get_data(as_text=True)
    menu = page.split("<main", 1)[0]
    for word in ("Home", "Firms", "Opportunities", "Partners", "Support log", "Programmes",
                 "Tools", "Log out", officer.name, "· Officer"):
        assert word in menu
    assert not re.search(r"[\u00c0-\u1ef9]", menu.replace("Tiếng Việt", "")), menu


def test_untranslated_check_reports_missing_empty_and_fuzzy_messages() -> None:
    code, en = Catalog(), Catalog(locale="en")
    for msgid in ("Mới", "Trống", "Mờ", "Đủ"):
        code.add(msgid, locations=[("templates/x.html", 1)])
    en.add("Trống", "")
    en.add("Mờ", "Blurred", flags=["fuzzy"])
    en.add("Đủ", "Enough")
    assert [p.split(":")[0] for p in untranslated(code, en)] == [
        "missing", "untranslated", "fuzzy"]


# Words of the interface that firm, product and opportunity data do not use: on an English
# page any of them is a leftover of the Vietnamese interface.
UI_WORDS = ("Lưu", "Thêm", "Xóa", "Hủy", "Tìm kiếm", "Trạng thái", "Chưa có", "Quay lại",
            "Đăng xuất", "Xuất Excel", "Lọc", "Chọn", "Sửa", "Ghi nhận", "Không có", "Tất cả",
            "Xem", "Hạn", "Cán bộ", "Ngày", "Trang", "Kết quả", "Đã", "Chưa")


def _english_pages(app) -> list[str]:
    """Every GET page of the app that needs no argument (downloads and exports aside)."""
    skip = ("static", "bootstrap", "auth.logout", "api", "export", "download", "openapi")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not any(
                s in rule.endpoint or s in rule.rule for s in skip):
            urls.append(rule.rule)
    return sorted(set(urls))


def test_english_pages_keep_no_vietnamese_interface_words(app, client, db, login_as) -> None:
    from tests import factories

    firm = factories.make_firm()
    db.session.commit()
    login_as("admin")
    client.post("/lang/en", data={"next": "/"})
    flask_babel.refresh()
    leftovers = {}
    for url in [*_english_pages(app), f"/firms/{firm.id}"]:
        resp = client.get(url)
        if resp.status_code != 200 or "text/html" not in resp.content_type:
            continue
        main = resp.get_data(as_text=True).split("<main", 1)[-1]
        # Vietnamese on purpose (column headings an officer's file may use) is marked lang="vi"
        main = re.sub(r'<span lang="vi">.*?</span>', " ", main, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", main)
        found = [w for w in UI_WORDS if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
        if found:
            leftovers[url] = found
    assert leftovers == {}
