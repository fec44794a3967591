"""The explore page in Debian's Chromium: drawn map, click for details, no CDN, no XSS."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pandas as pd
import pytest
from playwright.sync_api import Browser, Frame

from geo.model import MeetingPlace, MeetingPlaceKind, Zone, ZoneKind
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import map_frame, open_context, settle, wait_for_runs

pytestmark = pytest.mark.e2e

HOSTILE_PLACE = '<img src=x onerror="window.__xss=1">Bibliotek {{ 7*7 }}'
HOSTILE_ZONE = "<script>window.__xss=2</script>Zon {{ 6*7 }}"
HOSTILE_TEXT = "<b>fet</b><script>window.__xss=3</script> {% if 1 %}ja{% endif %} {{"
"""Markup, and template syntax that branca once ran on the server (`geo.map_render`)."""
PLACE_LON, PLACE_LAT = 13.93, 56.47
"""Far from every demo report, inside the demo boundary (EPSG:4326)."""

REPORT_POSITIONS = """() => {
    const map = window.map, out = [];
    map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.layer && l.getLatLng) {
            const c = map.latLngToContainerPoint(l.getLatLng());
            out.push({layer: p.layer, id: p.id, x: c.x, y: c.y});
        }
    });
    const r = map.getContainer().getBoundingClientRect();
    return {features: out, left: r.left, top: r.top, width: r.width, height: r.height};
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("e2e")
    with demo_app(tmp, f"sqlite:///{tmp / 'e2e.db'}", reports=300, prepare=add_hostile_names) as running:
        yield running


def add_hostile_names(store: Store) -> None:
    """A meeting place, a zone and a report whose names and text are markup, far from the demo's reports."""
    store.add_meeting_places([MeetingPlace(HOSTILE_PLACE, MeetingPlaceKind.LIBRARY, PLACE_LON, PLACE_LAT)])
    box = f"POLYGON (({PLACE_LON - 0.01} {PLACE_LAT - 0.005}, {PLACE_LON + 0.01} {PLACE_LAT - 0.005}, "
    box += f"{PLACE_LON + 0.01} {PLACE_LAT + 0.005}, {PLACE_LON - 0.01} {PLACE_LAT + 0.005}, "
    box += f"{PLACE_LON - 0.01} {PLACE_LAT - 0.005}))"
    store.add_zones([Zone(HOSTILE_ZONE, ZoneKind.PLATSSAMVERKAN, box)])
    store.add_reports_frame(
        pd.DataFrame(
            [
                {
                    "lon": PLACE_LON + 0.004,
                    "lat": PLACE_LAT,
                    "category": "annat",
                    "feeling": "otrygg",
                    "time_of_day": "natt",
                    "status": "ny",
                    "moderation": "published",
                    "source": "web",
                    "text": HOSTILE_TEXT,
                    "created_at": dt.datetime.now(dt.UTC),
                }
            ]
        )
    )


def ref_code_of(database_url: str, report_id: str) -> str:
    frame = Store.open(database_url).reports_frame(columns=("id", "ref_code"))
    return str(frame.set_index("id").loc[report_id, "ref_code"])


def isolated_report(frame: Frame) -> tuple[dict, dict]:
    """A report marker at least 20 px from every other feature, well inside the map."""
    frame.wait_for_function("() => window.map && window.map.getZoom() >= 13", timeout=20_000)
    frame.page.wait_for_timeout(500)  # let the move settle
    layout = frame.evaluate(REPORT_POSITIONS)
    features = layout["features"]
    for feature in features:
        if feature["layer"] != "report":
            continue
        x, y = feature["x"], feature["y"]
        if not (40 < x < layout["width"] - 40 and 40 < y < layout["height"] - 160):
            continue
        if all((o is feature) or (o["x"] - x) ** 2 + (o["y"] - y) ** 2 > 400 for o in features):
            return feature, layout
    raise AssertionError(f"no isolated report marker to click: {len(features)} features, {layout}"[:600])


def on_page(frame: Frame, layer: str) -> tuple[float, float]:
    """Where on the page the first feature of ``layer`` is drawn now."""
    layout = frame.evaluate(REPORT_POSITIONS)
    feature = next(f for f in layout["features"] if f["layer"] == layer)
    box = frame.frame_element().bounding_box()
    return box["x"] + layout["left"] + feature["x"], box["y"] + layout["top"] + feature["y"]


def test_map_draws_reports_and_a_click_shows_details_without_leaving_localhost(
    app: RunningApp, browser: Browser
) -> None:
    browsing = open_context(browser, viewport={"width": 1400, "height": 1000})
    page = browsing.page
    page.goto(f"{app.url}/?z=13&lat=56.462&lon=13.598")
    frame = map_frame(page)
    assert frame.query_selector(".trygg-legend") is not None
    report, layout = isolated_report(frame)
    iframe_box = frame.frame_element().bounding_box()
    page.mouse.click(iframe_box["x"] + layout["left"] + report["x"], iframe_box["y"] + layout["top"] + report["y"])
    ref_code = ref_code_of(app.database_url, report["id"])
    # the details appear at once, drawn by the browser (no server round trip)
    frame.locator(".leaflet-popup .trygg-popup", has_text=ref_code).last.wait_for(timeout=2_000)
    assert browsing.external_requests == []
    browsing.context.close()


