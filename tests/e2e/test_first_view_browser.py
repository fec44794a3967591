"""Issue 22: Rapportera's first view, as a shared link opens it, in Debian's Chromium (network cut).

The page connects where its server is at once (`geo.page_html`: no probe of a wrong base first,
also under a base path as behind a municipality's proxy), the map is sent alone, and what comes
above it a moment later (the position button, the place search) comes into the room kept for it:
the map does not jump and is not drawn anew; the language picker and the log-in follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from geo.i18n import translate
from tests.support.app import RunningApp, demo_app
from tests.support.browser import DESKTOP, PHONE, axe_violations, map_frame, open_context, snap

pytestmark = pytest.mark.e2e

BASE = "trygg"
TIMEOUT_MS = 30_000
MAP_TOP = """() => { const f = document.querySelector('iframe[src*="st_folium"]');
    return f.getBoundingClientRect().top + window.scrollY; }"""
MARK_MAP = """() => { document.querySelector('iframe[src*="st_folium"]').dataset.firstView = "yes"; }"""
SAME_MAP = """() => document.querySelector('iframe[src*="st_folium"]').dataset.firstView === "yes" """


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("e2e-first-view")
    with demo_app(tmp, f"sqlite:///{tmp / 'first.db'}", reports=50) as running:
        yield running


def health_probes(page: Page) -> list[str]:
    found: list[str] = []
    page.on("request", lambda r: found.append(r.url) if "_stcore/health" in r.url else None)
    return found


@pytest.mark.parametrize(("viewport", "lang"), [("phone", "sv"), ("desktop", "ar")])
def test_issue_22_rapportera_opens_with_its_map_first_and_the_rest_comes_without_a_jump(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    browsing = open_context(browser, **(PHONE if viewport == "phone" else DESKTOP))
    page = browsing.page
    health = health_probes(page)
    page.goto(f"{app.url}/rapportera?lang={lang}")
    map_frame(page)
    page.evaluate(MARK_MAP)
    top = page.evaluate(MAP_TOP)

    page.get_by_role("button", name=translate("report.locate", lang)).wait_for(timeout=TIMEOUT_MS)
    page.locator(".st-key-report_search").wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stSidebar'] .st-key-lang").wait_for(state="attached", timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    snap(page, f"report-first-view-{viewport}-{lang}")
    assert page.evaluate(SAME_MAP), "the map was drawn anew when the rest of the page came"
    assert abs(page.evaluate(MAP_TOP) - top) < 8, "the map jumped when what is above it came"
    assert page.locator(".trygg-finder-space").count() == 0
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_by_text(translate("app.language", lang), exact=True).count() >= 1
    assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == [
        lang,
        "rtl" if lang == "ar" else "ltr",
    ]
    assert health == [f"{app.url}/_stcore/health"], "the page asked its server's health where it is, once"
    assert axe_violations(page) == []
    assert browsing.external_requests == []
    browsing.context.close()


def test_issue_22_under_a_base_path_the_page_connects_there_at_once(tmp_path: Path, browser: Browser) -> None:
    # a municipality's proxy serves the app under /trygg (Streamlit's server.baseUrlPath)
    env = {"STREAMLIT_SERVER_BASE_URL_PATH": BASE}
    with demo_app(tmp_path, f"sqlite:///{tmp_path / 'base.db'}", reports=50, extra_env=env) as served:
        browsing = open_context(browser, **PHONE)
        page = browsing.page
        health = health_probes(page)
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        page.goto(f"{served.url}/{BASE}/status")
        page.get_by_role("heading", name=translate("status.title", "sv")).wait_for(timeout=TIMEOUT_MS)
        assert health == [f"{served.url}/{BASE}/_stcore/health"]

        # the maps' scripts and styles come from under the base path too, and the maps draw
        for address in ("", "rapportera", "motesplatser"):
            page.goto(f"{served.url}/{BASE}/{address}")
            frame = map_frame(page)
            assert frame.evaluate("() => typeof L === 'object' && !!window.map")
        snap(page, "places-under-a-base-path-phone-sv")
        assert missing == [], f"asked for and not found: {missing}"
        assert browsing.external_requests == []
        browsing.context.close()
