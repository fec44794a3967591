"""Simple layers read and written by their registry entry alone (`geo.registry`): rows of
plain values (text, numbers, dates) and one geometry, in the table the entry names.

A row is a ``dict`` of column values plus ``geometry`` (shapely, EPSG:4326). A table with
``lon``/``lat`` columns holds points as those two floats (degrees); one with ``geom_wkb``
holds any geometry as WKB."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import shapely
import sqlalchemy as sa

from geo.store.base import StoreBase
from geo.store.tables import check_lengths, metadata


class FeatureStore(StoreBase):
    """Generic rows of a simple layer's table (mixed into `geo.store.Store`)."""

    def features(self, table: str) -> list[dict[str, Any]]:
        """Every row of ``table`` (by name, then id, where it has them), its geometry decoded
        into ``geometry`` (EPSG:4326)."""
        target = _table(table)
        order = [target.c[name] for name in ("name", "id") if name in target.c]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(target).order_by(*order)).mappings().all()
        return [_decode(dict(row)) for row in rows]

    def import_features(
        self,
        table: str,
        *,
        add: Sequence[Mapping[str, Any]] = (),
        update: Sequence[Mapping[str, Any]] = (),
        replace: bool = False,
    ) -> None:
        """Write an import into ``table`` in one transaction: with ``replace`` every stored
        row is deleted first; each of ``update`` replaces the stored row with its ``id``
        (KeyError if there is none); ``add`` is inserted. All or nothing; a text longer than
        its column holds raises `TooLong` before anything is written."""
        target = _table(table)
        with self.transaction() as conn:
            if replace:
                conn.execute(target.delete())
            for item in update:
                row = _encode(target, item)
                ident = row.pop("id")
                if not conn.execute(target.update().where(target.c.id == ident).values(**row)).rowcount:
                    raise KeyError(ident)
            if add:
                conn.execute(target.insert(), [_encode(target, item) for item in add])


def _table(name: str) -> sa.Table:
    found = metadata.tables.get(name)
    if found is None:
        raise ValueError(f"no table called {name!r}")
    return found


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    if "geom_wkb" in row:
        row["geometry"] = shapely.from_wkb(row.pop("geom_wkb"))
    elif "lon" in row and "lat" in row:
        row["geometry"] = shapely.Point(row.pop("lon"), row.pop("lat"))
    return row


def _encode(target: sa.Table, item: Mapping[str, Any]) -> dict[str, Any]:
    row = {name: value for name, value in item.items() if name != "geometry"}
    geometry = item.get("geometry")
    if "geom_wkb" in target.c:
        row["geom_wkb"] = shapely.to_wkb(geometry)
    elif "lon" in target.c and "lat" in target.c:
        row["lon"], row["lat"] = float(geometry.x), float(geometry.y)
    unknown = set(row) - set(target.c.keys())
    if unknown:
        raise ValueError(f"{target.name} has no column(s) {sorted(unknown)}")
    check_lengths(target.name, row)  # `TooLong` before writing, alike on both backends
    return row
