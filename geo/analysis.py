"""Spatial joins, counts and the before/after comparison of a medborgarlöfte.

Geometry is EPSG:4326 (WGS84 lon/lat) throughout; "inside" is a planar
point-in-polygon test on those coordinates, which is exact for the question asked
(the polygon's edges are the lines the user drew in the same coordinates). A point
on an area's border counts as inside; a point in a hole does not; MultiPolygons are
one area. Joins use shapely 2's vectorised predicates on prepared polygons after a
longitude-sorted index narrows the candidates (`points_in_polygons`; an STRtree is
the alternative), never a Python loop over points.

Before/after: counts over two periods of equal length on either side of the
promise's start date, and their rate ratio with a 95 % confidence interval from the
log-normal approximation (Rothman, *Modern Epidemiology*, ch. 14):

    RR = (a / T_a) / (b / T_b),   95 % CI = exp(ln RR ± 1.96 · sqrt(1/a + 1/b))

where ``a``/``b`` are the counts after/before and ``T`` the period lengths. When
one count is zero the interval is not defined; 0.5 is then added to both counts
(the Haldane–Anscombe correction) and the result says so. With both zero there is
nothing to compare and no ratio is given.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import LOCAL_TIME_ZONE
from geo.model import WGS84

Z_95 = 1.959963984540054
"""The standard normal quantile for a two-sided 95 % interval."""


def points_in_polygons(
    lon: np.ndarray,
    lat: np.ndarray,
    polygons: Sequence[shapely.Geometry] | np.ndarray,
    *,
    method: str = "sweep",
) -> tuple[np.ndarray, np.ndarray]:
    """Every (point, polygon) pair where the point lies in the polygon, border included.

    ``lon``/``lat`` and ``polygons`` in the same CRS (EPSG:4326 degrees here). Returns two
    integer arrays: the point index and the polygon index of each pair (a point in overlapping
    polygons appears once per polygon), ordered by polygon.

    ``method`` "sweep" (default): the points sorted by longitude once; per polygon two binary
    searches give the points in its longitude band, a vectorised latitude test narrows them to its
    bounding box, and one `shapely.intersects_xy` call on the prepared polygon decides. "strtree":
    a shapely 2 `STRtree` over the polygons queried with all points at once (it builds a Point per
    report first, which makes it slower for a million points).
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape or lon.ndim != 1:
        raise ValueError(f"lon and lat must be 1-d arrays of the same length, got {lon.shape} and {lat.shape}")
    if method not in ("sweep", "strtree"):
        raise ValueError(f"method must be 'sweep' or 'strtree', got {method!r}")
    geoms = np.asarray(polygons, dtype=object)
    if lon.size == 0 or geoms.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    if method == "strtree":
        point_index, polygon_index = shapely.STRtree(geoms).query(shapely.points(lon, lat), predicate="intersects")
        order = np.lexsort((point_index, polygon_index))
        return point_index[order], polygon_index[order]
    order = np.argsort(lon, kind="stable")
    xs, ys = lon[order], lat[order]
    found_points: list[np.ndarray] = []
    found_polygons: list[np.ndarray] = []
    for number, (polygon, (minx, miny, maxx, maxy)) in enumerate(zip(geoms, shapely.bounds(geoms), strict=True)):
        first, end = np.searchsorted(xs, minx, "left"), np.searchsorted(xs, maxx, "right")
        band = ys[first:end]
        candidates = first + np.flatnonzero((band >= miny) & (band <= maxy))
        if candidates.size == 0:
            continue
        shapely.prepare(polygon)
        inside = candidates[shapely.intersects_xy(polygon, xs[candidates], ys[candidates])]
        found_points.append(np.sort(order[inside]))
        found_polygons.append(np.full(inside.size, number, dtype=np.intp))
    if not found_points:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    return np.concatenate(found_points), np.concatenate(found_polygons)


