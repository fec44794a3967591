"""#16 §1: a simple layer is its registry entry alone. A throwaway layer registered here (on
the shape of the gazetteer's table, and on the zones' table for polygons) is imported and
exported with no converter or loader written for it: `geo.io` reads its rows by the entry's
fields and `Store.features` reads its table."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import shapely

from geo import registry
from geo.io import ImportRefused, ImportSource, export_layer, import_layer, layer_frame
from geo.model import Role
from geo.store import Store, TooLong

LANDMARKS = registry.Layer(
    name="landmarks",
    table="place_names",  # the gazetteer's shape: name, kind, detail and a point
    geometry=registry.POINT,
    fields=(
        registry.Field("name", True, ("name", "benamning")),
        registry.Field("kind", False, ("kind", "typ"), kind="enum", codes=("plats", "gata"), default="plats"),
        registry.Field("detail", False, ("detail", "ort")),
    ),
    public=registry.PublicFace(columns=("name", "kind")),
)
AREAS = registry.Layer(
    name="areas",
    table="zones",  # polygons as WKB, dates
    geometry=registry.POLYGONAL,
    fields=(
        registry.Field("name", True, ("name", "omrade")),
        registry.Field("kind", True, ("kind", "typ"), kind="enum", codes=("platssamverkan", "medborgarlofte")),
        registry.Field("start_date", False, ("start_date", "startdatum"), kind="date"),
    ),
    public=None,
)
SQUARE = "POLYGON ((13.6 56.6, 13.61 56.6, 13.61 56.61, 13.6 56.61, 13.6 56.6))"


def test_issue_16_a_point_layer_round_trips_from_its_registry_entry_alone(store: Store) -> None:
    csv = "Benämning;Typ;Ort;lon;lat\nTorget;;Hinneryd;13,62;56,63\nStorgatan;gata;Markaryd;13.59;56.46\n"
    with registry.registered(LANDMARKS):
        result = import_layer(store, Role.ADMIN, ImportSource("landmarks.csv", csv.encode()), "landmarks")
        assert (result.count, result.added) == (2, ("Torget", "Storgatan"))
        staff = layer_frame(store, Role.TEAM, "landmarks").sort_values("name").reset_index(drop=True)
        assert staff[["name", "kind", "detail"]].values.tolist() == [
            ["Storgatan", "gata", "Markaryd"],
            ["Torget", "plats", "Hinneryd"],  # an empty kind takes the field's default
        ]
        assert staff.geometry[1].equals_exact(shapely.Point(13.62, 56.63), 1e-12)
        public = json.loads(export_layer(store, Role.PUBLIC, "landmarks", "geojson").data)
        assert [sorted(f["properties"]) for f in public["features"]] == [["kind", "name"]] * 2

        exported = export_layer(store, Role.TEAM, "landmarks", "gpkg")  # staff exports keep ids
        again = import_layer(
            store, Role.ADMIN, ImportSource("l.gpkg", exported.data), "landmarks", mode="update", key="id"
        )
        assert (again.added, again.changed) == ((), ())  # the same features: nothing to do
        replaced = import_layer(store, Role.ADMIN, ImportSource("l.gpkg", exported.data), "landmarks", mode="replace")
        assert sorted(replaced.removed) == ["Storgatan", "Torget"]
        assert (
            layer_frame(store, Role.TEAM, "landmarks")
            .drop(columns="id")
            .sort_values("name")
            .reset_index(drop=True)
            .equals(staff.drop(columns="id"))
        )
    assert "landmarks" not in registry.layer_names()


def test_issue_16_a_polygon_layer_with_dates_round_trips_from_its_registry_entry_alone(store: Store) -> None:
    feature = {"type": "Feature", "geometry": shapely.geometry.mapping(shapely.from_wkt(SQUARE)),
               "properties": {"Område": "Centrum", "typ": "Medborgarlöfte", "startdatum": "2026-03-01"}}  # fmt: skip
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    with registry.registered(AREAS):
        import_layer(store, Role.ADMIN, ImportSource("areas.geojson", data), "areas")
        frame = layer_frame(store, Role.TEAM, "areas")
        assert frame[["name", "kind", "start_date"]].values.tolist() == [["Centrum", "medborgarlofte", "2026-03-01"]]
        assert frame.geometry[0].equals_exact(shapely.from_wkt(SQUARE), 1e-12)
        assert store.features("zones")[0]["start_date"] == dt.date(2026, 3, 1)
        csv = export_layer(store, Role.TEAM, "areas", "csv")
        updated = import_layer(
            store, Role.ADMIN, ImportSource("a.csv", csv.data.replace(b"Centrum", b"Centrum 2")), "areas",
            mode="update", key="id",
        )  # fmt: skip
        assert updated.changed == ("Centrum 2",)
        with pytest.raises(PermissionError):
            export_layer(store, Role.PUBLIC, "areas", "geojson")  # no public face: staff only


def test_issue_16_a_simple_layer_refuses_rows_by_its_fields(store: Store) -> None:
    long_name = "x" * 201  # the place_names table holds 200 characters
    csv = f"name;kind;lon;lat\n;plats;13.6;56.6\n{long_name};plats;13.6;56.6\nTorget;slott;13.6;56.6\n"
    with registry.registered(LANDMARKS), pytest.raises(ImportRefused) as refused:
        import_layer(store, Role.ADMIN, ImportSource("bad.csv", csv.encode()), "landmarks")
    found = {(p.feature, p.key) for p in refused.value.problems}
    assert found == {(2, "io.problem.missing"), (3, "io.problem.too_long"), (4, "io.problem.bad_value")}
    assert store.features("place_names") == []  # nothing written


def test_issue_16_the_generic_writer_refuses_an_over_long_text_before_writing(store: Store) -> None:
    row = {"id": "a", "name": "x" * 201, "kind": "plats", "detail": "", "geometry": shapely.Point(13.6, 56.6)}
    with pytest.raises(TooLong, match=r"place_names\.name"):
        store.import_features("place_names", add=[row])
    assert store.features("place_names") == []
