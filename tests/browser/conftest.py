"""Real-browser tests: Playwright drives Debian's Chromium against Django's live server.

Chromium comes from the system (`/usr/bin/chromium`, installed by `make test`); Playwright
never downloads a browser. The live server runs in a thread of this process, so the
locmem mail outbox holds the verification emails it sends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.browser.pages import DESKTOP

CHROMIUM = os.environ.get("CLINIC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the network is closed: no update or sync calls
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="package", autouse=True)
def _sync_playwright_beside_django() -> Iterator[None]:
    """Playwright's sync API keeps an asyncio loop running in this thread, which makes
    Django refuse ORM calls from the test code. Allowed here only, and only while the
    browser tests run."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def playwright(_sync_playwright_beside_django: None, django_db_setup: None) -> Iterator[Playwright]:
    """pytest-playwright's fixture, narrowed to this package: its event loop stops when the
    browser tests end, so the rest of the suite runs without it.

    While that loop runs, Django hands this thread other connection objects (connections
    are "thread critical": per asyncio context once a loop runs). They get the snapshot of
    the migrated database that serialized rollback restores (the seeded catalog and
    groups), and are closed before the loop stops.
    """
    snapshots = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as pw:
        for alias, contents in snapshots.items():
            connections[alias]._test_serialized_contents = contents
        yield pw
        connections.close_all()


class Chromium:
    """Debian's Chromium, launched on first use and again whenever it went away: a browser
    that crashed (Playwright's TargetClosedError, seen once in a whole run) fails the test
    it was running, not every browser test after it."""

    def __init__(self, playwright: Playwright) -> None:
        self.playwright = playwright
        self.running: Browser | None = None

    def __call__(self) -> Browser:
        if self.running is None or not self.running.is_connected():
            self.running = self.playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
        return self.running

    def close(self) -> None:
        if self.running is not None and self.running.is_connected():
            self.running.close()


@pytest.fixture(scope="package")
def chromium(playwright: Playwright) -> Iterator[Chromium]:
    """One Chromium for the package's tests (see Chromium)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    launcher = Chromium(playwright)
    yield launcher
    launcher.close()


@pytest.fixture
def browser(chromium: Chromium) -> Browser:
    """pytest-playwright's `browser`, for each test the package's running Chromium."""
    return chromium()


@pytest.fixture(scope="session")
def browser_context_args() -> dict:
    return {"viewport": {"width": DESKTOP, "height": 900}, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(10_000)


@pytest.fixture
def clinic(live_db, live_server) -> str:
    """The demo clinic (logins, practitioners, rooms, devices, hours) on the live server."""
    from demo import data as demo

    cache.clear()  # allauth's rate limits live in the cache
    demo.load()
    return live_server.url
