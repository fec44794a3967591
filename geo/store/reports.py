"""Reports: one resident's report in, reports out as frames, and the spatial
conditions ("inside the box", "inside an area") on either backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import shapely
import sqlalchemy as sa

from geo.store import codes
from geo.store.base import StoreBase
from geo.store.engine import StoreError
from geo.store.tables import report_contacts, reports


class ReportStore(StoreBase):
    """Reading and writing reports (mixed into `geo.store.Store`)."""

    def add_report(self, row: dict[str, Any], *, email: str | None = None, attempts: int = 5) -> tuple[str, str]:
        """Insert one report (``row`` holds the ``reports`` columns; ``lon``/``lat``
        EPSG:4326, ``created_at`` time-zone aware) and, apart from it, the optional
        contact e-mail. A fresh reference code is drawn; on the unlikely collision
        with an existing code, another is drawn. Returns ``(id, ref_code)`` once
        the row is committed.
        """
        import uuid

        values = dict(row)
        values.setdefault("id", str(uuid.uuid4()))
        values["created_at"] = _to_utc_naive(values["created_at"])
        values.setdefault("updated_at", values["created_at"])
        for attempt in range(attempts):
            values["ref_code"] = codes.new_ref_code()
            try:
                with self.transaction() as conn:
                    conn.execute(reports.insert().values(**values))
                    if email:
                        conn.execute(report_contacts.insert().values(report_id=values["id"], email=email))
                return values["id"], values["ref_code"]
            except StoreError as error:
                # transaction() turns every database error into StoreError; only a clash of
                # reference codes (UNIQUE on ref_code) is worth another draw.
                clash = isinstance(error.__cause__, sa.exc.IntegrityError) and "ref_code" in str(error.__cause__)
                if not clash or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def inside_conditions(
        self,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        polygon: shapely.Geometry | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        """SQL conditions on ``reports`` for points inside ``bbox`` (min lon, min lat,
        max lon, max lat) and inside ``polygon``, both in EPSG:4326 degrees, borders
        included.

        On PostGIS both are exact and use the GiST index of ``reports.geom``
        (``&&`` with the box, ``ST_Intersects`` with the polygon). Elsewhere they are
        ``lon``/``lat`` ranges: exact for the box, the polygon's bounding box only, so
        the caller tests the candidates against the polygon (shapely); see
        `spatial_sql`.
        """
        conditions: list[sa.ColumnElement[bool]] = []
        if self.spatial_sql:
            geom = sa.literal_column("reports.geom")
            if bbox is not None:
                conditions.append(geom.op("&&")(sa.func.ST_MakeEnvelope(*map(float, bbox), 4326)))
            if polygon is not None:
                wkb = shapely.to_wkb(polygon)
                conditions.append(sa.func.ST_Intersects(geom, sa.func.ST_GeomFromWKB(wkb, 4326)))
            return conditions
        for box in (bbox, None if polygon is None else polygon.bounds):
            if box is not None:
                minx, miny, maxx, maxy = box
                conditions += [reports.c.lon.between(minx, maxx), reports.c.lat.between(miny, maxy)]
        return conditions

    def report_by_ref(self, ref_code: str) -> dict[str, Any] | None:
        """The report with this reference code (exact, upper case), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(reports).where(reports.c.ref_code == ref_code)).mappings().first()
        return None if row is None else _aware(dict(row))

    def report_contact(self, report_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(report_contacts.c.email).where(report_contacts.c.report_id == report_id)
            ).scalar()

    def add_supporter(self, report_id: str) -> int:
        """Count one more resident who reports the same thing; returns the new count."""
        with self.transaction() as conn:
            conn.execute(reports.update().where(reports.c.id == report_id).values(supporters=reports.c.supporters + 1))
            count = conn.execute(sa.select(reports.c.supporters).where(reports.c.id == report_id)).scalar()
        if count is None:
            raise KeyError(report_id)
        return int(count)

    def count_reports(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(reports)).scalar() or 0)

    def reports_frame(
        self,
        *,
        where: Sequence[sa.ColumnElement[bool]] = (),
        columns: Sequence[str] | None = None,
        order_by: Sequence[sa.ColumnElement[Any]] = (),
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Rows of ``reports`` matching every SQL condition in ``where``, in
        ``order_by`` order, at most ``limit`` of them.

        ``created_at``/``updated_at`` come back as UTC-aware timestamps.
        """
        selected = [reports.c[name] for name in columns] if columns else [reports]
        query = sa.select(*selected)
        for condition in where:
            query = query.where(condition)
        if order_by:
            query = query.order_by(*order_by)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            frame = pd.read_sql_query(query, conn)
        for column in ("created_at", "updated_at"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column]).dt.tz_localize("UTC")
        return frame

    def newest_reports(
        self,
        *,
        where: Sequence[sa.ColumnElement[bool]] = (),
        columns: Sequence[str],
        bbox: tuple[float, float, float, float] | None = None,
        polygon: shapely.Geometry | None = None,
        after: tuple[dt.datetime, str] | None = None,
        offset: int = 0,
        limit: int,
    ) -> pd.DataFrame:
        """One page of the reports matching ``where`` and inside ``bbox`` and ``polygon``
        (as `inside_conditions`: EPSG:4326, borders included; on SQLite the polygon's
        bounding box only, so the caller refines): newest first (``created_at``, then
        ``id``, both descending, so the order is total), at most ``limit`` rows.

        ``after`` is a keyset cursor, the ``(created_at, id)`` of the last row of the
        previous page (``created_at`` time-zone aware): the page starts right after it, so
        a later page costs what the first does and a report added meanwhile shifts
        nothing. ``offset`` skips rows instead (numbered pages). The frame always holds
        ``id`` and ``created_at`` (UTC-aware).

        On SQLite, which keeps no statistics, the plan is chosen here: a box holding many
        reports is read along the ``created_at`` index (the newest matches come first); a
        box holding few along the ``lon``/``lat`` index, then sorted. At 1,000,000 reports
        either way takes a few hundredths of a second where the wrong one took seconds."""
        wanted = list(dict.fromkeys([*columns, "id", "created_at"]))
        conditions = [*where, *self._box_conditions(bbox, polygon)]
        if after is not None:
            moment, last_id = _to_utc_naive(after[0]), after[1]
            # "<= moment" alone lets the index range start at the cursor; the OR breaks ties.
            conditions += [
                reports.c.created_at <= moment,
                sa.or_(reports.c.created_at < moment, reports.c.id < last_id),
            ]
        query = sa.select(*(reports.c[name] for name in wanted)).where(*conditions)
        query = query.order_by(reports.c.created_at.desc(), reports.c.id.desc()).offset(offset).limit(limit)
        with self.engine.connect() as conn:
            frame = pd.read_sql_query(query, conn)
        for column in ("created_at", "updated_at"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column]).dt.tz_localize("UTC")
        return frame

    def _box_conditions(
        self, bbox: tuple[float, float, float, float] | None, polygon: shapely.Geometry | None
    ) -> list[sa.ColumnElement[bool]]:
        if self.spatial_sql or (bbox is None and polygon is None):
            return self.inside_conditions(bbox=bbox, polygon=polygon)
        boxes = [b for b in (bbox, None if polygon is None else polygon.bounds) if b is not None]
        minx, miny = max(b[0] for b in boxes), max(b[1] for b in boxes)
        maxx, maxy = min(b[2] for b in boxes), min(b[3] for b in boxes)
        probe = sa.select(sa.literal(1)).where(reports.c.lon.between(minx, maxx), reports.c.lat.between(miny, maxy))
        with self.engine.connect() as conn:  # index only: a few milliseconds
            held = conn.execute(sa.select(sa.func.count()).select_from(probe.limit(DENSE_BOX).subquery())).scalar()
        if (held or 0) < DENSE_BOX:
            return [reports.c.lon.between(minx, maxx), reports.c.lat.between(miny, maxy)]
        # "+ 0" keeps SQLite from reading the box along the lon/lat index.
        return [(reports.c.lon + 0).between(minx, maxx), (reports.c.lat + 0).between(miny, maxy)]


DENSE_BOX = 20_000
"""A box holding at least this many reports is read along the ``created_at`` index on SQLite."""


def _to_utc_naive(value: dt.datetime) -> dt.datetime:
    """Timestamps are stored as naive UTC (SQLite has no time zones)."""
    if value.tzinfo is None:
        raise ValueError(f"timestamp must carry a time zone, got naive {value!r}")
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _aware(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("created_at", "updated_at"):
        if isinstance(row.get(key), dt.datetime):
            row[key] = row[key].replace(tzinfo=dt.UTC)
    return row
