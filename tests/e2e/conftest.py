"""Browser fixtures: a real headless Chromium driven by Playwright, and a live server.

The browser is Debian's ``/usr/bin/chromium`` (never a downloaded build); the server is
the real app served by uvicorn on a free loopback port, in a background thread.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn

from controltower.bootstrap import create_app
from controltower.settings import Settings
from helpers.live_server import LiveServer, sign_in
from helpers.people import add_test_person

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("CT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(migrated_database_url: str) -> Iterator[LiveServer]:
    port = _free_port()
    settings = Settings(DATABASE_URL=migrated_database_url, host="127.0.0.1", port=port)
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:  # pragma: no cover - diagnostic path
        raise RuntimeError("the live server did not start")
    person = add_test_person(migrated_database_url, "admin")
    try:
        yield LiveServer(url=base, database_url=migrated_database_url, person=person)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def anonymous_page(browser: Browser) -> Iterator[Page]:
    """A browser tab nobody has signed in on."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(anonymous_page: Page, live_server: LiveServer) -> Page:
    """A browser tab signed in as the live server's administrator."""
    sign_in(anonymous_page, live_server, live_server.person)
    return anonymous_page
