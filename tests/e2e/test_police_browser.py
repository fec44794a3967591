"""The police's round in Debian's Chromium, network cut: log in, open a medborgarlöfte
area, change a report's status, see it in the history; log out and find the public
map showing only published reports, snapped to the public grid. The journey of issue 14
walks it on a desktop in Swedish and on a phone in Arabic, with a reload after logging in."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from geo.auth import add_user
from geo.i18n import label, translator
from geo.privacy import coarsen_points
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    choose,
    log_in_as_staff,
    map_frame,
    open_context,
    open_menu,
    settle,
    snap,
    wait_for_session_cookie,
)

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 45_000
PASSWORD = "polisens hemliga lösenord"
AREA = "Timsfors"
REPORT_FEATURES = """() => {
    const out = [];
    window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.layer === "report" && l.getLatLng) {
            const c = l.getLatLng();
            out.push({id: p.id, pending: !!p.pending, lon: c.lng, lat: c.lat});
        }
    });
    return out;
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, app_database_url: str) -> Iterator[RunningApp]:
    def add_police(store: Store) -> None:
        add_user(store, "polis.erik", PASSWORD, "police")
        add_user(store, "kommun.karin", PASSWORD, "team")  # zones are the municipality's (geo.rights)

    with demo_app(tmp_path_factory.mktemp("police"), app_database_url, reports=400, prepare=add_police) as running:
        yield running


def open_page(page: Page, menu_entry: str, heading: str) -> None:
    """Click ``menu_entry`` in the sidebar menu until the page titled ``heading`` shows.

    A rerun of the page being left (st_folium reports the map's bounds once drawn)
    can swallow a click that lands at the same moment, so the click is repeated."""
    for _ in range(4):
        settle(page)
        page.locator("[data-testid='stSidebarNav']").get_by_text(menu_entry).click()
        try:
            page.get_by_role("heading", name=heading).wait_for(timeout=12_000)
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"{menu_entry!r} did not open {heading!r}")


def log_in(page: Page) -> None:
    """Log in from the sidebar as polis.erik, once the map has drawn (its first rerun, when
    st_folium reports its bounds, could swallow the click)."""
    map_frame(page)
    log_in_as_staff(page, "polis.erik", PASSWORD)


