"""Categories, meeting places, zones (platssamverkan, medborgarlöften) and the
municipality boundary: the small tables, read and written as `geo.model` objects."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.model import Category, Feeling, MeetingPlace, MeetingPlaceKind, PlaceKind, PlaceName, Zone, ZoneKind
from geo.store.base import StoreBase
from geo.store.tables import (
    TooLong,
    boundaries,
    categories,
    check_lengths,
    max_length,
    meeting_places,
    place_names,
    zones,
)


class PlaceStore(StoreBase):
    """Categories, meeting places, zones and the boundary (mixed into `geo.store.Store`)."""

    # -- categories --------------------------------------------------------

    def upsert_categories(self, items: Iterable[Category]) -> None:
        with self.transaction() as conn:
            upsert_categories(conn, items)

    def categories(self, *, include_inactive: bool = False) -> list[Category]:
        query = sa.select(categories).order_by(categories.c.sort_order, categories.c.code)
        if not include_inactive:
            query = query.where(categories.c.active.is_(True))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            Category(
                code=r["code"],
                feeling=Feeling(r["feeling"]),
                labels=dict(r["labels"] or {}),
                help=dict(r["help"] or {}),
                icon=r["icon"],
                sort_order=r["sort_order"],
                active=bool(r["active"]),
            )
            for r in rows
        ]

    # -- meeting places ----------------------------------------------------

    def add_meeting_places(self, items: Iterable[MeetingPlace]) -> None:
        rows = [_place_row(place) for place in items]
        if not rows:
            return
        with self.transaction() as conn:
            conn.execute(meeting_places.insert(), rows)

    def meeting_places(self, *, include_retired: bool = False) -> list[MeetingPlace]:
        """The meeting places by name; retired ones only with ``include_retired``."""
        query = sa.select(meeting_places).order_by(meeting_places.c.name, meeting_places.c.id)
        if not include_retired:
            query = query.where(meeting_places.c.active.is_(True))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [_place(r) for r in rows]

    def meeting_place(self, place_id: str) -> MeetingPlace | None:
        """The meeting place with ``place_id`` (retired ones too), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(meeting_places).where(meeting_places.c.id == place_id)).mappings().first()
        return _place(row) if row is not None else None

    def save_meeting_place(
        self,
        place: MeetingPlace,
        *,
        expected_version: int | None,
        also: Callable[[Connection], None] | None = None,
    ) -> MeetingPlace:
        """Write one meeting place in one transaction and return it as stored. ``expected_version``
        None adds a new place (version 1); otherwise the stored place must still be at that version
        (`StaleEdit` if someone saved it meanwhile, KeyError if there is none) and is replaced, its
        version one higher. ``also(conn)`` runs in the same transaction (the audit record)."""
        with self.transaction() as conn:
            if expected_version is None:
                stored = replace(place, version=1)
                conn.execute(meeting_places.insert().values(**_place_row(stored)))
            else:
                current = conn.execute(
                    sa.select(meeting_places.c.version).where(meeting_places.c.id == place.id)
                ).scalar()
                if current is None:
                    raise KeyError(place.id)
                if current != expected_version:
                    raise StaleEdit(place.id, expected_version, current)
                stored = replace(place, version=current + 1)
                row = _place_row(stored)
                row.pop("id")
                conn.execute(meeting_places.update().where(meeting_places.c.id == place.id).values(**row))
            if also is not None:
                also(conn)
        return stored

    # -- the gazetteer -------------------------------------------------------

    def add_place_names(self, items: Iterable[PlaceName]) -> None:
        """Add gazetteer entries (villages, places, streets, addresses), in one transaction."""
        rows = [{**asdict(item), "kind": str(item.kind)} for item in items]
        if not rows:
            return
        with self.transaction() as conn:
            conn.execute(place_names.insert(), rows)

    def place_names(self) -> list[PlaceName]:
        """Every gazetteer entry, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(place_names).order_by(place_names.c.name)).mappings().all()
        return [PlaceName(**{**dict(r), "kind": PlaceKind(r["kind"])}) for r in rows]

    # -- zones -------------------------------------------------------------

    def add_zones(self, items: Iterable[Zone]) -> None:
        rows = [_zone_row(zone) for zone in items]
        if not rows:
            return
        with self.transaction() as conn:
            conn.execute(zones.insert(), rows)

    def zones(self, kind: ZoneKind | None = None) -> list[Zone]:
        query = sa.select(zones).order_by(zones.c.kind, zones.c.name)
        if kind is not None:
            query = query.where(zones.c.kind == str(kind))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        result = []
        for r in rows:
            row = dict(r)
            wkb = row.pop("geom_wkb")
            result.append(
                Zone(
                    **{
                        **row,
                        "kind": ZoneKind(row["kind"]),
                        "geometry_wkt": shapely.to_wkt(shapely.from_wkb(wkb), rounding_precision=-1),
                    }
                )
            )
        return result

    def update_zone(self, zone: Zone) -> None:
        """Replace every field of the stored zone with ``zone.id``; KeyError if there is none."""
        geometry = _check_polygonal(shapely.from_wkt(zone.geometry_wkt), "geometry_wkt")
        row = asdict(zone)
        row.pop("geometry_wkt")
        row.pop("id")
        row["kind"] = str(zone.kind)
        row["geom_wkb"] = shapely.to_wkb(geometry)
        check_lengths("zones", row)
        with self.transaction() as conn:
            changed = conn.execute(zones.update().where(zones.c.id == zone.id).values(**row)).rowcount
            if not changed:
                raise KeyError(zone.id)

    def delete_zone(self, zone_id: str) -> None:
        """Remove a zone; KeyError if there is none. Reports inside it stay."""
        with self.transaction() as conn:
            if not conn.execute(zones.delete().where(zones.c.id == zone_id)).rowcount:
                raise KeyError(zone_id)

    def zone_geometry(self, zone_id: str) -> shapely.Geometry | None:
        """The zone's polygon in EPSG:4326, or None for an unknown id."""
        with self.engine.connect() as conn:
            wkb = conn.execute(sa.select(zones.c.geom_wkb).where(zones.c.id == zone_id)).scalar()
        return shapely.from_wkb(wkb) if wkb is not None else None

    # -- imports ------------------------------------------------------------

    def import_places(
        self,
        table: str,
        *,
        add: Sequence[Zone | MeetingPlace | PlaceName] = (),
        update: Sequence[Zone | MeetingPlace | PlaceName] = (),
        replace: bool = False,
    ) -> None:
        """Write an import into ``table`` (``zones``, ``meeting_places``, ``place_names``) in one transaction:
        with ``replace`` every stored row is deleted first; each of ``update`` replaces the
        stored row with its id; ``add`` is inserted. All or nothing."""
        target = {"zones": zones, "meeting_places": meeting_places, "place_names": place_names}[table]
        with self.transaction() as conn:
            if replace:
                conn.execute(target.delete())
            for item in update:
                row = _row(item)
                ident = row.pop("id")
                if not conn.execute(target.update().where(target.c.id == ident).values(**row)).rowcount:
                    raise KeyError(ident)
            if add:
                conn.execute(target.insert(), [_row(item) for item in add])

    # -- municipality boundary --------------------------------------------

    def set_boundary(self, name: str, geometry: shapely.Geometry) -> None:
        """Replace the municipality boundary (Polygon/MultiPolygon, EPSG:4326)."""
        geometry = _check_polygonal(geometry, "geometry")
        check_lengths("boundaries", {"name": name})
        with self.transaction() as conn:
            replace_boundary(conn, name, geometry)

    def boundary(self) -> tuple[str, shapely.Geometry] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(boundaries.c.name, boundaries.c.geom_wkb)).first()
        if row is None:
            return None
        return row.name, shapely.from_wkb(row.geom_wkb)


