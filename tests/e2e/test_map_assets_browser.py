"""Every map page with the light asset set (issue #22): Leaflet alone (and Leaflet.draw where
zones are drawn), no jQuery, Bootstrap, Font Awesome or awesome-markers, and still every feature
kind, the legend, popups, tooltips and controls, in Swedish, English and Arabic, in Debian's
Chromium with the network cut.

One served app (the demo, an admin), one browser, one context per language: the admin logs in
once and the typed addresses find the session by its cookie.
"""

from __future__ import annotations

import html as html_module
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Frame, Page

from geo import assets
from geo.auth import add_user
from geo.i18n import translator
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import (
    DESKTOP,
    log_in_as_staff,
    map_frame,
    open_context,
    settle,
    snap,
    wait_for_session_cookie,
)

pytestmark = pytest.mark.e2e
PASSWORD = "administratörens lösenord"
TIMEOUT_MS = 45_000


@dataclass(frozen=True)
class MapPage:
    kinds: set[str]
    """Feature kinds (``properties.layer``) drawn at the page's first view."""
    legend: bool = False
    tooltips: bool = True
    extra: frozenset[str] = frozenset()
    """Vendored assets beyond Leaflet's that the page's map uses."""
    marks: tuple[str, ...] = ()
    """Elements of our own the map shows (CSS selectors)."""


MAP_PAGES = {
    "": MapPage({"hex", "meeting_place", "zone", "boundary"}, legend=True),
    "rapportera": MapPage({"boundary"}, tooltips=False, marks=(".trygg-crosshair",)),
    "medborgarloften": MapPage({"zone", "report"}, legend=True),
    "granskning": MapPage({"report"}),
    "omraden": MapPage(
        {"zone"}, extra=frozenset({"leaflet_draw_js", "leaflet_draw_css"}), marks=(".leaflet-draw-toolbar",)
    ),
}
KINDS = """() => { const kinds = new Set(); window.map.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.layer) kinds.add(p.layer); }); return [...kinds].sort(); }"""
LOADED = "() => performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"
WITH_DETAILS = """() => { let found = null; window.map.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (!found && p && p.t) found = l; }); if (!found) return null;
    const at = found.getLatLng ? found.getLatLng() : found.getBounds().getCenter();
    found.fire('click', {latlng: at}, true); return found.feature.properties.t; }"""
HOVER = """() => { let found = null; window.map.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (!found && p && p.label) found = l; }); if (!found) return null;
    const at = found.getLatLng ? found.getLatLng() : found.getBounds().getCenter();
    found.fire('mouseover', {latlng: at}, true); return found.feature.properties.label; }"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    def add_admin(store: Store) -> None:
        add_user(store, "admin", PASSWORD, "admin")

    tmp = tmp_path_factory.mktemp("map-assets")
    with demo_app(tmp, f"sqlite:///{tmp / 'maps.db'}", reports=300, prepare=add_admin) as running:
        yield running


def vendored(frame: Frame) -> set[str]:
    """The names (manifest) of the vendored assets the map's frame loaded."""
    by_path = {path: name for name, path in assets.load_manifest().items()}
    return {by_path[path] for path in frame.evaluate(LOADED) if path in by_path}


def check_map(page: Page, path: str, lang: str) -> None:
    shown = MAP_PAGES[path]
    t = translator(lang)
    frame = map_frame(page)
    frame.wait_for_function("() => !!window.map", timeout=TIMEOUT_MS)
    assert vendored(frame) == {"leaflet", "leaflet_css", *shown.extra}, path
    html = frame.content()
    dropped = {assets.load_manifest()[name] for name in assets.LIGHT_MAP_DROP}
    assert not [url for url in dropped if url in html], f"{path}: the map's HTML names a dropped asset"
    assert frame.evaluate("() => typeof window.jQuery === 'undefined' && typeof window.$ === 'undefined'")
    assert shown.kinds <= set(frame.evaluate(KINDS)), (path, frame.evaluate(KINDS))
    assert frame.locator(".leaflet-control-zoom-in").is_visible() and frame.locator(".leaflet-control-scale").count()
    for mark in shown.marks:
        assert frame.locator(mark).first.is_visible(), f"{path}: no {mark}"
    if shown.legend:
        legend = frame.locator(".trygg-legend").first
        legend.wait_for(timeout=TIMEOUT_MS)
        assert t("legend.title") in legend.inner_text()
    if shown.tooltips:
        label = frame.evaluate(HOVER)
        assert label is not None, f"{path}: no feature has a tooltip"
        tooltip = frame.locator(".leaflet-tooltip").last
        tooltip.wait_for(timeout=TIMEOUT_MS)
        assert tooltip.inner_text().strip() == html_module.unescape(label)
    title = frame.evaluate(WITH_DETAILS)
    if title is not None:  # a page whose features carry details opens them in a popup
        popup = frame.locator(".trygg-popup .title").last
        popup.wait_for(timeout=TIMEOUT_MS)
        assert popup.inner_text() == title
        assert frame.locator(".leaflet-popup-close-button").last.get_attribute("aria-label") == t("map.close_popup")


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_issue_22_every_map_page_draws_everything_with_leaflet_alone(
    browser: Browser, app: RunningApp, lang: str
) -> None:
    browsing = open_context(browser, **DESKTOP)
    page = browsing.page
    try:
        page.goto(f"{app.url}/?lang={lang}")
        map_frame(page)
        log_in_as_staff(page, "admin", PASSWORD, lang)
        wait_for_session_cookie(page)
        for path in MAP_PAGES:
            page.goto(f"{app.url}/{path}?lang={lang}")
            page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)
            check_map(page, path, lang)
            settle(page)
            snap(page, f"map-assets-{path or 'karta'}-{lang}")
        assert browsing.external_requests == []
        assert not [e for e in browsing.console_errors if "$" in e or "jQuery" in e or "is not defined" in e]
    finally:
        browsing.context.close()
