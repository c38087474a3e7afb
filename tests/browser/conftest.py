"""
Real-browser journeys: Playwright for Python driving Debian's Chromium (/usr/bin/chromium) against
pytest-django's live server. Playwright's own browser download is never used (`playwright install`
is not run anywhere); .ci/run apt-installs chromium when it is missing.

In CI (CI=true) a missing Chromium fails the run; elsewhere the journeys are skipped with the reason.
Screenshots of every page visited go to test-artifacts/browser/ (git-ignored).
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"


def pytest_collection_modifyitems(config, items):
    # The live server's tests are transactional: the database is emptied after each, seed plans included.
    # Run them after every other test so none of those finds the seed plans gone.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does this)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + ": in CI the browser journeys must run, not be skipped")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls from a thread
    # with a running loop. The tests make their ORM calls between browser steps, never concurrently.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Screens:
    """Saves a numbered full-page screenshot of each page a journey visits."""

    def __init__(self, folder: Path):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        self.count = 0

    def __call__(self, page, name: str) -> Path:
        self.count += 1
        slug = re.sub(r"[^\w-]+", "-", name)
        path = self.folder / f"{self.count:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screens(request):
    return Screens(ARTIFACTS / request.node.name)


@pytest.fixture
def contexts(chromium):
    """New browser contexts (one person's cookies each), all closed when the test ends, so no open
    connection of theirs is left for the live server to serve while it shuts down."""
    opened = []

    def new_context():
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True)
        opened.append(context)
        return context

    yield new_context
    for context in opened:
        context.close()
