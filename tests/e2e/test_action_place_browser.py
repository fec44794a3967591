"""An action's own place drawn on the map (issue 21) in Debian's Chromium, network cut: the team
draws a point for a new action on Strömsnäsbruk's dossier. A point outside the municipality is
refused beside the map with what was typed kept and nothing saved; inside, the action is saved
with the drawn point, and the public map's layer "Det här görs" and ``/api/layers/`` hold it there
(desktop in Swedish, phone with touch in Arabic). axe-core finds no violation."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
import shapely
from playwright.sync_api import Browser, Frame, Page

from geo import actions, plan
from geo.auth import User, add_user
from geo.i18n import translator
from geo.model import Role
from geo.places import known_places
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    frame_with,
    log_in_as_staff,
    map_frame,
    open_context,
    settle,
    snap,
    wait_for_session_cookie,
)

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 45_000
PASSWORD = "teamets hemliga lösenord"
ZONE = "Strömsnäsbruk"
OUTSIDE = (56.0, 12.5)
"""(lat, lon) in Skåne, well outside Markaryd (EPSG:4326)."""
PLACE: dict[str, object] = {}


def remember_zone(store: Store) -> None:
    add_user(store, "kommun.anna", PASSWORD, "team")
    zone = next(z for z in store.zones() if ZONE in z.name and z.kind.value == "platssamverkan")
    inside = shapely.from_wkt(zone.geometry_wkt).representative_point()
    PLACE.update(zone=zone.id, lat=inside.y, lon=inside.x)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, app_database_url: str) -> Iterator[RunningApp]:
    with demo_app(tmp_path_factory.mktemp("action_place"), app_database_url, reports=200, prepare=remember_zone) as ran:
        yield ran


FOLIUM_MAP = "Object.values(window).find((v) => v instanceof L.Map)"


def draw_frame(page: Page) -> Frame:
    """The map frame that offers Leaflet.draw's marker tool."""
    return frame_with(page, ".leaflet-draw-draw-marker")


def put_marker(page: Page, frame: Frame, lat: float, lon: float, *, touch: bool) -> None:
    """Move the map to (lat, lon) as a user panning would, choose the marker tool and put the
    marker there by a click (a tap on a phone)."""
    frame.evaluate(f"([lat, lon]) => {FOLIUM_MAP}.setView([lat, lon], 14, {{animate: false}})", [lat, lon])
    tool = frame.locator(".leaflet-draw-draw-marker")
    if touch:
        tool.tap()
    else:
        tool.click()
    box = frame.frame_element().bounding_box()
    assert box is not None
    at = frame.evaluate(
        f"([lat, lon]) => {{ const p = {FOLIUM_MAP}.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }}",
        [lat, lon],
    )
    x, y = box["x"] + at[0], box["y"] + at[1]
    if touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.move(x, y)
        page.mouse.click(x, y)
    frame.locator(".leaflet-marker-pane .leaflet-marker-icon").first.wait_for(timeout=TIMEOUT_MS)


def clear_drawing(frame: Frame, *, touch: bool, clear_all: str = "Clear all") -> None:
    """Remove what was drawn with Leaflet.draw's bin: "Clear all"."""
    remove = frame.locator(".leaflet-draw-edit-remove")
    remove.tap() if touch else remove.click()
    link = frame.get_by_role("link", name=clear_all)
    link.tap() if touch else link.click()
    frame.locator(".leaflet-marker-pane .leaflet-marker-icon").first.wait_for(state="detached", timeout=TIMEOUT_MS)


def stored_action(url: str, title: str) -> actions.Action | None:
    store = Store.open(url)
    try:
        found = [a for a in actions.actions(store, User("kommun.anna", Role.TEAM)) if a.title == title]
    finally:
        store.close()
    return found[0] if found else None


def open_new_action(page: Page, url: str, lang: str) -> None:
    t = translator(lang)
    suffix = "" if lang == "sv" else f"&lang={lang}"
    page.goto(f"{url}/platssamverkan?zone={PLACE['zone']}{suffix}")
    page.get_by_role("heading", name=t("dossier.title")).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    fold_sidebar(page)
    header = page.locator("summary").filter(has_text=t("dossier.new_action")).first
    header.scroll_into_view_if_needed()
    header.click()
    page.get_by_text(t("dossier.action_where_help")).wait_for(timeout=TIMEOUT_MS)


def fold_sidebar(page: Page) -> None:
    """On a phone the open menu covers the page: fold it to reach the page."""
    if page.locator("[data-testid='stSidebar'][data-collapsed='false']").count() and page.viewport_size["width"] < 600:  # type: ignore[index]
        page.locator("[data-testid='stSidebarCollapseButton'] button").or_(
            page.locator("[data-testid='stSidebarCollapseButton']")
        ).first.click(force=True)
        page.locator("[data-testid='stExpandSidebarButton']").wait_for(timeout=TIMEOUT_MS)