class StaleEdit(RuntimeError):
    """Someone saved the meeting place since it was read: nothing was written."""

    def __init__(self, place_id: str, expected: int, current: int) -> None:
        super().__init__(f"meeting place {place_id!r} is at version {current}, not {expected}")
        self.place_id, self.expected, self.current = place_id, expected, current


def _place(r: Mapping[str, Any]) -> MeetingPlace:
    return MeetingPlace(
        **{
            **dict(r),
            "kind": MeetingPlaceKind(r["kind"]),
            "languages": tuple(r["languages"] or ()),
            "audience": tuple(r["audience"] or ()),
            "descriptions": dict(r["descriptions"] or {}),
            "active": bool(r["active"]),
        }
    )


def upsert_categories(conn: Connection, items: Iterable[Category]) -> None:
    """Add or replace each category of ``items`` (by code) inside the caller's transaction."""
    for cat in items:
        row = {
            "code": cat.code,
            "feeling": str(cat.feeling),
            "labels": dict(cat.labels),
            "help": dict(cat.help),
            "icon": cat.icon,
            "sort_order": cat.sort_order,
            "active": cat.active,
        }
        exists = conn.execute(sa.select(categories.c.code).where(categories.c.code == cat.code)).first()
        if exists:
            conn.execute(categories.update().where(categories.c.code == cat.code).values(**row))
        else:
            conn.execute(categories.insert().values(**row))


def replace_boundary(conn: Connection, name: str, geometry: shapely.Geometry) -> None:
    """Replace the municipality boundary (Polygon/MultiPolygon, EPSG:4326) inside the caller's transaction."""
    geometry = _check_polygonal(geometry, "geometry")
    check_lengths("boundaries", {"name": name})
    conn.execute(boundaries.delete())
    conn.execute(boundaries.insert().values(id=1, name=name, geom_wkb=shapely.to_wkb(geometry)))


def _place_row(place: MeetingPlace) -> dict[str, object]:
    row = asdict(place)
    row["kind"] = str(place.kind)
    row["languages"] = list(place.languages)
    row["audience"] = list(place.audience)
    row["descriptions"] = dict(place.descriptions)
    check_lengths("meeting_places", row)
    for lang, text in place.descriptions.items():
        limit = max_length("meeting_places", "description") or 0
        if len(text) > limit:
            raise TooLong("meeting_places", f"descriptions.{lang}", len(text), limit)
    return row


def _zone_row(zone: Zone) -> dict[str, object]:
    geometry = _check_polygonal(shapely.from_wkt(zone.geometry_wkt), "geometry_wkt")
    row = asdict(zone)
    row.pop("geometry_wkt")
    row["kind"] = str(zone.kind)
    row["geom_wkb"] = shapely.to_wkb(geometry)
    check_lengths("zones", row)
    return row


def _row(item: Zone | MeetingPlace | PlaceName) -> dict[str, object]:
    if isinstance(item, PlaceName):
        row = {**asdict(item), "kind": str(item.kind)}
        check_lengths("place_names", row)
        return row
    return _zone_row(item) if isinstance(item, Zone) else _place_row(item)


def _check_polygonal(geometry: shapely.Geometry | None, name: str) -> shapely.Geometry:
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        kind = None if geometry is None else geometry.geom_type
        raise ValueError(f"{name} must be a Polygon or MultiPolygon in EPSG:4326, got {kind!r}")
    if geometry.is_empty:
        raise ValueError(f"{name} must not be empty")
    return geometry