def reports_in_area(points: gpd.GeoDataFrame, area: shapely.Geometry) -> gpd.GeoDataFrame:
    """The rows of ``points`` (EPSG:4326) inside ``area`` (Polygon/MultiPolygon,
    EPSG:4326), border included, holes excluded."""
    if points.empty:
        return points
    _check_crs(points)
    shapely.prepare(area)
    inside = shapely.intersects_xy(area, points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
    return points[inside]


def join_points_to_zones(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, area_key: str = "id") -> pd.DataFrame:
    """Which point lies in which area: one row per (point index, ``area_key``) pair.

    Both frames are EPSG:4326. A point on a shared border belongs to both areas; a
    point in no area does not appear. Uses the STRtree of `geopandas.sjoin`.
    """
    if points.empty or areas.empty:
        return pd.DataFrame({"point": pd.Series(dtype="int64"), area_key: pd.Series(dtype=object)})
    _check_crs(points)
    _check_crs(areas)
    point_at, area_at = points_in_polygons(points.geometry.x.to_numpy(), points.geometry.y.to_numpy(), areas.geometry)
    return pd.DataFrame({"point": points.index.to_numpy()[point_at], area_key: areas[area_key].to_numpy()[area_at]})


def count_points_per_zone(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, area_key: str = "id") -> pd.Series:
    """Number of points (EPSG:4326) inside each area, 0 for empty ones, indexed by ``area_key``."""
    pairs = join_points_to_zones(points, areas, area_key)
    counts = pairs.groupby(area_key).size()
    return counts.reindex(areas[area_key], fill_value=0).rename("count")


def local_month(created_at: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each UTC timestamp in Swedish local time."""
    return created_at.dt.tz_convert(LOCAL_TIME_ZONE).dt.strftime("%Y-%m")


def counts_by(frame: pd.DataFrame, column: str) -> pd.Series:
    """How many rows per value of ``column`` (``month`` is derived from
    ``created_at``, in local time), largest first, months in calendar order."""
    if column == "month":
        if frame.empty:
            return pd.Series(dtype="int64", name="count")
        return local_month(frame["created_at"]).value_counts().sort_index().rename("count")
    return frame[column].value_counts().rename("count")


@dataclass(frozen=True)
class RateRatio:
    """Rate after / rate before with its 95 % confidence interval."""

    ratio: float
    low: float
    high: float
    corrected: bool
    """True when 0.5 was added to both counts because one was zero."""


def rate_ratio(after: int, before: int, after_days: float = 1.0, before_days: float = 1.0) -> RateRatio | None:
    """The rate ratio (after / before) of two Poisson counts with its 95 % interval
    (log-normal approximation, module docstring). None when both counts are zero."""
    if after < 0 or before < 0 or after_days <= 0 or before_days <= 0:
        raise ValueError("counts must be >= 0 and periods > 0")
    if after == 0 and before == 0:
        return None
    corrected = after == 0 or before == 0
    a, b = (after + 0.5, before + 0.5) if corrected else (float(after), float(before))
    ratio = (a / after_days) / (b / before_days)
    spread = Z_95 * math.sqrt(1 / a + 1 / b)
    return RateRatio(ratio, ratio * math.exp(-spread), ratio * math.exp(spread), corrected)


@dataclass(frozen=True)
class BeforeAfter:
    """Counts in two equal periods around a promise's start date (local days,
    ``*_start`` inclusive, ``*_end`` exclusive)."""

    before_start: dt.date
    before_end: dt.date
    after_start: dt.date
    after_end: dt.date
    before: int
    after: int
    rate: RateRatio | None

    @property
    def days(self) -> int:
        return (self.after_end - self.after_start).days


def before_after(
    created_at: pd.Series,
    start: dt.date,
    *,
    today: dt.date,
    end: dt.date | None = None,
    data_start: dt.date | None = None,
) -> BeforeAfter | None:
    """Compare report counts before and after ``start`` (a medborgarlöfte's start day).

    The after period runs from ``start`` to the earlier of ``end`` (the promise's last
    day, inclusive) and ``today`` (exclusive: today is not over); the before period is
    as long and ends the day before ``start``. If the data begin later than that
    (``data_start``), both periods shrink so the before period does not count days
    without data as quiet ones. None when the promise has not run a whole day yet or
    no day before it has data. ``created_at`` holds UTC-aware timestamps; days are
    Swedish local days.
    """
    after_end = today if end is None else min(end + dt.timedelta(days=1), today)
    days = (after_end - start).days
    if data_start is not None:
        days = min(days, (start - data_start).days)
    if days < 1:
        return None
    after_end = start + dt.timedelta(days=days)
    before_start = start - dt.timedelta(days=days)
    local_days = pd.to_datetime(created_at, utc=True).dt.tz_convert(LOCAL_TIME_ZONE).dt.date
    before = int(((local_days >= before_start) & (local_days < start)).sum())
    after = int(((local_days >= start) & (local_days < after_end)).sum())
    return BeforeAfter(
        before_start=before_start,
        before_end=start,
        after_start=start,
        after_end=after_end,
        before=before,
        after=after,
        rate=rate_ratio(after, before, days, days),
    )


def _check_crs(frame: gpd.GeoDataFrame) -> None:
    if frame.crs is None or not frame.crs.equals(WGS84):
        raise ValueError(f"expected EPSG:4326 geometry, got {frame.crs}")
