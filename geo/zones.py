"""Creating and editing platssamverkan zones and medborgarlöften areas.

Staff draw a polygon on the map (Leaflet.draw, served by the app) or reuse the shape
of an existing area; this module checks the shape and the fields before anything is
stored. Geometry is EPSG:4326 lon/lat; areas are measured in SWEREF 99 TM
(EPSG:3006). A self-intersecting polygon (a "bow tie") is repaired with
`shapely.make_valid` into the polygons it encloses, and the caller is told so; a
shape that leaves nothing polygonal, or is too small to be a place, is refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import shapely

from geo import audit
from geo.auth import User
from geo.crs import to_sweref99tm
from geo.model import Zone, ZoneKind
from geo.rights import Right, require
from geo.store import Store, TooLong, max_length

MIN_AREA_M2 = 25.0
"""Smaller than a 5 m × 5 m square is a slip of the mouse, not a place."""
MAX_AREA_KM2 = 2_000.0
"""Larger than any Swedish municipality's urban area: probably drawn at the wrong zoom."""
LIMITS: dict[str, int] = {
    name: limit
    for name in ("name", "description", "promise_text", "police_contact")
    if (limit := max_length("zones", name)) is not None
}
"""The most characters each text field holds: the schema's column lengths, read here and by
the page (a longer value is refused with a message, never cut or lost)."""
MAX_NAME = LIMITS["name"]


@dataclass(frozen=True)
class ZoneProblem:
    """What is wrong, as a catalogue key (``zones.error.<code>``) and the field it belongs to."""

    field: str
    code: str
    length: int = 0
    limit: int = 0


@dataclass(frozen=True)
class CheckedShape:
    geometry: shapely.Geometry | None
    repaired: bool
    problem: ZoneProblem | None


def check_shape(geometry: shapely.Geometry | None) -> CheckedShape:
    """A Polygon or MultiPolygon (EPSG:4326) fit to store: repaired if it crosses
    itself, refused if it is missing, not an area, too small or too large."""
    if geometry is None or geometry.is_empty:
        return CheckedShape(None, False, ZoneProblem("geometry", "missing"))
    repaired = False
    if not geometry.is_valid:
        geometry = _polygonal_part(shapely.make_valid(geometry))
        repaired = True
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        return CheckedShape(None, repaired, ZoneProblem("geometry", "not_area"))
    area_m2 = shapely.transform(geometry, lambda xy: _projected(xy)).area
    if area_m2 < MIN_AREA_M2:
        return CheckedShape(None, repaired, ZoneProblem("geometry", "too_small"))
    if area_m2 > MAX_AREA_KM2 * 1e6:
        return CheckedShape(None, repaired, ZoneProblem("geometry", "too_large"))
    return CheckedShape(shapely.normalize(geometry), repaired, None)


def _projected(xy: np.ndarray) -> np.ndarray:
    """EPSG:4326 lon/lat rows → EPSG:3006 metres, for `shapely.transform`."""
    east, north = to_sweref99tm().transform(xy[:, 0], xy[:, 1])
    return np.column_stack([east, north])


def _polygonal_part(geometry: shapely.Geometry) -> shapely.Geometry | None:
    """The polygons of what `make_valid` returns (it may add stray lines or points)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


@dataclass(frozen=True)
class ZoneForm:
    """What the person entered; ``geometry`` is EPSG:4326."""

    name: str
    kind: ZoneKind
    geometry: shapely.Geometry | None
    description: str = ""
    promise_text: str = ""
    police_contact: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None


@dataclass(frozen=True)
class SaveResult:
    zone_id: str | None
    problems: tuple[ZoneProblem, ...]
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(form: ZoneForm) -> tuple[list[ZoneProblem], CheckedShape]:
    """Every problem of ``form`` at once, and the checked shape."""
    problems: list[ZoneProblem] = []
    if not form.name.strip():
        problems.append(ZoneProblem("name", "name_missing"))
    elif len(form.name.strip()) > MAX_NAME:
        problems.append(ZoneProblem("name", "name_too_long", len(form.name.strip()), MAX_NAME))
    for field_name, value in (
        ("description", form.description),
        ("promise_text", form.promise_text),
        ("police_contact", form.police_contact),
    ):
        if len(value.strip()) > LIMITS[field_name]:
            problems.append(ZoneProblem(field_name, "text_too_long", len(value.strip()), LIMITS[field_name]))
    if form.kind is ZoneKind.MEDBORGARLOFTE:
        if form.start_date is None:
            problems.append(ZoneProblem("start_date", "start_missing"))
        if not form.promise_text.strip():
            problems.append(ZoneProblem("promise_text", "promise_missing"))
    if form.start_date and form.end_date and form.end_date < form.start_date:
        problems.append(ZoneProblem("end_date", "end_before_start"))
    shape = check_shape(form.geometry)
    if shape.problem:
        problems.append(shape.problem)
    return problems, shape


def save_zone(store: Store, form: ZoneForm, actor: User | None, *, zone_id: str | None = None) -> SaveResult:
    """Create a zone (``zone_id`` None) or replace an existing one. Nothing is stored
    when there is a problem. Needs ``manage_zones``; recorded in the audit log."""
    user = require(actor, Right.MANAGE_ZONES)
    problems, shape = validate(form)
    if problems:
        return SaveResult(None, tuple(problems), shape.repaired)
    assert shape.geometry is not None
    record = Zone(
        name=form.name.strip(),
        kind=ZoneKind(form.kind),
        geometry_wkt=shapely.to_wkt(shape.geometry, rounding_precision=-1),
        description=form.description.strip(),
        promise_text=form.promise_text.strip(),
        police_contact=form.police_contact.strip(),
        start_date=form.start_date,
        end_date=form.end_date,
    )
    try:
        if zone_id is None:
            store.add_zones([record])
        else:
            record = replace(record, id=zone_id)
            store.update_zone(record)
    except TooLong as refused:  # the store's own check: nothing was written
        problem = ZoneProblem(refused.column, "text_too_long", refused.length, refused.limit)
        return SaveResult(None, (problem,), shape.repaired)
    action = "zone.create" if zone_id is None else "zone.update"
    audit.record(store, user, action, record.id, {"name": record.name, "kind": record.kind.value})
    return SaveResult(record.id, (), shape.repaired)


def delete_zone(store: Store, zone_id: str, actor: User | None) -> None:
    """Remove a zone (its reports stay); KeyError for an unknown zone. Needs ``manage_zones``;
    recorded in the audit log."""
    user = require(actor, Right.MANAGE_ZONES)
    names = {zone.id: zone.name for zone in store.zones()}
    store.delete_zone(zone_id)
    audit.record(store, user, "zone.delete", zone_id, {"name": names.get(zone_id, "")})
