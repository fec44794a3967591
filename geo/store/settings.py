"""The deployment's settings: one row per key, the value JSON (`geo.municipality` says which
keys there are and what they mean), and the first-time set-up written in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.model import Category
from geo.store.base import StoreBase
from geo.store.places import replace_boundary, upsert_categories
from geo.store.tables import categories, settings


class SettingsStore(StoreBase):
    """Settings and the set-up (mixed into `geo.store.Store`)."""

    def setting_values(self) -> dict[str, Any]:
        """Every stored setting, key → value (as stored: JSON)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(settings.c.key, settings.c.value)).all()
        return {row.key: row.value for row in rows}

    def put_settings(self, values: Mapping[str, Any], *, also: Callable[[Connection], None] | None = None) -> None:
        """Store each of ``values`` (key → JSON value; None removes the key) in one transaction,
        with what ``also`` writes in it (an audit record)."""
        with self.transaction() as conn:
            write_settings(conn, values)
            if also is not None:
                also(conn)

    def set_up_municipality(
        self,
        name: str,
        boundary: shapely.Geometry,
        values: Mapping[str, Any],
        default_categories: Iterable[Category],
        *,
        also: Callable[[Connection], None] | None = None,
    ) -> bool:
        """The first-time set-up in one transaction: the boundary (``name``, a Polygon or
        MultiPolygon in EPSG:4326) replaces any stored one, ``values`` are stored, and
        ``default_categories`` are written when the database holds no category yet (an admin's
        categories are kept). ``also`` writes inside the same transaction. Returns whether the
        default categories were written."""
        with self.transaction() as conn:
            replace_boundary(conn, name, boundary)
            write_settings(conn, values)
            fresh = conn.execute(sa.select(sa.literal(1)).select_from(categories).limit(1)).first() is None
            if fresh:
                upsert_categories(conn, default_categories)
            if also is not None:
                also(conn)
        return fresh


def write_settings(conn: Connection, values: Mapping[str, Any]) -> None:
    """Store ``values`` (key → JSON value; None removes the key) inside the caller's transaction."""
    for key, value in values.items():
        conn.execute(settings.delete().where(settings.c.key == key))
        if value is not None:
            conn.execute(settings.insert().values(key=key, value=value))
