"""Import modes, the form's rules for imported reports, non-finite coordinates, nulls in exports
and export file names (geo/io.py, python -m geo): issue #15, points 5, 10, 13, 14 and 15."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geo.io import ImportRefused, ImportSource, export_layer, import_layer
from geo.model import Role
from geo.store import Store
from tests.unit.test_io import counts

ROOT = Path(__file__).resolve().parents[2]


def zone(name: str, x: float, **properties: object) -> dict:
    ring = [[x, 56.46], [x + 0.001, 56.46], [x + 0.001, 56.461], [x, 56.46]]
    return {
        "type": "Feature",
        "properties": {"name": name, "kind": "platssamverkan", **properties},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def collection(*features: dict, name: str = "zoner.geojson") -> ImportSource:
    return ImportSource(name, json.dumps({"type": "FeatureCollection", "features": list(features)}).encode())


def names(store: Store) -> list[str]:
    return sorted(z.name for z in store.zones())


# -- #15.5: NaN and Infinity ---------------------------------------------------------------------

NON_FINITE = {
    "point-nan.geojson": (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
                          b'{"category":"trafik"},"geometry":{"type":"Point","coordinates":[NaN,56.4]}}]}', "reports"),
    "point-inf.geojson": (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
                          b'{"category":"trafik"},"geometry":{"type":"Point","coordinates":[Infinity,56.4]}}]}',
                          "reports"),
    "polygon-nan.geojson": (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x",'
                            b'"kind":"platssamverkan"},"geometry":{"type":"Polygon","coordinates":'
                            b'[[[13,56],[NaN,56],[13.1,56.1],[13,56]]]}}]}', "zones"),
    "ring-starts-nan.geojson": (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x",'
                                b'"kind":"platssamverkan"},"geometry":{"type":"Polygon","coordinates":'
                                b'[[[NaN,56],[13.1,56],[13.1,56.1],[13,56]]]}}]}', "zones"),  # GEOS cannot build it
    "wkt-nan.csv": (b"wkt_epsg4326;name\nPOINT (nan 56);x\n", "meeting_places"),
    "wkt-inf.csv": (b"wkt_epsg4326;name;kind\nPOLYGON ((13 56, inf 56, 13.1 56.1, 13 56));x;platssamverkan\n",
                    "zones"),
    "sweref-nan.csv": (b"wkt_epsg3006;name\nPOINT (nan 6250000);x\n", "meeting_places"),
}  # fmt: skip


@pytest.mark.parametrize("name", NON_FINITE)
def test_issue_15_non_finite_coordinates_get_a_message_per_feature(filled_store: Store, name: str) -> None:
    data, layer = NON_FINITE[name]
    before = counts(filled_store)
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, ImportSource(name, data), layer)
    assert refused.value.key == "io.refused"
    assert [p.key for p in refused.value.problems] == ["io.problem.not_finite"]
    assert re.search(r"Objekt \d: en koordinat är inget ändligt tal", refused.value.text("sv"))
    assert counts(filled_store) == before


def test_issue_15_nan_in_lon_lat_columns_is_not_a_number(filled_store: Store) -> None:
    text = b"lon;lat;category\nNaN;56,46;trafik\n13,6;inf;trafik\n"
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, ImportSource("r.csv", text), "reports")
    assert [(p.feature, p.key) for p in refused.value.problems] == [
        (2, "io.problem.not_a_number"),
        (3, "io.problem.not_a_number"),
    ]


# -- #15.10: empty values are null, one date format ------------------------------------------------


def test_issue_15_a_zone_without_end_date_exports_null_and_dates_keep_one_format(filled_store: Store) -> None:
    exported = json.loads(export_layer(filled_store, Role.TEAM, "zones", "geojson").data)
    by_name = {f["properties"]["name"]: f["properties"] for f in exported["features"]}
    assert by_name["Centrum"]["start_date"] == "2026-01-01" and by_name["Centrum"]["end_date"] is None
    assert by_name["Stationen"]["start_date"] is None and by_name["Stationen"]["description"] is None
    gpkg = export_layer(filled_store, Role.TEAM, "zones", "gpkg").data
    frame = pyogrio.read_dataframe(io.BytesIO(gpkg))
    assert frame["end_date"].isna().all()
    table = pd.read_csv(io.BytesIO(export_layer(filled_store, Role.TEAM, "zones", "csv").data), dtype=str)
    dates = [v for c in ("start_date", "end_date") for v in table[c].dropna()]
    assert dates and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in dates)
    reports = pd.read_csv(io.BytesIO(export_layer(filled_store, Role.TEAM, "reports", "csv").data), dtype=str)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", v) for v in reports["created_at"])


# -- #15.13: append, replace, update ----------------------------------------------------------------


def test_issue_15_append_twice_gives_two_copies_replace_gives_the_file(filled_store: Store) -> None:
    source = collection(zone("Torget", 13.6), zone("Parken", 13.62))
    import_layer(filled_store, Role.ADMIN, source, "zones")
    import_layer(filled_store, Role.ADMIN, source, "zones", mode="append")
    assert names(filled_store).count("Torget") == 2
    planned = import_layer(filled_store, Role.ADMIN, source, "zones", mode="replace", dry_run=True)
    assert not planned.written and sorted(planned.added) == ["Parken", "Torget"]
    assert sorted(planned.removed) == ["Centrum", "Parken", "Parken", "Stationen", "Torget", "Torget"]
    assert len(names(filled_store)) == 6  # a dry run writes nothing
    import_layer(filled_store, Role.ADMIN, source, "zones", mode="replace")
    assert names(filled_store) == ["Parken", "Torget"]
    again = import_layer(filled_store, Role.ADMIN, source, "zones", mode="replace")
    assert names(filled_store) == ["Parken", "Torget"] and again.written


def test_issue_15_update_by_id_from_a_staff_export_changes_in_place(filled_store: Store) -> None:
    exported = json.loads(export_layer(filled_store, Role.TEAM, "zones", "geojson").data)
    ids = {f["properties"]["name"]: f["properties"]["id"] for f in exported["features"]}
    for feature in exported["features"]:
        if feature["properties"]["name"] == "Centrum":
            feature["properties"]["promise_text"] = "Vi lovar mer"
    exported["features"].append(zone("Nytt", 13.65))
    source = ImportSource("zoner.geojson", json.dumps(exported).encode())
    planned = import_layer(filled_store, Role.ADMIN, source, "zones", mode="update", key="id", dry_run=True)
    assert (planned.added, planned.changed, planned.removed) == (("Nytt",), ("Centrum",), ())
    import_layer(filled_store, Role.ADMIN, source, "zones", mode="update", key="id")
    stored = {z.name: z for z in filled_store.zones()}
    assert sorted(stored) == ["Centrum", "Nytt", "Stationen"]
    assert stored["Centrum"].id == ids["Centrum"] and stored["Centrum"].promise_text == "Vi lovar mer"
    fresh = ImportSource("zoner.geojson", export_layer(filled_store, Role.TEAM, "zones", "geojson").data)
    unchanged = import_layer(filled_store, Role.ADMIN, fresh, "zones", mode="update", key="id", dry_run=True)
    assert (unchanged.added, unchanged.changed, unchanged.removed) == ((), (), ())


def test_issue_15_update_by_a_field_column_and_its_refusals(filled_store: Store) -> None:
    source = collection(zone("Stationen", 13.7, description="Ny text"), zone("Ny", 13.8))
    result = import_layer(filled_store, Role.ADMIN, source, "zones", mode="update", key="name")
    assert (result.added, result.changed) == (("Ny",), ("Stationen",))
    assert next(z for z in filled_store.zones() if z.name == "Stationen").description == "Ny text"
    before = counts(filled_store)
    twice = collection(zone("Ny", 13.8), zone("Ny", 13.81))
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, twice, "zones", mode="update", key="name")
    assert [(p.feature, p.key) for p in refused.value.problems] == [(2, "io.problem.duplicate_key")]
    for key, message in (
        (None, "io.key_needed"),
        ("saknas", "io.no_such_column"),
        ("nyckel", "io.key_not_field"),  # in the file, but feeds no field
        ("kind", "io.key_not_unique"),  # two stored zones share a kind
    ):
        feature = zone("Ny", 13.8)
        feature["properties"]["nyckel"] = "1"
        with pytest.raises(ImportRefused) as refused:
            import_layer(filled_store, Role.ADMIN, collection(feature), "zones", mode="update", key=key)
        assert refused.value.key == message
    assert counts(filled_store) == before


def test_issue_15_reports_are_only_appended(filled_store: Store) -> None:
    text = b"kategori;lat;lon\ntrafik;56,46;13,6\n"
    for mode in ("replace", "update"):
        with pytest.raises(ImportRefused) as refused:
            import_layer(filled_store, Role.ADMIN, ImportSource("r.csv", text), "reports", mode=mode, key="kategori")
        assert refused.value.key == "io.mode_reports"
        assert "kan bara läggas till" in refused.value.text("sv")


# -- #15.14: imported reports meet the form's rules -------------------------------------------------


def test_issue_15_imported_reports_outside_the_municipality_are_refused_feature_by_feature(filled_store: Store) -> None:
    oslo, markaryd = "59,91;10,75", "56,46;13,6"
    text = f"kategori;lat;lon;text\ntrafik;{markaryd};Här\ntrafik;{oslo};Oslo\ntrafik;{markaryd};Också här\n"
    before = counts(filled_store)
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, ImportSource("r.csv", text.encode()), "reports")
    assert [(p.feature, p.key) for p in refused.value.problems] == [(3, "report.error.outside")]
    assert counts(filled_store) == before


def test_issue_15_imported_reports_of_a_retired_category_are_refused(filled_store: Store) -> None:
    retired = next(c for c in filled_store.categories() if c.code == "trafik")
    filled_store.upsert_categories([dataclasses.replace(retired, active=False)])
    with pytest.raises(ImportRefused) as refused:
        import_layer(
            filled_store, Role.ADMIN, ImportSource("r.csv", b"kategori;lat;lon\ntrafik;56,46;13,6\n"), "reports"
        )
    assert [(p.feature, p.key) for p in refused.value.problems] == [(2, "report.error.category")]


def test_issue_15_text_that_grows_past_the_limit_when_scrubbed_is_refused(filled_store: Store) -> None:
    text = ("a@b.se " * 142)[:994]  # 994 characters; each address becomes "[borttaget]"
    data = f"kategori;lat;lon;text\ntrafik;56,46;13,6;{text}\n".encode()
    with pytest.raises(ImportRefused) as refused:
        import_layer(filled_store, Role.ADMIN, ImportSource("r.csv", data), "reports")
    assert [(p.feature, p.key) for p in refused.value.problems] == [(2, "io.problem.too_long")]


# -- #15.15 and the command line ---------------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_issue_15_a_shapefile_export_named_shp_is_written_as_zip_and_said(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run_cli("--database", url, "seed-demo", "--reports", "20", cwd=tmp_path).returncode == 0
    done = run_cli(
        "--database", url, "export", "--layer", "zones", "--format", "shp", "--output", "r.shp", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "r.zip" in done.stdout and not (tmp_path / "r.shp").exists()
    assert (tmp_path / "r.zip").read_bytes()[:2] == b"PK"


def test_issue_15_cli_import_modes_and_dry_run_list_the_changes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run_cli("--database", url, "db", "upgrade", cwd=tmp_path).returncode == 0
    (tmp_path / "z.geojson").write_bytes(collection(zone("Torget", 13.6), zone("Parken", 13.62)).data)
    common = ("--database", url, "import", "z.geojson", "--layer", "zones")
    assert run_cli(*common, cwd=tmp_path).returncode == 0
    planned = run_cli(*common, "--mode", "replace", "--dry-run", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert "Skulle lägga till 2, ändra 0 och ta bort 2 objekt" in planned.stdout
    assert "Tas bort: Parken, Torget" in planned.stdout
    refused = run_cli(*common, "--mode", "update", cwd=tmp_path)
    assert refused.returncode == 1 and "nyckelkolumn" in refused.stderr and "Traceback" not in refused.stderr
    updated = run_cli(*common, "--mode", "update", "--key", "name", cwd=tmp_path)
    assert updated.returncode == 0 and "Lade till 0, ändrade 0 och tog bort 0" in updated.stdout
