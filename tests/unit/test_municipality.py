"""Issue 17: a deployment is set up for any municipality from the GIS file it already has, and
nothing about a municipality stays in code (geo/municipality.py), on SQLite and PostGIS."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geo import api, audit
from geo.auth import User
from geo.categories import DEFAULT_CATEGORIES
from geo.demo import DEMO_TEXTS, MUNICIPALITY_NAME, seed_demo
from geo.i18n import LANGUAGES, translate
from geo.io import ImportRefused, ImportSource
from geo.model import Category, Feeling, Role
from geo.municipality import (
    SetupRefused,
    boundary_source,
    current,
    fit_zoom,
    read_boundary,
    set_up,
    update_texts,
)
from geo.store import Store
from tests.support.asgi import call

ADMIN = User("admin", Role.ADMIN)
# Lerum, in SWEREF 99 TM (EPSG:3006) metres: an L-shaped made-up boundary around the town
LERUM_3006 = shapely.Polygon(
    [(330_000, 6_405_000), (352_000, 6_405_000), (352_000, 6_415_000), (341_000, 6_415_000), (341_000, 6_428_000),
     (330_000, 6_428_000)]
)  # fmt: skip


def lerum_frame(crs: str | None = "EPSG:3006") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"namn": ["Lerums kommun"]}, geometry=[LERUM_3006], crs=crs)


def lerum_wgs84() -> shapely.Geometry:
    return lerum_frame().to_crs("EPSG:4326").geometry.iloc[0]


def same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """The same area (EPSG:4326), whatever the order and orientation of the rings."""
    return a.symmetric_difference(b).area < 1e-12


def test_issue_17_set_up_from_a_sweref99tm_geopackage_without_demo(store: Store, tmp_path: Path) -> None:
    assert current(store) is None, "an empty database is not set up: no municipality in code"
    path = tmp_path / "lerum.gpkg"
    lerum_frame().to_file(path, driver="GPKG")
    boundary = read_boundary(boundary_source(path))
    result = set_up(store, ADMIN, name="Lerums kommun", boundary=boundary, texts={"title": "Trygga Lerum"})
    town = current(store)
    assert town is not None and town == result.municipality
    assert town.name == "Lerums kommun"
    assert same(town.boundary, lerum_wgs84())
    expected = lerum_wgs84().bounds
    assert town.bounds == pytest.approx(expected, abs=1e-9)
    lat, lon = town.center
    assert lat == pytest.approx((expected[1] + expected[3]) / 2)
    assert lon == pytest.approx((expected[0] + expected[2]) / 2)
    assert 57.7 < lat < 58.0 and 12.1 < lon < 12.5, "the map opens on Lerum, not on Markaryd"
    assert town.zoom == fit_zoom(expected) == 10
    assert town.title("sv") == "Trygga Lerum" and town.title("ar") == "Trygga Lerum", "Swedish stands in"
    assert result.categories_added and len(store.categories()) == len(DEFAULT_CATEGORIES)
    assert store.count_reports() == 0 and not store.zones() and not store.meeting_places(), "no demo data"


def test_issue_17_a_shapefile_beside_its_files_and_a_geojson_give_the_same_boundary(tmp_path: Path) -> None:
    lerum_frame().to_file(tmp_path / "kommun.shp")
    lerum_frame().to_crs("EPSG:4326").to_file(tmp_path / "kommun.geojson", driver="GeoJSON")
    from_shp = read_boundary(boundary_source(tmp_path / "kommun.shp"))
    from_json = read_boundary(boundary_source(tmp_path / "kommun.geojson"))
    assert same(from_shp, lerum_wgs84())
    assert same(from_json, lerum_wgs84())


def test_issue_17_several_parts_are_joined_and_a_file_without_crs_needs_one(tmp_path: Path) -> None:
    island = shapely.box(360_000, 6_420_000, 362_000, 6_422_000)
    frame = gpd.GeoDataFrame(geometry=[LERUM_3006, island], crs=None)
    frame.to_file(tmp_path / "utan_prj.shp")
    source = boundary_source(tmp_path / "utan_prj.shp")
    with pytest.raises(ImportRefused) as refused:
        read_boundary(source)
    assert refused.value.key == "io.no_crs"
    joined = read_boundary(source, crs="3006")
    assert joined.geom_type == "MultiPolygon" and len(joined.geoms) == 2


def test_issue_17_a_file_of_points_or_of_another_kind_is_refused_with_a_message(tmp_path: Path) -> None:
    points = gpd.GeoDataFrame(geometry=[shapely.Point(340_000, 6_410_000)], crs="EPSG:3006")
    points.to_file(tmp_path / "punkter.gpkg", driver="GPKG")
    with pytest.raises(ImportRefused) as refused:
        read_boundary(boundary_source(tmp_path / "punkter.gpkg"))
    assert refused.value.key == "setup.error.features" and refused.value.problems[0].key == "io.problem.wrong_type"
    (tmp_path / "gräns.csv").write_text("wkt\nPOLYGON((0 0,1 0,1 1,0 0))\n")
    with pytest.raises(SetupRefused) as wrong:
        boundary_source(tmp_path / "gräns.csv")
    assert "gräns.csv" in wrong.value.text("sv") and ".gpkg" in wrong.value.text("ar")
    with pytest.raises(SetupRefused, match="does not exist"):
        boundary_source(tmp_path / "finns-inte.gpkg")


POLYGON_FEATURE = '{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[COORDS]}}'
RINGS = [
    "[[0,0],[1,0],[1,1],[0,0]]", "[[0,0],[1,1],[1,0],[0,1],[0,0]]", "[]", "[[1e309,0]]", "[[0,0],[0,0],[0,0],[0,0]]",
    "[[200,95],[201,95],[201,96],[200,95]]",
]  # fmt: skip
BOUNDARY_NAMES = st.sampled_from(["b.gpkg", "b.geojson", "b.json", "b.zip", "b.shp", "b.csv", "b"])


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@given(
    name=BOUNDARY_NAMES,
    data=st.one_of(
        st.binary(max_size=300),
        st.sampled_from([b"", b"{}", b'{"type": "FeatureCollection", "features": []}', b"SQLite format 3\x00"]),
        st.builds(
            lambda coords: POLYGON_FEATURE.replace("COORDS", coords).encode(),
            st.sampled_from(RINGS),
        ),
        st.builds(lambda b: _zip({"x.shp": b, "x.dbf": b}), st.binary(max_size=100)),
    ),
    crs=st.sampled_from([None, "3006", "4326", "nonsense", "EPSG:999999"]),
)
def test_issue_17_any_boundary_file_gives_a_polygon_or_a_message_in_every_language(
    name: str, data: bytes, crs: str | None
) -> None:
    try:
        boundary = read_boundary(ImportSource(name, data), crs=crs)
    except (ImportRefused, SetupRefused) as refused:
        for lang in LANGUAGES:
            assert refused.text(lang).strip()
        return
    assert boundary.geom_type in ("Polygon", "MultiPolygon") and boundary.is_valid and not boundary.is_empty
    minx, miny, maxx, maxy = boundary.bounds
    assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def test_issue_17_the_demo_is_one_municipality_among_others(store: Store) -> None:
    seed_demo(store, reports=5)
    town = current(store)
    assert town is not None and town.name == MUNICIPALITY_NAME
    assert town.text("open311_contact", "en") == DEMO_TEXTS["open311_contact"]["en"]
    assert town.zoom == 10 and 56.4 < town.center[0] < 56.7 and 13.4 < town.center[1] < 13.9


def test_issue_17_set_up_again_keeps_the_admins_categories_and_texts_left_out(store: Store) -> None:
    own = Category("egen", Feeling.UNSAFE, {"sv": "Egen", "en": "Own", "ar": "خاصة"})
    store.upsert_categories([own])
    first = set_up(store, None, name="A", boundary=lerum_wgs84(), texts={"privacy_contact": {"sv": "dpo@a.se"}})
    assert not first.categories_added and [c.code for c in store.categories()] == ["egen"]
    set_up(store, ADMIN, name="B", boundary=shapely.box(12.0, 57.0, 12.1, 57.1), texts={"title": "B-kartan"})
    town = current(store)
    assert town is not None and town.name == "B" and town.text("privacy_contact") == "dpo@a.se"
    assert town.title("en") == "B-kartan"


def test_issue_17_only_an_admin_changes_the_settings_and_bad_texts_change_nothing(store: Store) -> None:
    set_up(store, None, name="Lerums kommun", boundary=lerum_wgs84())
    for who in (None, User("polis", Role.POLICE), User("team", Role.TEAM)):
        with pytest.raises(PermissionError):
            update_texts(store, who, {"title": "X"})
    with pytest.raises(PermissionError):
        set_up(store, User("team", Role.TEAM), name="X", boundary=lerum_wgs84())
    with pytest.raises(SetupRefused) as too_long:
        update_texts(store, ADMIN, {"title": {"ar": "ب" * 301}})
    assert "300" in too_long.value.text("ar")
    with pytest.raises(SetupRefused):
        update_texts(store, ADMIN, {"title": "ok"}, name="  ")
    town = update_texts(store, ADMIN, {"title": {"sv": "Trygga Lerum", "en": "Safe Lerum"}}, name="Lerum")
    assert town is not None and town.name == "Lerum" and town.title("en") == "Safe Lerum"
    town = update_texts(store, ADMIN, {"title": {"sv": "", "en": " "}})
    assert town is not None and town.title("sv") == "Trygghetskartan", "an emptied text falls back to the catalogue"
    logged = [(e.actor, e.action, e.target, dict(e.detail)) for e in audit.entries(store, ADMIN, action="settings")]
    assert logged == [
        ("admin", "settings.update", "Lerum", {"texts": "title"}),
        ("admin", "settings.update", "Lerum", {"texts": "title", "name": "changed"}),
        ("system", "settings.setup", "Lerums kommun", {"boundary": "replaced", "texts": "-"}),
    ], "who changed which setting, never the words"


@pytest.mark.parametrize(
    ("bounds", "zoom"),
    [
        ((13.442, 56.409, 13.873, 56.687), 10),  # Markaryd
        ((17.0, 55.3, 24.2, 69.1), 4),  # all of Sweden
        ((18.06, 59.32, 18.07, 59.33), 15),  # a few blocks of Stockholm
        ((18.0, 59.0, 18.0, 59.0), 17),  # a point: the closest zoom
    ],
)
def test_issue_17_the_first_zoom_fits_the_boundary_on_a_phone(
    bounds: tuple[float, float, float, float], zoom: int
) -> None:
    assert fit_zoom(bounds) == zoom


def test_issue_17_the_open311_discovery_names_the_municipalitys_contact(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRYGG_DATABASE_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TRYGG_DEMO", "0")

    def contact() -> str:
        reply = call(api.discovery, "/open311/v2/discovery.json", {"fmt": "json"})
        assert reply.status_code == 200
        return json.loads(reply.body)["contact"]

    assert contact() == translate("api.contact", "sv"), "before the set-up: the general words, no town in code"
    set_up(store, None, name="Lerum", boundary=lerum_wgs84(), texts={"open311_contact": "Lerums trygghetsgrupp"})
    assert contact() == "Lerums trygghetsgrupp"
