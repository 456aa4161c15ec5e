"""Browser fixtures, loaded for the whole suite from tests/conftest.py (`pytest_plugins`) so that
one Playwright and one Chromium serve every browser test, whichever folder it lives in.

Playwright in the system Chromium (Debian package `chromium`) against pytest-django's live server.

Playwright's sync API runs an event loop in the test's thread; the Django ORM calls the tests
make (factories) are ordinary blocking calls, so Django's async-safety guard is lifted here only.
"""
import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("PORTAL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(
            "The browser tests need Chromium: install the Debian package 'chromium' "
            "(`make test` does this when run as root), or set PORTAL_CHROMIUM to its path."
        )
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


SERIOUS = {"serious", "critical"}
ALWAYS = {"region"}


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """assert_accessible(page): axe-core finds no serious or critical violation on the page, and
    no content outside a landmark."""

    def check(page):
        results = axe.run(page)
        # Serious and critical findings, and content outside any landmark ("region", moderate).
        bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS or v["id"] in ALWAYS]
        summary = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in bad
        )
        assert not bad, f"axe-core found serious or critical violations on {page.url}:\n{summary}"

    return check