def test_user_text_is_shown_as_text_never_run(app: RunningApp, browser: Browser) -> None:
    browsing = open_context(browser, viewport={"width": 1400, "height": 1000})
    page = browsing.page
    page.goto(f"{app.url}/?z=16&lat={PLACE_LAT}&lon={PLACE_LON}")
    frame = map_frame(page)
    frame.wait_for_function("() => window.map && window.map.getZoom() === 16", timeout=20_000)
    page.wait_for_timeout(500)
    layout = frame.evaluate(REPORT_POSITIONS)
    place = next(f for f in layout["features"] if f["layer"] == "meeting_place")
    iframe_box = frame.frame_element().bounding_box()
    x, y = iframe_box["x"] + layout["left"] + place["x"], iframe_box["y"] + layout["top"] + place["y"]
    page.mouse.move(x, y)
    tooltip = frame.locator(".leaflet-tooltip").first
    tooltip.wait_for(timeout=10_000)
    assert "<img" in tooltip.inner_text()
    assert "{{ 7*7 }}" in tooltip.inner_text(), "template syntax in a name is shown as written"
    page.mouse.click(x, y)
    frame.locator(".leaflet-popup .trygg-popup .title", has_text="Bibliotek {{ 7*7 }}").last.wait_for(timeout=2_000)
    # a popup may pan the map: where the features are now
    x, y = on_page(frame, "report")
    page.mouse.click(x, y)
    frame.locator(".leaflet-popup .trygg-popup", has_text="{% if 1 %}ja{% endif %} {{").last.wait_for(timeout=2_000)
    x, y = on_page(frame, "meeting_place")
    page.mouse.click(x + 60, y + 60)  # inside the hostile zone, away from the place and the report
    frame.locator(".leaflet-popup .trygg-popup .title", has_text="Zon {{ 6*7 }}").last.wait_for(timeout=2_000)
    page.get_by_text("Kartans innehåll som lista").click()
    page.locator("[data-testid='stExpander']").get_by_text("<img src=x", exact=False).first.wait_for(timeout=10_000)
    for each in page.frames:
        assert each.evaluate("() => window.__xss === undefined"), "a user-supplied name ran as script"
    assert frame.locator("img[src='x']").count() == 0
    assert browsing.external_requests == []
    browsing.context.close()


def test_page_assets_come_only_from_the_app(app: RunningApp, browser: Browser) -> None:
    browsing = open_context(browser)
    page = browsing.page
    page.goto(app.url)
    frame = map_frame(page)
    sources = frame.evaluate(
        "() => [...document.querySelectorAll('script[src], link[href]')].map(e => e.src || e.href)"
    )
    assert sources, "the map frame loaded no scripts"
    assert all(s.startswith(app.url) for s in sources), sources
    assert browsing.external_requests == []
    browsing.context.close()


def test_a_map_that_never_loads_still_gets_the_filters_language_and_log_in(app: RunningApp, browser: Browser) -> None:
    """The first view sends the map alone and waits for its rerun; when the map's code
    does not load, the rest of the page still comes.

    The map component's files are blocked in Chromium itself (DevTools
    ``Network.setBlockedURLs``), not by Playwright routing, which would change how
    Streamlit creates component iframes (../shared/TESTING.md)."""
    browsing = open_context(browser, viewport={"width": 1400, "height": 1000})
    page = browsing.page
    devtools = browsing.context.new_cdp_session(page)
    devtools.send("Network.enable")
    devtools.send("Network.setBlockedURLs", {"urls": ["*/component/streamlit_folium*"]})
    page.goto(app.url)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_text("Inloggning för personal").wait_for(timeout=30_000)
    sidebar.get_by_role("combobox", name="Språk").wait_for(timeout=15_000)
    sidebar.get_by_text("Kategori").first.wait_for(timeout=15_000)
    assert not [f for f in page.frames if f.query_selector(".leaflet-container")], "the map loaded after all"
    browsing.context.close()


def test_once_drawn_the_map_page_stays_quiet(app: RunningApp, browser: Browser) -> None:
    """No timer keeps rerunning the page after the map's own rerun came."""
    browsing = open_context(browser, viewport={"width": 1400, "height": 1000})
    page = browsing.page
    received: list[float] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda _payload: received.append(time.monotonic())))
    page.goto(app.url)
    map_frame(page)
    page.locator("[data-testid='stSidebar']").get_by_text("Inloggning för personal").wait_for(timeout=30_000)
    wait_for_runs(page, 2)  # the first run, then the one st_folium asks for with the map's bounds
    settle(page)
    quiet_from = time.monotonic()
    page.wait_for_timeout(10_000)
    assert [t for t in received if t > quiet_from] == []
    browsing.context.close()
