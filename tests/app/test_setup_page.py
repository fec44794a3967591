"""Issue 17: a deployment without the demo that is not set up yet shows the admin the set-up
and everyone else a plain "not set up yet" page (sv/en/ar), at every address, never a
traceback; the set-up from a SWEREF 99 TM GeoPackage opens the map on the municipality.
AppTest through app.py, on SQLite and PostGIS."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.auth import StaffSession, User
from geo.model import Role
from geo.municipality import current, set_up
from geo.store import Store, utcnow
from tests.app.conftest import map_reported

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
ADMIN = User("admin", Role.ADMIN)
LERUM_3006 = shapely.box(330_000, 6_405_000, 352_000, 6_428_000)
"""A made-up boundary around Lerum, SWEREF 99 TM (EPSG:3006) metres."""
NOT_READY = {
    "sv": "Trygghetskartan är inte igång än",
    "en": "The safety map is not open yet",
    "ar": "خريطة الأمان ليست متاحة بعد",
}


@pytest.fixture
def bare(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """An empty database on each backend, and the app pointed at it without the demo."""
    monkeypatch.setenv("TRYGG_DATABASE_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    monkeypatch.setenv("TRYGG_DEMO", "0")
    return store


def app(*, lang: str = "sv", admin: bool = False, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    if admin:
        at.session_state["staff_session"] = StaffSession(ADMIN, utcnow())
    at.run()
    if page is not None:
        at.switch_page(page).run()
        map_reported(at)
    assert not at.exception
    return at


def gpkg_bytes(geometry: shapely.Geometry, crs: str | None = "EPSG:3006") -> bytes:
    buffer = io.BytesIO()
    gpd.GeoDataFrame({"namn": ["Lerum"]}, geometry=[geometry], crs=crs).to_file(buffer, driver="GPKG")
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_issue_17_everyone_but_the_admin_sees_not_set_up_yet(bare: Store, lang: str) -> None:
    at = app(lang=lang)
    assert [t.value for t in at.title] == [NOT_READY[lang]]
    assert not at.form and not at.file_uploader, "no set-up form for the public"
    assert bare.is_empty(), "nothing seeded: the demo only when asked"


def test_issue_17_the_admin_sets_up_from_a_sweref99tm_file_and_the_map_opens_there(bare: Store) -> None:
    at = app(admin=True)
    assert at.title[0].value == "Sätt upp Trygghetskartan"
    at.text_input(key="setup_name").set_value("Lerums kommun")
    at.text_input(key="setup_title_sv").set_value("Trygga Lerum")
    at.text_input(key="setup_privacy_contact_sv").set_value("dataskydd@lerum.se")
    at.file_uploader(key="setup_boundary").set_value(("grans.gpkg", gpkg_bytes(LERUM_3006), "application/geopackage"))
    at.button(key="setup_save").click().run()
    assert not at.exception and not at.error
    town = current(bare)
    assert town is not None and town.name == "Lerums kommun" and 57.7 < town.center[0] < 58.0
    assert [t.value for t in at.title] == ["Trygga Lerum"], "the map page, under the municipality's title"
    assert any("Kartan för Lerums kommun är uppsatt." in t.value for t in at.toast)
    assert f"lat={town.center[0]:.5f}" not in str(at.query_params), "the map's own place needs no parameters"
    report = app(page="pages/report.py")
    assert any("dataskydd@lerum.se" in c.value for c in report.caption), "the privacy contact on Rapportera"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("grans.gpkg", "no_crs", "anger inget koordinatsystem"),
        ("grans.gpkg", "points", "Inget sparades: 1 objekt i filen har problem."),
        ("grans.geojson", "garbage", "kan inte läsas"),
        ("", "", "Välj en fil med kommunens gräns."),
    ],
)
def test_issue_17_a_bad_boundary_gets_a_message_and_keeps_what_was_typed(
    bare: Store, name: str, content: str, message: str
) -> None:
    at = app(admin=True, lang="sv")
    at.text_input(key="setup_name").set_value("Lerums kommun")
    data = {
        "no_crs": gpkg_bytes(LERUM_3006, crs=None),
        "points": gpkg_bytes(shapely.Point(340_000, 6_410_000)),
        "garbage": b"{not json",
    }.get(content)
    if data is not None:
        at.file_uploader(key="setup_boundary").set_value((name, data, "application/octet-stream"))
    at.button(key="setup_save").click().run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_input(key="setup_name").value == "Lerums kommun", "nothing typed is lost"
    assert current(bare) is None


def test_issue_17_the_admin_changes_the_texts_later(bare: Store) -> None:
    set_up(bare, None, name="Lerums kommun", boundary=gpd.GeoSeries([LERUM_3006], crs=3006).to_crs(4326).iloc[0])
    at = app(admin=True, page="pages/setup.py")
    assert at.title[0].value == "Kommunens inställningar"
    assert at.text_input(key="setup_name").value == "Lerums kommun"
    at.text_input(key="setup_open311_contact_en").set_value("Safety team, Lerum")
    at.button(key="setup_save").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Inställningarna är sparade."]
    town = current(bare)
    assert town is not None and town.text("open311_contact", "en") == "Safety team, Lerum"
    police = AppTest.from_file(str(ROOT / "pages" / "setup.py"), default_timeout=TIMEOUT)
    police.session_state["staff_session"] = StaffSession(User("polis", Role.POLICE), utcnow())
    police.run()
    assert [e.value for e in police.error] == ["Din roll får inte använda den här sidan."]
