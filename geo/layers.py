"""Map layers as GeoDataFrames in EPSG:4326, with the explore map's filters.

Every function takes the `Store` and returns a GeoDataFrame whose ``geometry`` is in
EPSG:4326 (longitude/latitude degrees). Filters that the database can answer
(category, feeling, time of day, status, dates) run in SQL; so do "inside the box" and
"inside a zone" (`Store.inside_conditions`): on PostGIS exactly, with the GiST index; on
SQLite a bounding box, whose candidates shapely then tests, vectorised (`zone_filter_mask`); many
points against many polygons go through a sorted-longitude sweep or an STRtree
(`geo.analysis.points_in_polygons`). A point on a
zone's border counts as inside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo.model import WGS84, Moderation, Role, ZoneKind
from geo.public import public_reports
from geo.store import Store, reports

__all__ = ["public_reports"]  # the public face of reports lives in geo.public; kept here for its readers

LOCAL_TIME_ZONE = ZoneInfo("Europe/Stockholm")
"""Date filters are whole days in Swedish local time."""

REPORT_COLUMNS = (
    "id",
    "ref_code",
    "category",
    "feeling",
    "time_of_day",
    "status",
    "moderation",
    "created_at",
    "text",
    "supporters",
    "public_comment",
)


@dataclass(frozen=True)
class ReportFilter:
    """Which reports to show. Empty tuples mean "all"; dates are inclusive local days."""

    categories: tuple[str, ...] = ()
    feelings: tuple[str, ...] = ()
    times_of_day: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    zone_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def report_conditions(flt: ReportFilter, viewer: Role = Role.TEAM) -> list[sa.ColumnElement[bool]]:
    """SQL conditions on ``reports`` for ``flt`` as seen by ``viewer``.

    The public sees published reports only; staff see every report that was not
    rejected (pending ones are marked as such by the caller).
    """
    conditions: list[sa.ColumnElement[bool]] = []
    if viewer.is_staff:
        conditions.append(reports.c.moderation != Moderation.REJECTED.value)
    else:
        conditions.append(reports.c.moderation == Moderation.PUBLISHED.value)
    for column, values in (
        (reports.c.category, flt.categories),
        (reports.c.feeling, flt.feelings),
        (reports.c.time_of_day, flt.times_of_day),
        (reports.c.status, flt.statuses),
    ):
        if values:
            conditions.append(column.in_(values))
    if flt.date_from:
        conditions.append(reports.c.created_at >= _local_day_start_utc(flt.date_from))
    if flt.date_to:
        conditions.append(reports.c.created_at < _local_day_start_utc(flt.date_to + dt.timedelta(days=1)))
    return conditions


def reports_layer(
    store: Store,
    flt: ReportFilter = ReportFilter(),
    *,
    viewer: Role = Role.TEAM,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int | None = None,
) -> gpd.GeoDataFrame:
    """Reports matching ``flt``, newest first, as points in EPSG:4326.

    ``bbox`` (min lon, min lat, max lon, max lat in EPSG:4326 degrees, edges
    included) limits them to a box; ``limit`` to the newest ``limit`` (ordered and
    cut in SQL, so a table of the newest thousand never reads a million rows). An
    unknown ``flt.zone_id`` gives no reports.
    """
    conditions = report_conditions(flt, viewer)
    conditions += store.inside_conditions(bbox=bbox)
    zone = None
    if flt.zone_id:
        zone = store.zone_geometry(flt.zone_id)
        if zone is None:
            return _empty_reports()
        conditions += store.inside_conditions(polygon=zone)  # exact on PostGIS, its bounding box on SQLite
    columns = (*REPORT_COLUMNS, "lon", "lat")
    if limit is None:
        frame = store.reports_frame(where=conditions, columns=columns)
    elif zone is None or store.spatial_sql:  # PostGIS has tested the zone in SQL already
        frame = _newest(store, conditions, columns, limit)
    else:  # the zone test runs in shapely: pick the newest ids inside first, then read only those rows
        candidates = _newest(store, conditions, ("id", "lon", "lat", "created_at"), None)
        inside = candidates[zone_filter_mask(zone, candidates["lon"].to_numpy(), candidates["lat"].to_numpy())]
        ids = inside["id"].head(limit).tolist()
        frame = _rows_by_id(store, ids, columns)
    if zone is not None and not frame.empty:
        frame = frame[zone_filter_mask(zone, frame["lon"].to_numpy(), frame["lat"].to_numpy())]
    frame = frame.sort_values(["created_at", "id"], ascending=False, kind="stable").reset_index(drop=True)
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=WGS84)
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry, crs=WGS84)


def count_reports(store: Store, flt: ReportFilter = ReportFilter(), *, viewer: Role = Role.TEAM) -> int:
    """How many reports match ``flt`` for ``viewer``: ``COUNT(*)`` in SQL; with a zone,
    the bounding-box candidates' locations tested in shapely (border inside)."""
    conditions = report_conditions(flt, viewer)
    if flt.zone_id:
        zone = store.zone_geometry(flt.zone_id)
        if zone is None:
            return 0
        conditions += store.inside_conditions(polygon=zone)  # exact on PostGIS, its bounding box on SQLite
        if not store.spatial_sql:
            found = store.reports_frame(where=conditions, columns=("lon", "lat"))
            return int(zone_filter_mask(zone, found["lon"].to_numpy(), found["lat"].to_numpy()).sum())
    query = sa.select(sa.func.count()).select_from(reports)
    for condition in conditions:
        query = query.where(condition)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def _newest(
    store: Store, conditions: list[sa.ColumnElement[bool]], columns: Sequence[str], limit: int | None
) -> pd.DataFrame:
    """``columns`` of the reports meeting ``conditions``, newest first (ties by id), at most ``limit``."""
    order = (reports.c.created_at.desc(), reports.c.id.desc())
    return store.reports_frame(where=conditions, columns=columns, order_by=order, limit=limit)