def draw_and_save(page: Page, url: str, lang: str, title: str, *, touch: bool, name: str) -> None:
    t = translator(lang)
    open_new_action(page, url, lang)
    form = page.locator("[data-testid='stForm']").filter(has=page.get_by_role("button", name=t("dossier.save_action")))
    form.get_by_role("textbox", name=t("dossier.action_title")).fill(title)
    form.get_by_role("textbox", name=t("dossier.action_organisation")).fill("Strömsnäs bostäder AB")
    form.get_by_text(t("dossier.action_public")).click()

    frame = draw_frame(page)
    put_marker(page, frame, *OUTSIDE, touch=touch)
    settle(page)
    form.get_by_role("button", name=t("dossier.save_action")).click()
    refusal = page.get_by_text(t("action.error.outside"))
    refusal.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    refusal.scroll_into_view_if_needed()
    snap(page, f"action-place-{name}-{lang}-outside")
    assert form.get_by_role("textbox", name=t("dossier.action_title")).input_value() == title, "typed text is kept"
    assert stored_action(str(PLACE["database_url"]), title) is None, "nothing is saved"

    frame = draw_frame(page)
    clear_drawing(frame, touch=touch, clear_all=frame.evaluate("() => L.drawLocal.edit.toolbar.actions.clearAll.text"))
    settle(page)
    put_marker(page, frame, float(PLACE["lat"]), float(PLACE["lon"]), touch=touch)  # type: ignore[arg-type]
    settle(page)
    snap(page, f"action-place-{name}-{lang}-drawn")
    form.get_by_role("button", name=t("dossier.save_action")).click()
    saved = page.get_by_text(t("dossier.action_saved", title=title, n=0))
    saved.wait_for(timeout=TIMEOUT_MS)
    draw_frame(page)  # the form's new, empty map: its first report of itself reruns the page
    settle(page)
    saved.scroll_into_view_if_needed()
    snap(page, f"action-place-{name}-{lang}-saved")
    assert axe_violations(page) == []
    plan_by_hot_spot(page, lang, name)


def plan_by_hot_spot(page: Page, lang: str, name: str) -> None:
    """The municipality's plan grouped by hot spot shows the drawn action under the H3 cell of
    its point, named by the nearest known place as Statistik names it."""
    t = translator(lang)
    store = Store.open(str(PLACE["database_url"]))
    try:
        spot = plan.hotspot_name(shapely.Point(PLACE["lon"], PLACE["lat"]), known_places(store), t)
    finally:
        store.close()
    page.get_by_text(t("plan.heading")).click()
    choice = page.get_by_text(t("plan.by.hotspot"), exact=True)
    choice.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    choice.click()
    heading = page.get_by_text(spot, exact=True)
    heading.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    heading.scroll_into_view_if_needed()
    snap(page, f"action-place-{name}-{lang}-plan")
    assert axe_violations(page) == []


def check_saved_where_drawn(app: RunningApp, title: str) -> str:
    saved = stored_action(app.database_url, title)
    assert saved is not None and saved.geometry_wkt is not None
    point = shapely.from_wkt(saved.geometry_wkt)
    assert point.geom_type == "Point"
    assert abs(point.x - float(PLACE["lon"])) < 1e-3 and abs(point.y - float(PLACE["lat"])) < 1e-3  # type: ignore[arg-type]
    with urllib.request.urlopen(f"{app.url}/api/layers/actions.geojson", timeout=30) as reply:
        features = json.load(reply)["features"]
    mine = [f for f in features if f["properties"]["name"] == title]
    assert mine and mine[0]["geometry"]["type"] == "Point", "the public API holds the drawn point"
    return saved.id


def on_public_map(browser: Browser, url: str, action_id: str, viewport: dict[str, object], lang: str) -> None:
    browsing = open_context(browser, **viewport)
    page = browsing.page
    suffix = "" if lang == "sv" else f"&lang={lang}"
    page.goto(f"{url}/?layers=actions{suffix}")
    frame = map_frame(page)
    found = False
    for _ in range(120):
        found = frame.evaluate(
            """(id) => { let hit = false; const m = """
            + FOLIUM_MAP
            + """;
                m.eachLayer((l) => { if (l.feature && l.feature.properties.id === id) hit = true; }); return hit; }""",
            action_id,
        )
        if found:
            break
        page.wait_for_timeout(250)
    assert found, "the public map's layer Det här görs holds the action"
    assert browsing.external_requests == []
    browsing.context.close()


@pytest.mark.parametrize(("viewport", "lang"), [("desktop", "sv"), ("phone", "ar")], ids=["desktop-sv", "phone-ar"])
def test_issue_21_the_team_draws_an_actions_point_and_the_public_map_shows_it(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    PLACE["database_url"] = app.database_url
    browsing = open_context(browser, **(DESKTOP if viewport == "desktop" else PHONE))
    page = browsing.page
    suffix = "" if lang == "sv" else f"?lang={lang}"
    page.goto(f"{app.url}/{suffix}")
    map_frame(page)
    log_in_as_staff(page, "kommun.anna", PASSWORD, lang)
    wait_for_session_cookie(page)
    title = f"Ny gatlykta vid torget ({viewport})"
    draw_and_save(page, app.url, lang, title, touch=viewport == "phone", name=viewport)
    assert browsing.external_requests == []
    browsing.context.close()
    action_id = check_saved_where_drawn(app, title)
    on_public_map(browser, app.url, action_id, DESKTOP if viewport == "desktop" else PHONE, lang)
