"""Import and export (geo/io.py) on real SQLite files, real GDAL files and Debian's ogrinfo."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.crs import to_sweref99tm
from geo.io import (
    FORMATS,
    ImportRefused,
    ImportSource,
    export_layer,
    import_layer,
    layer_frame,
    preview,
    read_source,
    suggest_mapping,
)
from geo.model import Role
from geo.privacy import coarsen_points
from geo.registry import layer_names
from geo.store import Store
from tests.conftest import NOW, small_categories

ROOT = Path(__file__).resolve().parents[2]
SORT_KEYS = {
    "reports": "created_at",
    "meeting_places": "name",
    "zones": "name",
    "boundary": "name",
    "place_names": "name",
}


def counts(store: Store) -> tuple[int, int, int, int, int]:
    """data_version and the number of reports, meeting places, zones and boundaries."""
    return (
        store.data_version(),
        store.count_reports(),
        len(store.meeting_places()),
        len(store.zones()),
        0 if store.boundary() is None else 1,
    )


@pytest.fixture
def target(tmp_path: Path) -> Store:
    """An empty database that knows the categories (reports refer to them)."""
    db = Store.open(f"sqlite:///{tmp_path / 'target.db'}")
    db.upsert_categories(small_categories())
    yield db
    db.close()


def metres_apart(a: gpd.GeoSeries, b: gpd.GeoSeries) -> np.ndarray:
    """Hausdorff distance of each pair of geometries (EPSG:4326), in metres (EPSG:3006)."""
    a3006, b3006 = a.to_crs(3006), b.to_crs(3006)
    return np.array([shapely.hausdorff_distance(x, y) for x, y in zip(a3006, b3006, strict=True)])


def attributes(frame: gpd.GeoDataFrame, layer: str) -> pd.DataFrame:
    dropped = [c for c in ("id", "ref_code", "source", "geometry") if c in frame]
    return pd.DataFrame(frame.drop(columns=dropped)).sort_values(SORT_KEYS[layer]).reset_index(drop=True)


# -- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("crs", [4326, 3006])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layer", layer_names())
def test_round_trip_gives_the_same_features(filled_store: Store, target: Store, layer: str, fmt: str, crs: int) -> None:
    exported = export_layer(filled_store, Role.ADMIN, layer, fmt, crs=crs)
    result = import_layer(target, Role.ADMIN, ImportSource(exported.name, exported.data), layer)
    assert result.count == exported.count > 0
    before = layer_frame(filled_store, Role.ADMIN, layer).sort_values(SORT_KEYS[layer]).reset_index(drop=True)
    after = layer_frame(target, Role.ADMIN, layer).sort_values(SORT_KEYS[layer]).reset_index(drop=True)
    assert metres_apart(before.geometry, after.geometry).max() < 0.01  # within 1 cm
    pd.testing.assert_frame_equal(attributes(before, layer), attributes(after, layer))
    if layer == "reports":
        assert set(target.reports_frame(columns=["source"])["source"]) == {"import"}


def test_swedish_letters_and_long_names_survive_a_shapefile(store: Store, target: Store) -> None:
    from geo.model import MeetingPlace, MeetingPlaceKind

    place = MeetingPlace(
        "Språkcafé på Ängens fritidsgård", MeetingPlaceKind.LANGUAGE_CAFE, 13.6, 56.46,
        opening_hours="Tu 17:00-19:00", accessibility="Ramp vid entrén", description="Välkommen, även på العربية",
    )  # fmt: skip
    store.add_meeting_places([place])
    exported = export_layer(store, Role.ADMIN, "meeting_places", "shp")
    import_layer(target, Role.ADMIN, ImportSource(exported.name, exported.data), "meeting_places")
    (back,) = target.meeting_places()
    assert (back.name, back.opening_hours, back.accessibility, back.description) == (
        place.name, place.opening_hours, place.accessibility, place.description,
    )  # fmt: skip


# -- CRS ------------------------------------------------------------------------------------------

# Lantmäteriet's published control point for SWEREF 99 TM ("Kontrollpunkter för SWEREF 99 TM",
# Lantmäteriet, geodesy pages of lantmateriet.se, point 1):
# latitude 55° 00' 00.00000" N, longitude 12° 45' 00.00000" E  ⇔  N 6 097 106.672 m, E 356 083.438 m.
CONTROL_LAT, CONTROL_LON = 55.0, 12.75
CONTROL_N, CONTROL_E = 6_097_106.672, 356_083.438


def test_a_published_sweref99tm_control_point_lands_within_1_m(target: Store) -> None:
    # Swedish surveying convention: x is the northing, y the easting; decimal comma.
    text = f"namn;x;y\nKontrollpunkt 1;{CONTROL_N:.3f};{CONTROL_E:.3f}\n".replace(".", ",")
    import_layer(target, Role.ADMIN, ImportSource("punkt.csv", text.encode("cp1252")), "meeting_places")
    (place,) = target.meeting_places()
    x, y = to_sweref99tm().transform(place.lon, place.lat)
    expected_x, expected_y = to_sweref99tm().transform(CONTROL_LON, CONTROL_LAT)
    assert abs(place.lat - CONTROL_LAT) < 1e-5 and abs(place.lon - CONTROL_LON) < 2e-5  # about 1 m
    assert np.hypot(x - CONTROL_E, y - CONTROL_N) < 1.0
    assert np.hypot(expected_x - CONTROL_E, expected_y - CONTROL_N) < 1.0


def test_geopackage_in_sweref99tm_is_transformed_to_wgs84(tmp_path: Path, target: Store) -> None:
    square = shapely.box(CONTROL_E, CONTROL_N, CONTROL_E + 100, CONTROL_N + 100)
    frame = gpd.GeoDataFrame({"namn": ["Torget"], "typ": ["Platssamverkan"]}, geometry=[square], crs=3006)
    path = tmp_path / "zoner.gpkg"
    frame.to_file(path, driver="GPKG")
    import_layer(target, Role.ADMIN, ImportSource.from_path(path), "zones")
    (zone,) = target.zones()
    corners = shapely.get_coordinates(shapely.from_wkt(zone.geometry_wkt))
    assert (zone.name, zone.kind.value) == ("Torget", "platssamverkan")
    nearest = corners[np.argmin(np.hypot(corners[:, 0] - CONTROL_LON, corners[:, 1] - CONTROL_LAT))]
    assert abs(nearest[1] - CONTROL_LAT) < 1e-5 and abs(nearest[0] - CONTROL_LON) < 2e-5  # the control corner


# -- Swedish spreadsheets ----------------------------------------------------------------------


def test_swedish_csv_semicolon_decimal_comma_windows_1252(target: Store) -> None:
    text = (
        "Namn;Typ;Adress;Öppettider;Språk;Lat;Lon\r\n"
        "Språkcafé Hörnan;Språkcafé;Storgatan 5, Markaryd;Tu 17:00-19:00;sv, ar, ti;56,4612;13,5971\r\n"
        "Fritidsgården Ängen;fritidsgard;Ängsvägen 2;;sv;56,46;13,6\r\n"
    )
    source = ImportSource("mötesplatser.csv", text.encode("cp1252"))
    assert suggest_mapping(read_source(source).columns, "meeting_places")["opening_hours"] == "Öppettider"
    result = import_layer(target, Role.ADMIN, source, "meeting_places")
    assert result.count == 2
    places = {p.name: p for p in target.meeting_places()}
    cafe = places["Språkcafé Hörnan"]
    assert (cafe.kind.value, cafe.address, cafe.languages) == ("sprakcafe", "Storgatan 5, Markaryd", ("sv", "ar", "ti"))
    assert (cafe.lat, cafe.lon) == (56.4612, 13.5971)
    assert places["Fritidsgården Ängen"].kind.value == "fritidsgard"


def test_preview_shows_mapped_fields(target: Store) -> None:
    source = ImportSource(
        "z.csv", "namn;typ;wkt_epsg4326\nA;medborgarlöfte;POLYGON((13 56,13.1 56,13.1 56.1,13 56))\n".encode()
    )
    frame = read_source(source)
    shown = preview(frame, "zones", suggest_mapping(frame.columns, "zones"))
    assert shown.loc[0, "name"] == "A" and shown.loc[0, "kind"] == "medborgarlöfte"
    assert shown.loc[0, "geometry"] == "Polygon"


def test_csv_cells_that_would_run_as_formulas_are_neutralised(store: Store, target: Store) -> None:
    from geo.model import MeetingPlace, MeetingPlaceKind

    store.add_meeting_places(
        [
            MeetingPlace('=HYPERLINK("http://evil.example","klicka")', MeetingPlaceKind.OTHER, 13.6, 56.46),
            MeetingPlace("Kyrkan", MeetingPlaceKind.CHURCH, 13.61, 56.47, contact="+46 70 123 45 67"),
            MeetingPlace("Föreningen", MeetingPlaceKind.ASSOCIATION, 13.62, 56.48, description="-2 grader i lokalen"),
            MeetingPlace("@mötet", MeetingPlaceKind.OTHER, 13.63, 56.49),
        ]
    )
    exported = export_layer(store, Role.ADMIN, "meeting_places", "csv")
    table = pd.read_csv(io.BytesIO(exported.data), dtype=str, keep_default_na=False)
    for cell in table.drop(columns=["lon", "lat"]).to_numpy().ravel():
        assert not cell.startswith(("=", "+", "-", "@")), cell
    assert "'=HYPERLINK" in set(table["name"].str[:11])
    import_layer(target, Role.ADMIN, ImportSource(exported.name, exported.data), "meeting_places")
    assert sorted(p.name for p in target.meeting_places()) == sorted(p.name for p in store.meeting_places())


# -- refused files: a message, and nothing written --------------------------------------------


BOWTIE_RING = [[13.59, 56.45], [13.61, 56.47], [13.61, 56.45], [13.59, 56.47], [13.59, 56.45]]
BOWTIE = {
    "type": "Feature",
    "properties": {"name": "Fjärilen", "kind": "platssamverkan"},
    "geometry": {"type": "Polygon", "coordinates": [BOWTIE_RING]},
}
GOOD = {
    "type": "Feature",
    "properties": {"name": "Torget", "kind": "platssamverkan"},
    "geometry": {"type": "Polygon", "coordinates": [[[13.6, 56.46], [13.601, 56.46], [13.601, 56.461], [13.6, 56.46]]]},
}


def geojson(*features: dict) -> ImportSource:
    return ImportSource("zoner.geojson", json.dumps({"type": "FeatureCollection", "features": list(features)}).encode())


def test_self_intersecting_polygon_is_listed_and_nothing_is_imported(filled_store: Store) -> None:
    before = counts(filled_store)
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, geojson(GOOD, BOWTIE), "zones", repair=False)
    assert refused.value.key == "io.refused"
    assert [(p.feature, p.key) for p in refused.value.problems] == [(2, "io.problem.invalid")]
    assert re.search(r"Objekt 2: ogiltig geometri \(Self-intersection\[", refused.value.text("sv"))
    assert counts(filled_store) == before


def test_self_intersecting_polygon_is_repaired_when_asked(filled_store: Store) -> None:
    result = import_layer(filled_store, Role.ADMIN, geojson(GOOD, BOWTIE), "zones", repair=True)
    assert result.count == 2 and [p.feature for p in result.repaired] == [2]
    zone = next(z for z in filled_store.zones() if z.name == "Fjärilen")
    geometry = shapely.from_wkt(zone.geometry_wkt)
    assert geometry.is_valid and geometry.geom_type == "MultiPolygon"


def test_wrong_geometry_type_is_refused(filled_store: Store) -> None:
    line = {**GOOD, "geometry": {"type": "LineString", "coordinates": [[13.6, 56.46], [13.61, 56.47]]}}
    before = counts(filled_store)
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, geojson(GOOD, line), "zones")
    assert "Objekt 2: geometritypen LineString passar inte lagret, som tar Polygon/MultiPolygon" in refused.value.text()
    assert counts(filled_store) == before


def shapefile_zip(tmp_path: Path, *, with_prj: bool) -> ImportSource:
    frame = gpd.GeoDataFrame(
        {"namn": ["Kyrkan"], "typ": ["kyrka"]}, geometry=[shapely.Point(CONTROL_E, CONTROL_N)], crs=3006
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(frame, folder / "platser.shp", driver="ESRI Shapefile")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.iterdir():
            if with_prj or part.suffix != ".prj":
                archive.write(part, part.name)
    return ImportSource("platser.zip", buffer.getvalue())


def test_shapefile_without_prj_is_refused_until_a_crs_is_chosen(tmp_path: Path, filled_store: Store) -> None:
    source = shapefile_zip(tmp_path, with_prj=False)
    before = counts(filled_store)
    with pytest.raises(ImportRefused, match="declares no coordinate reference system") as refused:
        import_layer(filled_store, Role.ADMIN, source, "meeting_places")
    assert refused.value.key == "io.no_crs"
    assert "anger inget koordinatsystem" in refused.value.text("sv")
    assert counts(filled_store) == before
    import_layer(filled_store, Role.ADMIN, source, "meeting_places", crs="3006")
    kyrkan = next(p for p in filled_store.meeting_places() if p.name == "Kyrkan")
    assert abs(kyrkan.lat - CONTROL_LAT) < 1e-5 and abs(kyrkan.lon - CONTROL_LON) < 2e-5


def test_csv_with_non_numeric_coordinates_is_refused_line_by_line(filled_store: Store) -> None:
    text = "namn;lat;lon\nA;56,46;13,6\nB;norr om kyrkan;13,6\nC;56,47;\n"
    before = counts(filled_store)
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, ImportSource("p.csv", text.encode()), "meeting_places")
    assert [p.feature for p in refused.value.problems] == [3, 4]  # line numbers in the file
    assert "Objekt 3: kolumnen lat har ”norr om kyrkan”, som inte är ett tal" in refused.value.text("sv")
    assert counts(filled_store) == before


def test_a_50_mb_file_is_refused_before_parsing(tmp_path: Path, filled_store: Store) -> None:
    big = tmp_path / "stor.geojson"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB of zero bytes: parsing would fail differently
    before = counts(filled_store)
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, ImportSource.from_path(big), "zones")
    assert refused.value.key == "io.too_large"
    assert refused.value.text("sv") == "Filen är 50.0 MB; största tillåtna storlek är 20 MB."
    assert counts(filled_store) == before


def test_a_report_with_an_unknown_category_refuses_the_whole_file(filled_store: Store) -> None:
    text = "kategori;lat;lon;text\ndalig_belysning;56,46;13,6;Mörkt\nbrand;56,46;13,6;Det brinner\n"
    before = counts(filled_store)
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, ImportSource("r.csv", text.encode()), "reports")
    assert [(p.feature, p.key) for p in refused.value.problems] == [(3, "io.problem.bad_value")]
    assert counts(filled_store) == before


def test_imported_report_text_is_scrubbed_and_pending(target: Store) -> None:
    text = "kategori;lat;lon;text;skapad\ndalig_belysning;56,46;13,6;Ring 070-123 45 67;2026-10-01 21:30\n"
    import_layer(target, Role.ADMIN, ImportSource("r.csv", text.encode()), "reports")
    row = target.reports_frame().iloc[0]
    assert (row["text"], row["moderation"], row["status"], row["source"]) == (
        "Ring [borttaget]",
        "pending",
        "ny",
        "import",
    )
    assert row["time_of_day"] == "kvall"  # 21:30 Swedish time
    assert row["created_at"] == pd.Timestamp("2026-10-01 19:30", tz="UTC")


def test_issue_17_only_the_team_and_the_admin_import_and_only_the_admin_the_boundary(filled_store: Store) -> None:
    for role in (Role.PUBLIC, Role.VIEWER, Role.POLICE):
        with pytest.raises(PermissionError):
            import_layer(filled_store, role, geojson(GOOD), "zones")
    with pytest.raises(PermissionError):
        import_layer(filled_store, Role.TEAM, geojson(GOOD), "boundary")
    assert import_layer(filled_store, Role.TEAM, geojson(GOOD), "zones").count == 1


def test_boundary_import_replaces_the_boundary(filled_store: Store) -> None:
    import_layer(filled_store, Role.ADMIN, geojson(GOOD), "boundary")
    name, geometry = filled_store.boundary()
    assert name == "Torget" and geometry.equals(shapely.geometry.shape(GOOD["geometry"]))


# -- export privacy --------------------------------------------------------------------------


def test_public_export_is_published_coarsened_scrubbed_and_never_has_contacts(filled_store: Store) -> None:
    secret = "anna.andersson@example.se"
    filled_store.add_report(
        {
            "lon": 13.6012345, "lat": 56.4612345, "category": "trafik", "feeling": "otrygg", "time_of_day": "dag",
            "text": "Ring 811218-9876", "created_at": NOW, "status": "ny", "moderation": "published", "source": "web",
        },
        email=secret,
    )  # fmt: skip
    staff = layer_frame(filled_store, Role.ADMIN, "reports")
    public = layer_frame(filled_store, Role.PUBLIC, "reports")
    published = filled_store.reports_frame(columns=["ref_code", "moderation", "lon", "lat"])
    published = published[published["moderation"] == "published"].set_index("ref_code")
    assert set(public["ref_code"]) == set(published.index)
    assert "moderation" not in public and "id" not in public
    assert "Ring [borttaget]" in set(public["text"]) and "Ring 811218-9876" in set(staff["text"])
    lon, lat = coarsen_points(published.loc[public["ref_code"], "lon"], published.loc[public["ref_code"], "lat"])
    np.testing.assert_allclose(public.geometry.x, lon, atol=1e-9)
    np.testing.assert_allclose(public.geometry.y, lat, atol=1e-9)
    assert len(staff) == 5 + 1  # every report not rejected, exact
    for viewer in (Role.PUBLIC, Role.ADMIN):
        for fmt in FORMATS:
            exported = export_layer(filled_store, viewer, "reports", fmt)
            data = zipfile.ZipFile(io.BytesIO(exported.data)).read("reports.dbf") if fmt == "shp" else exported.data
            assert secret.encode() not in data and b"example.se" not in data


# -- ogrinfo (Debian's gdal-bin) reads every export ------------------------------------------


@pytest.mark.parametrize("crs", [4326, 3006])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("layer", layer_names())
def test_ogrinfo_reads_every_export_with_its_crs(
    tmp_path: Path, filled_store: Store, layer: str, fmt: str, crs: int
) -> None:
    exported = export_layer(filled_store, Role.PUBLIC, layer, fmt, crs=crs)
    path = tmp_path / exported.name
    path.write_bytes(exported.data)
    target = f"/vsizip/{path}" if fmt == "shp" else str(path)
    options: list[str] = []
    if fmt == "csv":  # CSV holds no CRS: ogrinfo is told which columns hold the geometry
        names = ("lon", "lat") if crs == 4326 else ("x", "y")
        if layer in ("zones", "boundary"):
            options = ["-oo", f"GEOM_POSSIBLE_NAMES=wkt_epsg{crs}", "-oo", "KEEP_GEOM_COLUMNS=NO"]
        else:
            options = ["-oo", f"X_POSSIBLE_NAMES={names[0]}", "-oo", f"Y_POSSIBLE_NAMES={names[1]}"]
    info = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", *options, target], capture_output=True, text=True, timeout=60
    )
    assert info.returncode == 0, info.stderr
    assert f"Feature Count: {exported.count}" in info.stdout
    if fmt != "csv":
        assert re.search(rf'ID\["EPSG",{crs}\]\]\s*$', info.stdout.split("Data axis")[0].strip() + "\n", re.M), (
            info.stdout
        )
    else:
        if layer in ("reports", "meeting_places", "place_names"):
            assert "Geometry: Point" in info.stdout
        else:
            assert f"Geometry Column = wkt_epsg{crs}" in info.stdout


# -- command line ------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_exports_and_imports(tmp_path: Path, filled_store: Store, target: Store) -> None:
    source_url, target_url = str(filled_store.engine.url), str(target.engine.url)
    out = tmp_path / "zoner.gpkg"
    exported = run_cli("--database", source_url, "export", "--layer", "zones", "--format", "gpkg", "--crs", "3006",
                       "--output", str(out), "--exact")  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert "exported 2 features of zones" in exported.stdout
    imported = run_cli("--database", target_url, "import", str(out), "--layer", "zones")
    assert imported.returncode == 0, imported.stderr
    assert sorted(z.name for z in target.zones()) == ["Centrum", "Stationen"]


def test_cli_refusal_is_one_message_and_exit_1(tmp_path: Path, filled_store: Store) -> None:
    before = counts(filled_store)
    csv = tmp_path / "p.csv"
    csv.write_bytes(b"namn;lat;lon\nA;x;13,6\n")
    failed = run_cli("--database", str(filled_store.engine.url), "import", str(csv), "--layer", "meeting_places")
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: Inget importerades: 1 objekt har problem.")
    assert "Traceback" not in failed.stderr
    assert counts(filled_store) == before


# -- catalogue ----------------------------------------------------------------------------------


def test_every_io_and_api_message_is_in_every_catalogue() -> None:
    import ast

    from geo.i18n import LANGUAGES, messages

    keys = {f"io.layer.{layer}" for layer in layer_names()}
    for name in ("geo/io.py", "geo/api.py", "pages/import_export.py"):
        for node in ast.walk(ast.parse((ROOT / name).read_text(encoding="utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and re.fullmatch(r"(io|api)\.[a-z_]+(\.[a-z_]+)*", node.value):
                keys.add(node.value)
    assert len(keys) > 60
    for lang in LANGUAGES:
        assert not keys - set(messages(lang)), lang