def _rows_by_id(store: Store, ids: list[str], columns: Sequence[str]) -> pd.DataFrame:
    parts = [
        store.reports_frame(where=[reports.c.id.in_(ids[start : start + 500])], columns=columns)
        for start in range(0, max(len(ids), 1), 500)  # below SQLite's oldest variable limit
    ]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def zone_filter_mask(zone: shapely.Geometry, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Which points (lon/lat, EPSG:4326 degrees) lie in ``zone`` (a polygon in EPSG:4326), its
    border included: one vectorised test against the prepared polygon, no Python loop."""
    shapely.prepare(zone)
    return np.asarray(shapely.intersects_xy(zone, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)))


def meeting_places_layer(store: Store) -> gpd.GeoDataFrame:
    """Meeting places (mötesplatser) as points in EPSG:4326."""
    places = store.meeting_places()
    frame = pd.DataFrame(
        [
            {
                "id": p.id,
                "name": p.name,
                "kind": str(p.kind),
                "address": p.address,
                "opening_hours": p.opening_hours,
                "languages": ", ".join(p.languages),
                "accessibility": p.accessibility,
                "contact": p.contact,
                "description": p.description,
                "lon": p.lon,
                "lat": p.lat,
            }
            for p in places
        ],
        columns=[
            "id",
            "name",
            "kind",
            "address",
            "opening_hours",
            "languages",
            "accessibility",
            "contact",
            "description",
            "lon",
            "lat",
        ],
    )
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=WGS84)
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry, crs=WGS84)


def place_names_layer(store: Store) -> gpd.GeoDataFrame:
    """The gazetteer (villages, places, streets, addresses) as points in EPSG:4326."""
    items = store.place_names()
    frame = pd.DataFrame(
        [{"id": p.id, "name": p.name, "kind": str(p.kind), "detail": p.detail} for p in items],
        columns=["id", "name", "kind", "detail"],
    )
    geometry = gpd.points_from_xy([p.lon for p in items], [p.lat for p in items], crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def zones_layer(store: Store, kind: ZoneKind | None = None) -> gpd.GeoDataFrame:
    """Platssamverkan zones and medborgarlöften areas as polygons in EPSG:4326."""
    items = store.zones(kind)
    frame = pd.DataFrame(
        [
            {
                "id": z.id,
                "name": z.name,
                "kind": str(z.kind),
                "description": z.description,
                "promise_text": z.promise_text,
                "police_contact": z.police_contact,
                "start_date": z.start_date,
                "end_date": z.end_date,
            }
            for z in items
        ],
        columns=["id", "name", "kind", "description", "promise_text", "police_contact", "start_date", "end_date"],
    )
    geometry = gpd.GeoSeries.from_wkt([z.geometry_wkt for z in items], crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def boundary_layer(store: Store) -> gpd.GeoDataFrame:
    """The municipality boundary (zero or one row) in EPSG:4326."""
    found = store.boundary()
    names = [found[0]] if found else []
    geoms = [found[1]] if found else []
    return gpd.GeoDataFrame({"name": names}, geometry=gpd.GeoSeries(geoms, crs=WGS84), crs=WGS84)


def _empty_reports() -> gpd.GeoDataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=object) for name in REPORT_COLUMNS})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


def _local_day_start_utc(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in Swedish time, as naive UTC (the store's convention)."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TIME_ZONE)
    return local.astimezone(dt.UTC).replace(tzinfo=None)
