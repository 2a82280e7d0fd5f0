"""Playwright driving Debian's chromium (Playwright's own browser download is unreachable).

``scripts/browser-deps.sh`` installs chromium; ``OPENDATA_CHROMIUM`` points elsewhere. The
catalog is served by a stdlib HTTP server on a free port and also opened from ``file://``.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.site_helpers import publish_all

CHROMIUM = os.environ.get("OPENDATA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish_all(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="session")
def base_url(catalog: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(catalog)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped on purpose: Playwright's sync API keeps an event loop in this thread while
    it is open, and Prefect, seeing it, turns ``state.result()`` into a coroutine in every flow
    test that runs after it. Closing it with the module keeps the rest of the session sync."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'bash scripts/browser-deps.sh' as root (or set OPENDATA_CHROMIUM)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    offline: list[str] = []

    def only_local(route, request) -> None:
        if request.url.startswith(("http://127.0.0.1", "file://", "data:")):
            route.continue_()
        else:
            offline.append(request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    yield page
    context.close()
    assert not offline, f"the page asked the network for {offline}"
