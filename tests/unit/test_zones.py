"""Drawing and editing zones: shapes repaired or refused, fields checked, staff only."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely

from geo.auth import User
from geo.mapview import shape_from_drawing
from geo.model import Role, ZoneKind
from geo.store import Store, TooLong, max_length
from geo.zones import LIMITS, ZoneForm, ZoneProblem, check_shape, delete_zone, save_zone

TEAM = User("kommun.anna", Role.TEAM)
# A bow tie: the outline crosses itself at (13.60, 56.46).
BOW_TIE = shapely.Polygon([(13.59, 56.45), (13.61, 56.47), (13.61, 56.45), (13.59, 56.47)])
SQUARE = shapely.box(13.59, 56.45, 13.61, 56.47)


def form(**changes: object) -> ZoneForm:
    values: dict[str, object] = {
        "name": "Torget",
        "kind": ZoneKind.MEDBORGARLOFTE,
        "geometry": SQUARE,
        "promise_text": "Vi ska synas mer på torget på kvällarna.",
        "police_contact": "Kommunpolisen",
        "start_date": dt.date(2026, 1, 1),
        "end_date": dt.date(2026, 12, 31),
    }
    return ZoneForm(**(values | changes))  # type: ignore[arg-type]


def test_a_self_intersecting_polygon_is_repaired_into_its_two_triangles() -> None:
    assert not BOW_TIE.is_valid
    checked = check_shape(BOW_TIE)
    assert checked.repaired and checked.problem is None
    assert checked.geometry.geom_type == "MultiPolygon" and checked.geometry.is_valid
    assert len(checked.geometry.geoms) == 2
    assert checked.geometry.area == pytest.approx(SQUARE.area / 2)


@pytest.mark.parametrize(
    ("geometry", "code"),
    [
        (None, "missing"),
        (shapely.Polygon([(13.6, 56.46), (13.61, 56.46), (13.62, 56.46)]), "not_area"),  # all on one line
        (shapely.LineString([(13.6, 56.46), (13.61, 56.47)]), "not_area"),
        (shapely.box(13.6, 56.46, 13.60001, 56.46001), "too_small"),  # about 0.6 m × 1.1 m
        (shapely.box(10.0, 55.0, 20.0, 65.0), "too_large"),
    ],
)
def test_shapes_that_are_no_place_are_refused(geometry: shapely.Geometry | None, code: str) -> None:
    checked = check_shape(geometry)
    assert checked.geometry is None and checked.problem == ZoneProblem("geometry", code)


def test_leaflet_draw_feature_becomes_a_polygon() -> None:
    feature = {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[13.59, 56.45], [13.61, 56.45], [13.61, 56.47], [13.59, 56.45]]],
        },
    }
    assert shape_from_drawing(feature).equals(shapely.Polygon([(13.59, 56.45), (13.61, 56.45), (13.61, 56.47)]))
    assert shape_from_drawing(None) is None
    assert shape_from_drawing({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": "x"}}) is None


def test_a_medborgarlofte_needs_a_start_date_and_a_promise_and_a_sane_period(store: Store) -> None:
    result = save_zone(store, form(start_date=None, promise_text=" ", end_date=dt.date(2025, 1, 1), name=""), TEAM)
    assert not result.ok
    assert {p.code for p in result.problems} == {"name_missing", "start_missing", "promise_missing"}
    result = save_zone(store, form(end_date=dt.date(2025, 1, 1)), TEAM)
    assert [p.code for p in result.problems] == ["end_before_start"]
    assert store.zones() == []
    # A platssamverkan zone needs neither.
    assert save_zone(store, form(kind=ZoneKind.PLATSSAMVERKAN, start_date=None, promise_text=""), TEAM).ok


def test_create_edit_and_delete_a_zone(store: Store) -> None:
    created = save_zone(store, form(geometry=BOW_TIE), TEAM)
    assert created.ok and created.repaired
    (zone,) = store.zones()
    assert zone.id == created.zone_id and zone.name == "Torget" and zone.start_date == dt.date(2026, 1, 1)
    assert shapely.from_wkt(zone.geometry_wkt).is_valid
    version = store.data_version()
    edited = save_zone(store, form(name="Torget och busstationen", geometry=SQUARE), TEAM, zone_id=zone.id)
    assert edited.ok and not edited.repaired
    (zone,) = store.zones()
    assert zone.name == "Torget och busstationen" and shapely.from_wkt(zone.geometry_wkt).equals(SQUARE)
    assert store.data_version() > version
    delete_zone(store, zone.id, TEAM)
    assert store.zones() == []
    with pytest.raises(KeyError):
        delete_zone(store, zone.id, TEAM)


@pytest.mark.parametrize("actor", [None, User("x", Role.PUBLIC)])
def test_only_staff_may_edit_zones(store: Store, actor: User | None) -> None:
    with pytest.raises(PermissionError):
        save_zone(store, form(), actor)
    with pytest.raises(PermissionError):
        delete_zone(store, "x", actor)
    assert store.zones() == []


def test_issue_15_the_zone_limits_are_the_schemas() -> None:
    """One place for every length: the columns. The description holds 2,000, the promise 4,000."""
    assert {
        name: max_length("zones", name) for name in ("name", "description", "promise_text", "police_contact")
    } == LIMITS
    assert (LIMITS["description"], LIMITS["promise_text"]) == (2000, 4000)


@pytest.mark.parametrize("field", ["description", "promise_text", "police_contact", "name"])
def test_issue_15_an_over_long_zone_text_gets_a_message_and_nothing_is_written(store: Store, field: str) -> None:
    limit = max_length("zones", field)
    assert limit is not None
    result = save_zone(store, form(**{field: "x" * (limit + 1)}), TEAM)
    code = "name_too_long" if field == "name" else "text_too_long"
    assert result.problems == (ZoneProblem(field, code, limit + 1, limit),)
    assert store.zones() == []
    assert save_zone(store, form(**{field: "x" * limit}), TEAM).ok  # exactly the limit fits, on both backends
    (zone,) = store.zones()
    assert len(getattr(zone, field)) == limit


def test_issue_15_the_store_itself_refuses_an_over_long_text_on_both_backends(store: Store) -> None:
    """The store's own check: SQLite would store it, PostgreSQL would fail the transaction."""
    from geo.model import Zone

    zone = Zone("Torget", ZoneKind.PLATSSAMVERKAN, SQUARE.wkt, description="x" * 2001)
    with pytest.raises(TooLong, match=r"zones\.description holds at most 2000 characters, got 2001") as refused:
        store.add_zones([zone])
    assert (refused.value.column, refused.value.length, refused.value.limit) == ("description", 2001, 2000)
    assert store.zones() == []
