"""The main journeys in Chromium against a live server: officer, manager, enterprise,
language switch; the layout at 1366 and 390 px; axe-core on the main pages."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from crm import clock
from tests.browser.conftest import axe_violations, login

SHOWCASE = "Yến Sào Thiên Ân"


def test_officer_journey_search_firm_log_support_with_follow_up(page: Page) -> None:
    login(page, "officer@demo.vn")
    expect(page.locator("h1")).to_have_text("Việc của tôi")
    expect(page.locator("#home-tasks")).to_be_visible()
    page.get_by_role("link", name="Doanh nghiệp", exact=True).click()
    page.fill("input[name=q]", "yen sao thien an")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=re.compile(SHOWCASE)).first.click()
    expect(page.locator("h1")).to_contain_text(SHOWCASE)
    page.get_by_role("link", name="Ghi nhận hỗ trợ").first.click()
    page.select_option("select[name=kind]", "consulting")
    page.fill("textarea[name=summary]", "Tư vấn hồ sơ xuất khẩu sang UAE (thử trình duyệt)")
    due = clock.today() + timedelta(days=7)
    page.fill("input[name=follow_up_title]", "Gửi bảng giá cho nhà nhập khẩu Dubai")
    page.fill("input[name=follow_up_due_on]", due.isoformat())
    page.get_by_role("button", name="Lưu hoạt động").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã ghi nhận")
    expect(page.get_by_text("Tư vấn hồ sơ xuất khẩu sang UAE").first).to_be_visible()
    page.get_by_role("link", name="Trang chính").click()
    expect(page.locator("#upcoming-tasks")).to_contain_text("Gửi bảng giá cho nhà nhập khẩu")


def test_manager_journey_ranking_shortlist_pipeline_export(page: Page) -> None:
    login(page, "manager@demo.vn")
    expect(page.locator("#home-team")).to_be_visible()
    page.get_by_role("link", name="Cơ hội", exact=True).click()
    page.locator("table a[href^='/opportunities/']").first.click()
    boxes = page.locator("input[name=firm_ids]")
    expect(boxes.first).to_be_visible()
    boxes.nth(0).check()
    page.locator("form[action$='/shortlist'] textarea[name=justification]").fill(
        "Đủ chứng nhận, năng lực phù hợp")
    page.locator("form[action$='/shortlist'] [type=submit]").last.click()
    expect(page.locator(".alert-success").first).to_be_visible()
    page.locator("a[href$='/board']").first.click()
    board = page.locator(".board")
    expect(board).to_be_visible()
    # The board scrolls inside its own box, its column headers stay put.
    assert board.evaluate("b => getComputedStyle(b).overflowY") == "auto"
    assert page.locator(".board-column > .card-header").first.evaluate(
        "h => getComputedStyle(h).position") == "sticky"
    with page.expect_download() as download:
        page.locator("a[href$='/export.xlsx']").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_enterprise_edits_profile_and_officer_verifies(browser, base_url: str) -> None:
    firm_ctx = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 768})
    page = firm_ctx.new_page()
    login(page, "enterprise@demo.vn")
    page.get_by_role("link", name="Hồ sơ doanh nghiệp").click()
    page.get_by_role("link", name="Sửa hồ sơ").click()
    page.fill("input[name=website]", "https://thienan-browser-test.vn")
    page.locator("form [type=submit]").last.click()
    expect(page.locator(".alert-success")).to_be_visible()
    firm_ctx.close()
    staff_ctx = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 768})
    page = staff_ctx.new_page()
    login(page, "officer@demo.vn")
    page.locator("#home-verifications").get_by_role("link", name="Xác minh").first.click()
    card = page.locator(".card", has_text="thienan-browser-test.vn").first
    expect(card).to_be_visible()
    card.get_by_role("button", name="Xác minh tất cả").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.get_by_text("thienan-browser-test.vn")).to_have_count(0)
    staff_ctx.close()


def test_language_switch_translates_the_page_and_back(page: Page) -> None:
    login(page, "officer@demo.vn")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("My tasks")
    expect(page.get_by_role("navigation").get_by_role("link", name="Support log")).to_be_visible()
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text("Việc của tôi")


PAGES = ["/home/", "/firms/", "/support/", "/opportunities/", "/programmes/"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_top_bar_is_one_line_at_1366_and_collapses_at_390(page: Page, lang: str) -> None:
    login(page, "admin@demo.vn")  # the admin has the most menu entries
    if lang == "en":
        page.get_by_role("button", name="English").click()
    for path in PAGES:
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(path)
        nav = page.locator("nav.navbar")
        brand = page.locator(".navbar-brand").bounding_box()
        height = nav.bounding_box()["height"]
        assert height <= brand["height"] + 24, f"top bar wraps on {path} ({lang}): {height}px"
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, path
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.locator(".navbar-toggler")).to_be_visible()
        expect(page.locator("#main-menu")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, \
            f"{path} ({lang}) wider than a phone"
    page.locator(".navbar-toggler").click()
    expect(page.locator("#main-menu")).to_be_visible()


def _firm_and_opportunity(page: Page) -> tuple[str, str]:
    page.goto("/firms/?q=yen+sao+thien+an")
    firm = page.get_by_role("link", name=re.compile(SHOWCASE)).first.get_attribute("href")
    page.goto("/opportunities/")
    opp = page.locator("table a[href^='/opportunities/']").first.get_attribute("href")
    return firm, opp


def test_main_pages_have_no_serious_accessibility_violation(page: Page) -> None:
    login(page, "officer@demo.vn")
    firm, opp = _firm_and_opportunity(page)
    found = {}
    for path in ["/home/", "/firms/", firm, opp, "/support/"]:
        page.goto(path)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_import_journey_upload_dry_run_import_then_find_the_firm(page: Page, tmp_path) -> None:
    from crm.validators import synthetic_tax_codes

    tax_code = next(synthetic_tax_codes(1, prefix="77"))
    sheet = tmp_path / "danh-sach.csv"
    sheet.write_text(
        "STT,Tên doanh nghiệp,Mã số thuế,Tỉnh/Thành phố,Sản phẩm chính,Mã HS\n"
        f"1,Công ty TNHH Nước Mắm Thử Trình Duyệt,{tax_code},Khánh Hòa,Nước mắm cá cơm,210390\n",
        encoding="utf-8-sig")
    login(page, "officer@demo.vn")
    page.goto("/imports/")
    page.set_input_files("input[type=file]", str(sheet))
    page.locator("main form [type=submit]").first.click()
    page.get_by_role("button", name="Chạy thử (không ghi gì)").click()
    page.get_by_role("button", name="Nhập dữ liệu").click()
    expect(page.locator("main")).to_contain_text("danh-sach.csv")
    page.goto(f"/firms/?q={tax_code}")
    expect(page.locator("main")).to_contain_text("Nước Mắm Thử Trình Duyệt")


def _tab_to(page: Page, text: str, limit: int = 40) -> None:
    """Press Tab until the focused element's text is `text` (keyboard only, no mouse)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => (document.activeElement.innerText || '').trim()") == text:
            return
    raise AssertionError(f"{text!r} is not reachable with Tab")


def _focus_is_visible(page: Page) -> bool:
    """Whether the focused element shows a focus ring (outline or box shadow)."""
    return page.evaluate("""() => {
        const s = getComputedStyle(document.activeElement);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
        return outline || (s.boxShadow && s.boxShadow !== 'none');
    }""")


def test_keyboard_only_sign_in_skip_link_and_menu_with_visible_focus(page: Page) -> None:
    from crm.demodata.demoset import DEMO_PASSWORD

    page.goto("/login")
    page.focus("input[name=email]")
    page.keyboard.type("officer@demo.vn")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Việc của tôi")
    page.keyboard.press("Tab")  # the first stop is the skip link, shown when focused
    skip = page.get_by_role("link", name="Bỏ qua menu")
    expect(skip).to_be_focused()
    assert skip.is_visible()
    _tab_to(page, "Doanh nghiệp")
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/firms/"))
    page.focus("input[name=q]")
    assert _focus_is_visible(page)
    page.keyboard.type("yen sao")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("Yến")
