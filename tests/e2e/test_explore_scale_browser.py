"""In Debian's Chromium, network cut: H3 cells at low zoom, single reports at high zoom, nothing from outside."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from geo.layers import ReportFilter, count_reports
from geo.model import Role
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import map_frame, open_context, wait_for_runs

pytestmark = pytest.mark.e2e

LAYER_KINDS = """() => {
    const kinds = {};
    window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.layer) kinds[p.layer] = (kinds[p.layer] || 0) + 1;
    });
    return kinds;
}"""
HEX_DRAWN = """() => { let n = 0; window.map.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.layer === 'hex') n++; }); return n > 0; }"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, app_database_url: str) -> Iterator[RunningApp]:
    with demo_app(tmp_path_factory.mktemp("e2e-scale"), app_database_url, reports=3000) as running:
        yield running


def kinds_at(app: RunningApp, browser: Browser, query: str) -> tuple[dict[str, int], list[str]]:
    browsing = open_context(browser, viewport={"width": 1400, "height": 1000})
    page = browsing.page
    page.goto(f"{app.url}/?{query}")
    frame = map_frame(page)
    frame.wait_for_function(
        "() => { let n = 0; window.map.eachLayer(l => { const p = l.feature && l.feature.properties;"
        " if (p && (p.layer === 'hex' || p.layer === 'report')) n++; }); return n > 0; }",
        timeout=30_000,
    )
    kinds = frame.evaluate(LAYER_KINDS)
    external = list(browsing.external_requests)
    browsing.context.close()
    return kinds, external


def test_low_zoom_draws_hexagons_and_high_zoom_draws_reports_without_leaving_localhost(
    app: RunningApp, browser: Browser
) -> None:
    low, external_low = kinds_at(app, browser, "z=10")
    assert low.get("hex", 0) > 0 and low.get("report", 0) == 0, low
    high, external_high = kinds_at(app, browser, "z=17&lat=56.462&lon=13.598")
    assert high.get("report", 0) > 0 and high.get("hex", 0) == 0, high
    assert external_low == external_high == []


def test_public_first_view_loads_no_table_until_asked(app: RunningApp, browser: Browser) -> None:
    browsing = open_context(browser, viewport={"width": 1400, "height": 1000})
    page = browsing.page
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
    page.goto(app.url)
    map_frame(page)
    wait_for_runs(page, 2)  # the first run, then the one st_folium asks for with the map's bounds
    assert page.locator("[data-testid='stDataFrame']").count() == 0
    assert not [url for url in scripts if "/DataFrame." in url], "the table's grid code was loaded unasked"
    page.get_by_text("Visa tabellen").click()
    page.locator("[data-testid='stDataFrame']").wait_for(timeout=30_000)
    assert [url for url in scripts if "/DataFrame." in url]
    assert browsing.external_requests == []
    browsing.context.close()


def test_the_server_warms_the_map_when_it_starts(app: RunningApp) -> None:
    store = Store.open(app.database_url)
    published = count_reports(store, ReportFilter(), viewer=Role.PUBLIC)
    store.close()
    deadline = time.monotonic() + 60
    while "warmed the map" not in app.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert f"warmed the map: {published} published reports located" in app.log.read_text()


def test_clicking_a_hexagon_zooms_into_it(app: RunningApp, browser: Browser) -> None:
    browsing = open_context(browser, viewport={"width": 1400, "height": 1000})
    page = browsing.page
    page.goto(f"{app.url}/?z=10&layers=reports")  # only the cells: nothing else to hit
    frame = map_frame(page)
    frame.wait_for_function(HEX_DRAWN, timeout=30_000)
    wait_for_runs(page, 2)  # the first run, then the one st_folium asks for with the map's bounds
    # the fullest cell in view, where it is on the screen
    target = frame.evaluate(
        """() => { let best = null, most = -1; const view = window.map.getBounds();
        window.map.eachLayer(l => { const p = l.feature && l.feature.properties;
            if (p && p.layer === 'hex' && view.contains(l.getCenter()) && p.shade > most) {
                most = p.shade; best = l; } });
        const c = best.getCenter(), at = window.map.latLngToContainerPoint(c);
        return {x: at.x, y: at.y, zoom: window.map.getZoom(), lat: c.lat, lng: c.lng}; }"""
    )
    box = frame.frame_element().bounding_box()
    container = frame.evaluate(
        "() => { const r = window.map.getContainer().getBoundingClientRect(); return [r.x, r.y]; }"
    )
    page.mouse.click(box["x"] + container[0] + target["x"], box["y"] + container[1] + target["y"])
    frame.wait_for_function(f"() => window.map.getZoom() > {target['zoom']}", timeout=15_000)
    zoomed = frame.evaluate("() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }")
    assert zoomed[2] >= target["zoom"] + 2, zoomed
    assert abs(zoomed[0] - target["lat"]) < 0.02 and abs(zoomed[1] - target["lng"]) < 0.03, (zoomed, target)
    assert browsing.external_requests == []
    browsing.context.close()
