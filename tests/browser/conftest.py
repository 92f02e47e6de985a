"""A live server on a demo database, and Debian's Chromium driven by pytest-playwright.

The database is built once per run from the demo generator (300 firms, ~9 s); the app is
served by werkzeug in a thread on a free port. Every test is skipped, with the reason, where
/usr/bin/chromium or playwright is missing. pytest-playwright saves a screenshot of each
failing test's page under test-results/ (--screenshot only-on-failure, set below).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
DEMO_FIRMS = 300
AXE = Path(__file__).parent / "vendor" / "axe.min.js"

try:
    import playwright  # noqa: F401
    _PLAYWRIGHT = None
except ImportError:  # pragma: no cover
    _PLAYWRIGHT = "playwright is not installed"


def _missing() -> str | None:
    if _PLAYWRIGHT:
        return _PLAYWRIGHT
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium against a live server")
    if getattr(config.option, "screenshot", None) == "off":
        config.option.screenshot = "only-on-failure"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, no browser download."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a demo database, served on a free port; yields its base URL."""
    if _missing():
        pytest.skip(_missing())
    from werkzeug.serving import make_server

    from crm import create_app
    from crm.config import Config
    from crm.demodata.demoset import build_demo
    from crm.extensions import db
    from crm.refdata import load_reference_data

    path = tmp_path_factory.mktemp("browser") / "demo.db"

    class LiveConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    app = create_app(LiveConfig)
    with app.app_context():
        db.create_all()
        load_reference_data()
        build_demo(n_firms=DEMO_FIRMS)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright's base_url: relative page.goto() paths go to the live server."""
    return live_server


def login(page, email: str) -> None:
    """Sign in through the login form (demo password)."""
    from crm.demodata.demoset import DEMO_PASSWORD

    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("input[type=submit], button[type=submit] >> nth=-1")
    page.wait_for_load_state()


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's WCAG 2.x A/AA violations of the page with one of `impacts`."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}
    })""")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in result["violations"] if v["impact"] in impacts]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """1366 x 768, Vietnamese; CSP bypassed only so that axe-core can be injected."""
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768},
            "locale": "vi-VN", "bypass_csp": True, "accept_downloads": True}
