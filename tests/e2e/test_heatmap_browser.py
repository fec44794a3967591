"""Karta's heat map for staff (issue #18) in Debian's Chromium, network cut: on a desktop in Swedish
and on a phone with touch in Arabic, a member of staff logs in on the map, switches the reports to
the heat map from the keyboard, sees it drawn (leaflet-heat's canvas, served by the app), reads the
same content in words beside the map, and axe-core finds nothing; nothing leaves localhost."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Frame, Page, expect

from geo.i18n import Translator, translator
from geo.layers import ReportFilter, count_reports
from geo.model import Role
from geo.store import Store
from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    RunningApp,
    axe_violations,
    demo_app,
    map_frame,
    open_context,
    settle,
    snap,
)
from tests.support.browser import choose, log_in_as_staff, open_menu

pytestmark = pytest.mark.e2e

USER, PASSWORD = "kommun.varme", "ett långt lösenord för värmekartan"
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
HEAT_PIXELS = """() => { const c = document.querySelector('canvas.leaflet-heatmap-layer'); if (!c) return -1;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
"""How many pixels of leaflet-heat's canvas are coloured (-1: no heat map in the frame)."""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    from geo.auth import add_user

    tmp = tmp_path_factory.mktemp("e2e-heat")
    with demo_app(
        tmp, f"sqlite:///{tmp / 'heat.db'}", reports=2000, prepare=lambda store: add_user(store, USER, PASSWORD, "team")
    ) as running:
        yield running


def heat_frame(page: Page) -> Frame:
    """The map frame once it shows a drawn heat map (st_folium may have made the frame anew)."""
    for _ in range(120):
        frame = map_frame(page)
        try:
            if frame.evaluate(HEAT_PIXELS) > 0:
                return frame
        except Exception:  # the frame went while we asked
            pass
        page.wait_for_timeout(250)
    raise AssertionError("no heat map was drawn in the map frame")


def shown_count(page: Page, t: Translator) -> int:
    """The number of reports the heat map's summary says it shows."""
    before, after = t("heat.summary", n="§").split("§")
    text = page.get_by_text(re.compile(re.escape(before) + r"\d+" + re.escape(after))).inner_text()
    return int(text[len(before) : len(text) - len(after)])


def close_menu(page: Page) -> None:
    """On a phone the open menu covers the map: fold it away again."""
    collapse = page.locator("[data-testid='stSidebarCollapseButton'] button")
    if page.viewport_size and page.viewport_size["width"] < 500 and collapse.count():
        collapse.first.click()
        page.locator("section[data-testid='stSidebar'][data-collapsed='true']").wait_for(
            state="attached", timeout=10_000
        )


@pytest.mark.parametrize(("viewport", "lang"), [("desktop", "sv"), ("phone", "ar")])
def test_issue_18_staff_switch_karta_to_a_heat_map_by_keyboard(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    t = translator(lang)
    browsing = open_context(browser, **VIEWPORTS[viewport])
    page = browsing.page
    page.goto(f"{app.url}/?lang={lang}")
    map_frame(page)
    settle(page)
    log_in_as_staff(page, USER, PASSWORD, lang)
    settle(page)
    open_menu(page)
    toggle = (
        page.locator("[data-testid='stSidebar'] [data-testid='stCheckbox']")
        .filter(has_text=t("heat.toggle"))
        .locator("input")
    )
    toggle.wait_for(timeout=20_000)
    expect(toggle).not_to_be_checked()
    assert map_frame(page).evaluate(HEAT_PIXELS) == -1, "no heat map before it is asked for"
    toggle.focus()
    page.keyboard.press("Space")
    expect(toggle).to_be_checked(timeout=10_000)
    settle(page)
    close_menu(page)
    frame = heat_frame(page)
    name = f"heatmap-{viewport}-{lang}"
    assert frame.locator("canvas.leaflet-heatmap-layer").count() == 1
    legend = frame.locator(".trygg-legend")
    expect(legend).to_contain_text(t("heat.legend_many"))
    page.wait_for_function("() => /[?&]heat=1/.test(location.search)", timeout=15_000)

    # the same content in words, beside the map
    before, after = t("heat.summary", n="§").split("§")
    summary = page.get_by_text(re.compile(re.escape(before) + r"\d+" + re.escape(after)))
    expect(summary).to_be_visible(timeout=20_000)
    link = page.get_by_role("link", name=t("heat.hotspots_link"))
    expect(link).to_be_visible()
    frame.frame_element().scroll_into_view_if_needed()
    snap(page, f"{name}-drawn")
    link.scroll_into_view_if_needed()
    snap(page, f"{name}-words")
    everything = shown_count(page, t)

    # a filter changes what is drawn: an area's reports only (counted as the store counts them)
    store = Store.open(app.database_url)
    zone = store.zones()[0]
    inside = count_reports(store, ReportFilter(zone_id=zone.id), viewer=Role.TEAM)
    open_menu(page)
    choose(page, t("filter.zone"), zone.name, within=page.locator("[data-testid='stSidebar']"))
    settle(page)
    close_menu(page)
    page.wait_for_function(
        "(n) => document.body.innerText.includes(n)", arg=t("heat.summary", n=inside), timeout=20_000
    )
    assert inside < everything
    frame = heat_frame(page)

    # zooming in keeps the map and the heat map (the legend does not change with the zoom)
    frame.evaluate("() => { window.__tryggSameMap = true; }")
    zoom = frame.evaluate("() => window.map.getZoom()")
    frame.locator(".leaflet-control-zoom-in").click()
    frame.wait_for_function(f"() => window.map.getZoom() === {zoom + 1}", timeout=10_000)
    settle(page)
    frame = heat_frame(page)
    assert frame.evaluate("() => window.__tryggSameMap === true"), "the map was re-created"
    assert frame.evaluate("() => window.map.getZoom()") == zoom + 1, "the map bounced back"
    snap(page, f"{name}-zone")

    assert axe_violations(page) == []
    assert browsing.external_requests == []
    browsing.context.close()
