"""A real `streamlit run serve.py` (the app and its HTTP API) and Debian's Chromium with the network cut.

Chromium resolves no host but localhost (``--host-resolver-rules``), so a CDN link
fails to load; every request to another host is also counted, and tests assert the
count is zero. Requests are not routed: with Streamlit, routing stops component
iframes (st_folium) from appearing (shared/TESTING.md).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningApp:
    url: str
    database_url: str
    process: subprocess.Popen
    log: Path


def start_app(tmp: Path, database_url: str, extra_env: dict[str, str] | None = None) -> RunningApp:
    port = free_port()
    log = tmp / f"streamlit-{port}.log"
    env = {**os.environ, "TRYGG_DATABASE_URL": database_url, "TRYGG_TILES_URL": "none", **(extra_env or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return RunningApp(url, database_url, process, log)
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"streamlit did not start: {log.read_text()}")


def stop_app(app: RunningApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.process.kill()


@dataclass
class Browsing:
    context: BrowserContext
    page: Page
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run the README's test command (make test), which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_context(browser: Browser, **options: object) -> Browsing:
    context = browser.new_context(**options)
    browsing = Browsing(context, context.new_page())

    def count(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        host = urlparse(url).hostname
        if url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
            browsing.external_requests.append(url)

    context.on("request", count)
    browsing.page.on("console", lambda m: browsing.console_errors.append(m.text) if m.type == "error" else None)
    return browsing


def map_frame(page: Page, timeout_s: float = 45.0) -> Frame:
    """The st_folium iframe once Leaflet has drawn at least one vector feature."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(".leaflet-container .leaflet-overlay-pane canvas, .leaflet-overlay-pane path"):
                    return frame
            except Exception:  # frames come and go while Streamlit renders
                continue
        page.wait_for_timeout(250)
    raise AssertionError("no Leaflet map with drawn features appeared")
