"""The forum in headless Chromium against the real web process (the Stack of the inbox
tests: gunicorn, worker, scheduler)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.agent_ui.conftest import (
    CHROMIUM,
    FLAGS,
    stack,  # noqa: F401 - shared fixture
)

XSS_INIT = "window.__xss = 0;"
INBOX_TESTS = "tests/agent_ui"


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    """Playwright's sync API runs one instance per thread: reuse the session-scoped
    ``browser`` of the inbox tests (tests/agent_ui/conftest.py) instead of starting a
    second one, whichever suite runs first. (Moving that fixture to tests/conftest.py
    would make this lookup unnecessary.)"""
    manager = request._fixturemanager  # noqa: SLF001 - pytest 9 internals
    for table in ("_arg2node2fixturedefs", "_arg2nodeid2fixturedefs"):
        for definitions in getattr(manager, table, {}).get("browser", {}).values():
            for definition in definitions:
                if definition.baseid == INBOX_TESTS:
                    yield definition.execute(request)  # type: ignore[arg-type]
                    return
    with sync_playwright() as playwright:  # the inbox tests are not collected in this run
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Watched:
    """A page that records dialogs, page errors and CSP violations."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.page: Page = context.new_page()
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", self._console)

    def _console(self, message) -> None:  # noqa: ANN001
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def xss_fired(self) -> bool:
        return bool(self.page.evaluate("window.__xss"))


@pytest.fixture
def open_page(browser: Browser) -> Iterator:  # noqa: F811
    contexts: list[BrowserContext] = []

    def make(locale: str = "fr-FR") -> Watched:
        context = browser.new_context(locale=locale)
        context.add_init_script(XSS_INIT)
        contexts.append(context)
        return Watched(context)

    yield make
    for context in contexts:
        context.close()
