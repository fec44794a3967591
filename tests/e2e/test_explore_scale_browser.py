"""In Debian's Chromium, network cut: H3 cells at low zoom, single reports at high zoom, nothing from outside."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from geo.demo import seed_demo
from geo.store import Store
from tests.e2e.conftest import RunningApp, map_frame, open_context, start_app, stop_app

pytestmark = pytest.mark.e2e

LAYER_KINDS = """() => {
    const kinds = {};
    window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.layer) kinds[p.layer] = (kinds[p.layer] || 0) + 1;
    });
    return kinds;
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, app_database_url: str) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("e2e-scale")
    url = app_database_url
    store = Store.open(url)
    seed_demo(store, reports=3000)
    store.close()
    running = start_app(Path(tmp), url)
    yield running
    stop_app(running)


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
