"""Browser tests: one Debian Chromium per session (the helpers live in `tests.support`).

The names below are re-exported so that ``from tests.e2e.conftest import ...`` keeps working;
new code imports from ``tests.support.app`` and ``tests.support.browser``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.support.app import RunningApp, demo_app, start_app, stop_app
from tests.support.browser import (
    AXE_TAGS,
    DESKTOP,
    LOCAL_HOSTS,
    PHONE,
    RUNNING,
    Browsing,
    axe_violations,
    component_frames,
    map_frame,
    open_context,
    settle,
    snap,
)
from tests.support.serving import CHROMIUM, CHROMIUM_ARGS, ROOT

__all__ = [
    "AXE_TAGS",
    "DESKTOP",
    "LOCAL_HOSTS",
    "PHONE",
    "ROOT",
    "RUNNING",
    "Browsing",
    "RunningApp",
    "axe_violations",
    "component_frames",
    "demo_app",
    "map_frame",
    "open_context",
    "settle",
    "snap",
    "start_app",
    "stop_app",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run the README's test command (make test), which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
