"""Playwright on Debian's chromium (Playwright's own browser download is not used)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from hub.settings import Settings
from tests.conftest import with_settings
from tests.support.processes import free_port
from tests.support.stack import Stack

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make chromium` (make test does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def stack(services, settings: Settings, tmp_path: Path) -> Iterator[Stack]:
    running = Stack(with_settings(settings, PUBLIC_URL=f"http://127.0.0.1:{free_port()}"),
                    tmp_path).start()
    try:
        yield running
    except BaseException:
        print(running.logs())
        raise
    finally:
        running.stop()
