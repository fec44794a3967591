"""Map layers as GeoDataFrames in EPSG:4326, with the explore map's filters.

Every function takes the `Store` and returns a GeoDataFrame whose ``geometry`` is in
EPSG:4326 (longitude/latitude degrees). Filters that the database can answer
(category, feeling, time of day, status, dates) run in SQL; so do "inside the box" and
"inside a zone": the store answers them all from a `geo.store.ReportQuery` (`report_query`),
on either backend; many points against many polygons go through a sorted-longitude sweep
or an STRtree (`geo.analysis.points_in_polygons`). A point on a zone's border counts as inside.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from geo.config import LOCAL_TIME_ZONE
from geo.model import WGS84, Moderation, Role, ZoneKind
from geo.public import public_reports
from geo.rights import Right, role_allows
from geo.store import ReportQuery, Store

if TYPE_CHECKING:
    from geo import registry

__all__ = ["public_reports"]  # the public face of reports lives in geo.public; kept here for its readers

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


def report_query(flt: ReportFilter, viewer: Role = Role.TEAM, **query: Any) -> ReportQuery:
    """The store's `ReportQuery` for ``flt`` as seen by ``viewer``; keywords add to it or
    replace what ``flt`` gives (``bbox``, ``newest_first``, ``limit``, ``created_from``, ...).

    The public and read-only viewers see published reports only; staff who may see
    reports waiting for moderation (`geo.rights.Right.VIEW_PENDING`) see every report that
    was not rejected (pending ones are marked as such by the caller). Dates are whole local days.
    """
    pending = role_allows(viewer, Right.VIEW_PENDING)
    visible = (Moderation.PENDING, Moderation.PUBLISHED) if pending else (Moderation.PUBLISHED,)
    fields: dict[str, Any] = {
        "moderation": tuple(m.value for m in visible),
        "categories": flt.categories,
        "feelings": flt.feelings,
        "times_of_day": flt.times_of_day,
        "statuses": flt.statuses,
        "zone_id": flt.zone_id,
        "created_from": _local_day_start(flt.date_from) if flt.date_from else None,
        "created_before": _local_day_start(flt.date_to + dt.timedelta(days=1)) if flt.date_to else None,
    }
    return ReportQuery(**{**fields, **query})


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
    cut by the store, so a table of the newest thousand never reads a million rows). An
    unknown ``flt.zone_id`` gives no reports.
    """
    query = report_query(flt, viewer, bbox=bbox, newest_first=True, limit=limit)
    frame = store.reports_frame(query, columns=(*REPORT_COLUMNS, "lon", "lat"))
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=WGS84)
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry, crs=WGS84)


def count_reports(store: Store, flt: ReportFilter = ReportFilter(), *, viewer: Role = Role.TEAM) -> int:
    """How many reports match ``flt`` for ``viewer`` (a zone's border counts as inside)."""
    return store.count_reports(report_query(flt, viewer))


def meeting_places_layer(store: Store) -> gpd.GeoDataFrame:
    """Meeting places (mötesplatser) in use, as points in EPSG:4326, with the fields of their registry
    entry (lists joined by ``", "``, each description language as ``description:<code>``)."""
    from geo import registry  # the registry reads this module's loaders late

    columns = ["id", *(f.name for f in registry.MEETING_PLACES.fields)]
    frame = pd.DataFrame(
        [
            {
                **{c: getattr(p, c, "") for c in columns},
                "kind": str(p.kind),
                "languages": ", ".join(p.languages),
                "audience": ", ".join(p.audience),
                **{f"description:{code}": p.descriptions.get(code, "") for code in registry.DESCRIPTION_LANGUAGES},
                "lon": p.lon,
                "lat": p.lat,
            }
            for p in store.meeting_places()
        ],
        columns=[*columns, "lon", "lat"],
    )
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=WGS84)
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry, crs=WGS84)


def simple_layer(store: Store, layer: registry.Layer) -> gpd.GeoDataFrame:
    """A simple layer (`geo.registry.Layer.simple`) as staff see it, in EPSG:4326: its ``id``
    and fields, read from the table its entry names (`Store.features`)."""
    rows = store.features(layer.table)
    columns = ["id", *(f.name for f in layer.fields)]
    frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns)
    geometry = gpd.GeoSeries([row.get("geometry") for row in rows], crs=WGS84)
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


def _local_day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the municipality's local time (aware)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TIME_ZONE)