def test_police_change_a_status_in_their_area_and_the_public_sees_only_coarse_published_reports(
    app: RunningApp, browser: Browser
) -> None:
    browsing = open_context(browser, viewport={"width": 1400, "height": 1000})
    page = browsing.page
    page.goto(app.url)
    page.get_by_role("heading", level=1).first.wait_for(timeout=TIMEOUT_MS)
    nav = page.locator("[data-testid='stSidebarNav']")
    assert nav.get_by_text("Medborgarlöften").count() == 0, "a staff page is offered to the public"

    log_in(page)
    open_page(page, "Medborgarlöften", "Medborgarlöften och platssamverkan")
    map_frame(page)  # the first area is drawn: the page has settled
    choose(page, "Område", f"{AREA} · Medborgarlöfte")
    page.get_by_role("heading", name=AREA).wait_for(timeout=TIMEOUT_MS)
    map_frame(page)  # the area's map is drawn, with its reports
    # The heading updates first; the rest of the page still shows the previous area's
    # elements until the rerun reaches them, so the report picker is read once settled.
    settle(page)

    store = Store.open(app.database_url)
    reports = store.reports_frame().set_index("ref_code")
    report_box = page.get_by_role("combobox", name="Rapport", exact=True)
    chosen = report_box.input_value()  # "CODE · category · day"
    ref_code = chosen.split(" · ")[0]
    before = reports.loc[ref_code, "status"]
    target, target_label = ("stangd", "Stängd") if before != "stangd" else ("bekraftad", "Bekräftad")
    choose(page, "Ny status", target_label)
    page.get_by_role("textbox", name="Offentlig kommentar").fill("Kontrollerat på plats i kväll.")
    page.get_by_role("button", name="Spara status").click()
    page.get_by_text("Statusen är sparad.").wait_for(timeout=TIMEOUT_MS)
    history = page.get_by_text("polis.erik · status:")
    history.first.wait_for(timeout=TIMEOUT_MS)
    assert target_label in history.first.inner_text() and "Kontrollerat på plats" in history.first.inner_text()
    assert report_box.input_value() == chosen, "the report picker changed while the status was being set"
    assert store.reports_frame().set_index("ref_code").loc[ref_code, "status"] == target

    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Logga ut").click()
    page.locator("[data-testid='stSidebar']").get_by_text("Inloggning för personal").wait_for(timeout=TIMEOUT_MS)
    assert nav.get_by_text("Medborgarlöften").count() == 0
    # Zoomed in on a published report (zoomed out, the map shows counts per hexagon instead).
    exact = store.reports_frame().set_index("id")
    published = exact[exact["moderation"] == "published"]
    centre = published.iloc[0]
    page.goto(f"{app.url}/?z=16&lat={centre['lat']:.5f}&lon={centre['lon']:.5f}")
    frame = map_frame(page)
    frame.wait_for_function("() => window.map !== undefined", timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    shown = frame.evaluate(REPORT_FEATURES)
    assert shown, "the public map shows no reports"
    ids = [f["id"] for f in shown]
    assert set(ids) <= set(published.index) and not any(f["pending"] for f in shown)
    lon, lat = np.array([f["lon"] for f in shown]), np.array([f["lat"] for f in shown])
    snapped_lon, snapped_lat = coarsen_points(lon, lat)
    assert np.allclose(lon, snapped_lon, atol=1e-7) and np.allclose(lat, snapped_lat, atol=1e-7), "not on the grid"
    moved = (exact.loc[ids, "lon"].to_numpy() != lon) | (exact.loc[ids, "lat"].to_numpy() != lat)
    assert moved.all(), "a public report sits at its exact place"
    assert browsing.external_requests == []
    browsing.context.close()
    store.close()


def test_draw_tools_for_areas_come_from_the_app(app: RunningApp, browser: Browser) -> None:
    browsing = open_context(browser, viewport={"width": 1400, "height": 1000})
    page = browsing.page
    page.goto(app.url)
    map_frame(page)
    log_in_as_staff(page, "kommun.karin", PASSWORD)
    open_page(page, "Områden", "Områden: platssamverkan och medborgarlöften")
    deadline_ms, found = 45_000, None
    while deadline_ms > 0 and found is None:
        for frame in page.frames:
            try:
                if frame.query_selector(".leaflet-draw-draw-polygon"):
                    found = frame
                    break
            except Exception:  # frames come and go while Streamlit renders
                continue
        page.wait_for_timeout(250)
        deadline_ms -= 250
    assert found is not None, "the polygon tool of Leaflet.draw did not appear"
    icon = found.evaluate("() => getComputedStyle(document.querySelector('.leaflet-draw-toolbar a')).backgroundImage")
    assert app.url in icon or icon.startswith('url("/'), icon  # the sprite is served by the app
    assert browsing.external_requests == []
    browsing.context.close()


def open_sidebar(page: Page) -> None:
    """On a phone the sidebar starts folded (and folds again after a page change): unfold it."""
    expand = page.locator("[data-testid='stExpandSidebarButton']")
    if expand.is_visible():
        expand.click()
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_role("combobox", name="Språk").or_(sidebar.get_by_role("combobox", name="اللغة")).first.wait_for(
            timeout=TIMEOUT_MS
        )


def close_sidebar(page: Page, viewport: str) -> None:
    """On a phone the open sidebar covers the page: fold it to reach the page."""
    if viewport == "phone" and page.locator("[data-testid='stSidebar'][data-collapsed='false']").count():
        page.locator("[data-testid='stSidebarCollapseButton'] button").or_(
            page.locator("[data-testid='stSidebarCollapseButton']")
        ).first.click(force=True)
        page.locator("[data-testid='stExpandSidebarButton']").wait_for(timeout=TIMEOUT_MS)


@pytest.mark.parametrize(("viewport", "lang"), [("desktop", "sv"), ("phone", "ar")], ids=["desktop-sv", "phone-ar"])
def test_issue_15_the_police_choose_what_the_rate_ratio_counts(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    browsing = open_context(browser, **(DESKTOP if viewport == "desktop" else PHONE))
    page = browsing.page
    page.goto(app.url)
    map_frame(page)
    open_sidebar(page)
    log_in(page)
    open_sidebar(page)
    open_page(page, "Medborgarlöften", "Medborgarlöften och platssamverkan")
    map_frame(page)
    close_sidebar(page, viewport)
    choose(page, "Område", f"{AREA} · Medborgarlöfte")
    page.get_by_role("heading", name=AREA).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    counted = page.get_by_text("Räknat: Otrygg; alla kategorier; endast publicerade")
    counted.wait_for(timeout=TIMEOUT_MS)
    counted.scroll_into_view_if_needed()
    snap(page, f"review-{viewport}-sv-counted")
    page.get_by_role("checkbox", name="Räkna även rapporter som väntar på granskning").check(force=True)
    page.get_by_text("publicerade och väntande på granskning").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Kvot efter/före:").count() == 1  # the interval stays
    if lang == "ar":
        settle(page)
        open_sidebar(page)
        choose(page, "Språk", "العربية", renamed=translator("ar")("app.language"))
        page.get_by_text("المحسوب:").wait_for(timeout=TIMEOUT_MS)
        close_sidebar(page, viewport)
        direction = page.get_by_text("المحسوب:").evaluate("e => getComputedStyle(e).direction")
        assert direction == "rtl", direction
        page.get_by_text("المحسوب:").scroll_into_view_if_needed()
        snap(page, f"review-{viewport}-ar-counted")
    assert browsing.external_requests == []


# -- issue 14: the journey on a desktop in Swedish and on a phone in Arabic -------------------


@pytest.mark.parametrize(("viewport", "lang"), [("desktop", "sv"), ("phone", "ar")])
def test_issue_14_police_log_in_reload_stay_logged_in_review_an_area_and_change_a_status(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    t = translator(lang)
    browsing = open_context(browser, **(PHONE if viewport == "phone" else DESKTOP))
    page = browsing.page
    step = f"police-{viewport}-{lang}"
    page.goto(f"{app.url}/?lang={lang}")
    map_frame(page)
    assert page.evaluate("() => document.documentElement.lang") == lang
    log_in_as_staff(page, "polis.erik", PASSWORD, lang)
    wait_for_session_cookie(page)
    snap(page, f"{step}-logged-in")

    page.reload()  # a reload (as a bookmark or a typed address would) keeps the officer logged in
    map_frame(page)
    settle(page)
    open_menu(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    sidebar.get_by_role("button", name=t("auth.logout")).wait_for(timeout=TIMEOUT_MS)
    snap(page, f"{step}-reloaded")

    for _ in range(4):  # a rerun of the map page can swallow the click: repeat it
        settle(page)
        open_menu(page)
        sidebar.locator("[data-testid='stSidebarNav']").get_by_text(t("nav.review")).click()
        try:
            page.get_by_role("heading", name=t("review.title")).wait_for(timeout=12_000)
            break
        except PlaywrightTimeoutError:
            continue
    if viewport == "phone":  # the menu folds after the choice, the page is in view
        page.locator("section[data-testid='stSidebar'][data-collapsed='true']").wait_for(
            state="attached", timeout=TIMEOUT_MS
        )
    map_frame(page)
    choose(page, t("review.area"), f"{AREA} · {label('zone_kind', 'medborgarlofte', lang)}")
    page.get_by_role("heading", name=AREA).wait_for(timeout=TIMEOUT_MS)
    map_frame(page)
    settle(page)
    snap(page, f"{step}-area")

    store = Store.open(app.database_url)
    ref_code = page.get_by_role("combobox", name=t("review.report"), exact=True).input_value().split(" · ")[0]
    before = store.reports_frame().set_index("ref_code").loc[ref_code, "status"]
    target = "atgard_planerad" if before != "atgard_planerad" else "bekraftad"
    choose(page, t("moderation.status"), label("status", target, lang))
    page.get_by_role("textbox", name=t("moderation.public_comment")).fill("Belysningen byts i januari.")
    page.get_by_role("button", name=t("moderation.save_status")).click()
    saved = page.get_by_text(t("actions.status_saved"))
    saved.wait_for(timeout=TIMEOUT_MS)
    saved.scroll_into_view_if_needed()
    snap(page, f"{step}-status-saved")
    assert store.reports_frame().set_index("ref_code").loc[ref_code, "status"] == target
    assert browsing.external_requests == []
    store.close()
    browsing.context.close()


@pytest.mark.parametrize(("viewport", "lang"), [("desktop", "sv"), ("phone", "ar")], ids=["desktop-sv", "phone-ar"])
def test_issue_17_the_police_set_status_on_a_report_outside_their_areas_from_karta(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    # The rights table lets the police set status on any report; one outside every
    # medborgarlöfte area is reached from Karta (a link to it, or a click on it) and its panel.
    import shapely

    from geo.model import ZoneKind
    from geo.store import ReportQuery

    store = Store.open(app.database_url)
    promised = [shapely.from_wkt(z.geometry_wkt) for z in store.zones(ZoneKind.MEDBORGARLOFTE)]
    frame_ = store.reports_frame(ReportQuery(moderation=("published",), statuses=("ny",)))
    rows = [r for r in frame_.itertuples() if not any(g.covers(shapely.Point(r.lon, r.lat)) for g in promised)]
    report = rows[0 if lang == "sv" else 1]
    t = translator(lang)
    browsing = open_context(browser, **(DESKTOP if viewport == "desktop" else PHONE))
    page = browsing.page
    page.goto(f"{app.url}/?lang={lang}")
    map_frame(page)
    open_sidebar(page)
    log_in_as_staff(page, "polis.erik", PASSWORD, lang)
    wait_for_session_cookie(page)
    page.goto(f"{app.url}/?lang={lang}&sel=report:{report.id}&z=16&lat={report.lat:.5f}&lon={report.lon:.5f}")
    map_frame(page)
    save = page.get_by_role("button", name=t("moderation.save_status"))
    save.wait_for(timeout=TIMEOUT_MS)
    close_sidebar(page, viewport)
    main = page.locator("[data-testid='stMainBlockContainer']")
    choose(page, t("moderation.status"), label("status", "atgard_planerad", lang), within=main)
    page.get_by_role("textbox", name=t("moderation.public_comment")).fill("Belysningen byts vecka 50")
    # Streamlit's hint under a typed field is said in the reader's language ("Press Enter to apply" was English)
    hint = main.get_by_test_id("InputInstructions").first
    hint.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=InputInstructions]')]"
        ".every(e => !/Press/.test(e.innerText))",
        timeout=TIMEOUT_MS,
    )
    assert t("app.input_enter") in hint.inner_text()
    save.scroll_into_view_if_needed()
    snap(page, f"karta-police-{viewport}-{lang}-status")
    save.click()
    page.get_by_text(t("actions.status_saved")).wait_for(timeout=TIMEOUT_MS)
    snap(page, f"karta-police-{viewport}-{lang}-saved")
    row = store.reports_frame(ReportQuery(ids=(report.id,)), columns=["status", "public_comment"]).iloc[0]
    assert (row["status"], row["public_comment"]) == ("atgard_planerad", "Belysningen byts vecka 50")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    assert axe_violations(page) == []
    assert browsing.external_requests == []
    browsing.context.close()
    store.close()
