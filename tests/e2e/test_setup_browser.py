"""Issue 17 in the browser: a deployment started without the demo (``TRYGG_DEMO=0``) shows every
visitor a plain "not set up yet" page at every address, in their language; the admin logs in and
sets it up from a boundary file in SWEREF 99 TM, and the map then opens on that municipality.
Desktop and phone, Swedish and Arabic, axe-core 0 violations, Debian's Chromium with the network
cut. One served app for the module; the tests run in order (the last one sets the deployment up).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from playwright.sync_api import Browser, Page

from geo.i18n import translator
from tests.support.app import RunningApp, start_app, stop_app
from tests.support.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    log_in_as_staff,
    map_frame,
    open_context,
    settle,
    snap,
)

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 45_000
PASSWORD = "administratörens lösenord"
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
LERUM_3006 = shapely.Polygon(
    [(330_000, 6_405_000), (352_000, 6_405_000), (352_000, 6_415_000), (341_000, 6_415_000), (341_000, 6_428_000),
     (330_000, 6_428_000)]
)  # fmt: skip
"""A made-up L-shaped boundary around Lerum, SWEREF 99 TM (EPSG:3006) metres."""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A boundary file as a municipality's GIS team has it (SWEREF 99 TM GeoPackage), and a
    file of points, made here (no fetched data)."""
    folder = tmp_path_factory.mktemp("boundary")
    good, points = folder / "kommungrans.gpkg", folder / "punkter.gpkg"
    gpd.GeoDataFrame({"namn": ["Lerum"]}, geometry=[LERUM_3006], crs="EPSG:3006").to_file(good, driver="GPKG")
    spot = gpd.GeoDataFrame(geometry=[shapely.Point(340_000, 6_410_000)], crs="EPSG:3006")
    spot.to_file(points, driver="GPKG")
    return {"good": good, "points": points}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """A deployment's first start: no demo, an empty database, the first admin from the environment."""
    tmp = tmp_path_factory.mktemp("setup")
    running = start_app(tmp, f"sqlite:///{tmp / 'bare.db'}", {"TRYGG_DEMO": "0", "TRYGG_ADMIN_PASSWORD": PASSWORD})
    yield running
    stop_app(running)


def visit(page: Page, url: str, path: str, lang: str) -> None:
    page.goto(f"{url}/{path}?lang={lang}")
    page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)


def check_document(page: Page, lang: str) -> None:
    expected = [lang, "rtl" if lang == "ar" else "ltr"]
    assert page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]") == expected
    assert axe_violations(page) == []


@pytest.mark.parametrize(("viewport", "lang"), [("desktop", "sv"), ("phone", "ar"), ("desktop", "ar"), ("phone", "sv")])
def test_issue_17_before_the_set_up_every_address_says_not_set_up_yet(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    t = translator(lang)
    browsing = open_context(browser, **VIEWPORTS[viewport])
    page = browsing.page
    for path in ("", "rapportera", "granskning"):
        visit(page, app.url, path, lang)
        snap(page, f"setup-{viewport}-{lang}-not-ready-{path or 'karta'}")
        assert page.locator("h1").first.inner_text() == t("setup.not_ready_title")
        page.get_by_text(t("setup.not_ready")).wait_for(timeout=TIMEOUT_MS)
        assert not page.locator("input[type=file]").count(), "no set-up for the public"
        assert "Traceback" not in page.content()
        check_document(page, lang)
    assert browsing.external_requests == []
    browsing.context.close()


@pytest.mark.parametrize(("viewport", "lang"), [("phone", "ar"), ("desktop", "sv")])
def test_issue_17_the_admin_gets_the_set_up_and_a_file_of_points_is_refused_in_their_language(
    app: RunningApp, browser: Browser, files: dict[str, Path], viewport: str, lang: str
) -> None:
    t = translator(lang)
    browsing = open_context(browser, **VIEWPORTS[viewport])
    page = browsing.page
    visit(page, app.url, "", lang)
    log_in_as_staff(page, "admin", PASSWORD, lang)
    page.get_by_role("heading", name=t("setup.title")).wait_for(timeout=TIMEOUT_MS)
    if viewport == "phone":
        page.locator("[data-testid='stSidebarCollapseButton'] button").click()  # fold the menu over the page
    settle(page)
    check_document(page, lang)
    snap(page, f"setup-{viewport}-{lang}-form")
    page.get_by_role("textbox", name=t("setup.name")).fill("Lerums kommun")
    page.locator("input[type=file]").set_input_files(str(files["points"]))
    page.get_by_text("punkter.gpkg").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name=t("setup.save")).click()
    error = page.get_by_text(t("setup.error.features", n=1))
    error.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    error.scroll_into_view_if_needed()
    snap(page, f"setup-{viewport}-{lang}-refused")
    assert page.get_by_role("textbox", name=t("setup.name")).input_value() == "Lerums kommun", "nothing typed is lost"
    check_document(page, lang)
    assert browsing.external_requests == []
    browsing.context.close()


def map_centre(page: Page) -> tuple[float, float, int]:
    """(lat, lon, zoom) of the Leaflet map in the page's map frame."""
    frame = map_frame(page)
    return tuple(
        frame.evaluate(
            """() => {
                const name = Object.keys(window).find((k) => k.startsWith("map_") && window[k].getCenter);
                const m = window[name];
                return [m.getCenter().lat, m.getCenter().lng, m.getZoom()];
            }"""
        )
    )


def test_issue_17_the_admin_sets_up_from_a_sweref99tm_file_and_the_map_opens_on_the_municipality(
    app: RunningApp, browser: Browser, files: dict[str, Path]
) -> None:
    t = translator("sv")
    browsing = open_context(browser, **DESKTOP)
    page = browsing.page
    visit(page, app.url, "", "sv")
    log_in_as_staff(page, "admin", PASSWORD, "sv")
    page.get_by_role("heading", name=t("setup.title")).wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("textbox", name=t("setup.name")).fill("Lerums kommun")
    page.get_by_role("textbox", name=f"{t('setup.field.title')} · Svenska").fill("Trygga Lerum")
    page.locator("input[type=file]").set_input_files(str(files["good"]))
    page.get_by_text("kommungrans.gpkg").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name=t("setup.save")).click()
    page.get_by_role("heading", name="Trygga Lerum").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(t("setup.done", name="Lerums kommun")).wait_for(timeout=TIMEOUT_MS)
    snap(page, "setup-desktop-sv-done")
    lat, lon, zoom = map_centre(page)
    assert 57.7 < lat < 58.0 and 12.1 < lon < 12.5 and zoom == 10, (lat, lon, zoom)
    settle(page)
    snap(page, "setup-desktop-sv-map")

    resident = open_context(browser, **PHONE)  # a resident, on a phone, in Arabic
    visit(resident.page, app.url, "rapportera", "ar")
    lat, lon, _zoom = map_centre(resident.page)
    assert 57.7 < lat < 58.0 and 12.1 < lon < 12.5
    snap(resident.page, "setup-phone-ar-report")
    assert browsing.external_requests == [] and resident.external_requests == []
    resident.context.close()
    browsing.context.close()
