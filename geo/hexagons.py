"""The reports layer at scale: H3 hexagons at low zoom, points in the view at high zoom.

A map of a million reports cannot send a million markers. The explore map asks this
module what to draw for a *window*: a box around the visible part of the map (EPSG:4326
degrees) and the zoom level that `st_folium` reports.

- Below `POINTS_FROM_ZOOM`, or when more than `POINT_LIMIT` reports fall in the window,
  reports are counted per H3 cell (``h3`` 4) at the resolution `resolution_for_zoom` picks,
  and only the cells near the window are drawn: one GeoJSON polygon per cell.
- Otherwise the reports inside the window are drawn one by one (the map renders them on
  canvas) so that a click still inspects a single report.

Every report matching a filter is located once (`report_points`: its lon/lat and H3 cell
at `BASE_RESOLUTION`: 24 bytes a report, two float64 and one uint64); coarser cells come from the index bits
(`cell_parents`), so a zoom change costs one sort, not a million H3 calls. A `PointsCache`
keeps `ReportPoints` per store, data version, filter and viewer for the whole process, so
panning, zooming and every session reuse them, and a warm-up at start (`geo.startup`) can
locate the default view's reports before the first visitor asks.

Privacy (DESIGN.md §3): the public's points are first snapped to the 50 m grid of
`geo.privacy.coarsen_points`, so cells and window boxes are decided on coarsened locations,
never on exact ones (panning a box edge cannot reveal where a report really is). In the
public view a cell holding fewer than `PUBLIC_MIN_COUNT` reports is drawn as a pale cell
marked "fewer than 5", without its count: its presence is public (the coarsened points are
public at high zoom), its count is not. Staff see every count.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import h3.api.basic_int as h3
import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.caching import CountsCache, SharedResults
from geo.cells import BASE_RESOLUTION, CellArray, FloatArray, cell_parents, parent_bits
from geo.cells import latlng_cells as latlng_cells  # where a point is in H3, for callers of this module
from geo.layers import ReportFilter, public_reports, report_query, reports_layer
from geo.model import WGS84, Role
from geo.privacy import PUBLIC_GRID_M
from geo.store import Store

BBox = tuple[float, float, float, float]
"""(min lon, min lat, max lon, max lat) in EPSG:4326 degrees, edges included."""

POINTS_FROM_ZOOM = 13
"""From this Leaflet zoom level on, single reports are drawn (when few enough)."""
POINT_LIMIT = 2_000
"""At most this many single reports per window; above it the window shows cells."""
PUBLIC_MIN_COUNT = 5
"""The public sees a cell's count only when it holds at least this many reports (k-anonymity)."""
MIN_RESOLUTION, MAX_RESOLUTION = 3, BASE_RESOLUTION
WINDOW_PAD = 0.5
"""A new window reaches this fraction of the visible width/height beyond each edge, so short pans reuse it."""
VIEWPORT_PX = (1200, 560)
"""Assumed map size in pixels before the browser has reported the real bounds."""


def resolution_for_zoom(zoom: float) -> int:
    """The H3 resolution for a Leaflet zoom level: cells some 20–40 pixels across.

    A zoom step halves the metres per pixel and an H3 step shrinks cells by √7 ≈ 2.65,
    hence ``7 + (zoom - 10) · log 2 / log √7``: resolution 7 (cells ~2.4 km across) at
    zoom 10, tuned at Swedish latitudes (56°–66° N).
    """
    if not math.isfinite(zoom):
        raise ValueError(f"zoom must be a finite number, got {zoom!r}")
    res = round(7 + (zoom - 10) * math.log(2) / math.log(math.sqrt(7)))
    return int(min(MAX_RESOLUTION, max(MIN_RESOLUTION, res)))


@dataclass(frozen=True, eq=False)
class ReportPoints:
    """Where the reports matching one filter are, as one viewer may see them.

    ``lon``/``lat`` in EPSG:4326 degrees (coarsened to the 50 m grid for the public),
    ``cells`` their H3 cells at `BASE_RESOLUTION`.
    """

    lon: FloatArray
    lat: FloatArray
    cells: CellArray
    viewer: Role

    def __len__(self) -> int:
        return int(self.lon.size)

    def in_bbox(self, bbox: BBox) -> npt.NDArray[np.bool_]:
        """Which points lie in ``bbox`` (EPSG:4326, edges included)."""
        minx, miny, maxx, maxy = _check_bbox(bbox)
        return (self.lon >= minx) & (self.lon <= maxx) & (self.lat >= miny) & (self.lat <= maxy)


def report_points(store: Store, flt: ReportFilter, *, viewer: Role = Role.TEAM) -> ReportPoints:
    """Every report matching ``flt`` that ``viewer`` may see, located (EPSG:4326).

    Reads two float columns and the H3 cell stored with each report (`geo.store.Store.report_positions`;
    the public's cell is that of the coarsened position, `geo.cells`; a zone's border counts as
    inside), then coarsens the positions for the public. No H3 call per report (issue #22).
    """
    public = not viewer.is_staff
    lon, lat, cells = store.report_positions(report_query(flt, viewer), public=public)
    if public and lon.size:  # the public face of a report (published by the SQL conditions)
        face = public_reports(pd.DataFrame({"lon": lon, "lat": lat}, copy=False))
        lon, lat = face["lon"].to_numpy(dtype=float), face["lat"].to_numpy(dtype=float)
    return ReportPoints(lon, lat, cells, viewer)


def cell_counts(
    store: Store, flt: ReportFilter, resolution: int, *, viewer: Role, cache: CountsCache | None = None
) -> tuple[CellArray, npt.NDArray[np.int64]]:
    """(cells, counts): the reports matching ``flt`` that ``viewer`` may see per H3 cell at ``resolution``
    (sorted ``uint64`` cells, each with at least one report), counted in the database from the cells stored
    with the reports (for the public, those of the 50 m positions), never read one by one. Equal to
    `hex_counts` of `report_points`. With ``cache``, counted once per data version."""
    if cache is not None:
        return cache.get(
            store, cells_key(flt, resolution, viewer), lambda: cell_counts(store, flt, resolution, viewer=viewer)
        )
    keep, bits = parent_bits(resolution)
    found = store.cell_counts(report_query(flt, viewer), keep, bits, public=not viewer.is_staff)
    return found.cells, found.counts


def cells_key(flt: ReportFilter, resolution: int, viewer: Role) -> tuple[object, ...]:
    """What `cell_counts` keeps its answer under in a `CountsCache`."""
    return ("cells", report_query(flt, viewer), resolution, viewer.is_staff)


def counts_view(
    store: Store, flt: ReportFilter, window: Window, *, viewer: Role, counts: CountsCache | None = None
) -> ReportsView | None:
    """The reports layer for ``window`` counted in the database from the cells stored with the reports,
    without reading them into this process: what the first view after a start shows while
    `PointsCache` still locates the reports (`geo.startup`). Only for a window of cells (below
    `POINTS_FROM_ZOOM`) that holds every report of ``flt`` (the default view of the municipality),
    where it equals `reports_view`; None otherwise (a zone filter, a window that cuts the reports).
    With ``counts``, the cells are counted once per data version (the warm-up counts the first view's).
    """
    if window.points_allowed or flt.zone_id:
        return None
    cells, numbers = cell_counts(store, flt, window.resolution, viewer=viewer, cache=counts)
    centres = np.array([h3.cell_to_latlng(int(c)) for c in cells], dtype=float).reshape(-1, 2)
    table = pd.DataFrame({"cell": cells, "count": numbers, "lat": centres[:, 0], "lon": centres[:, 1]})
    if not _deep_inside(table, window):
        return None
    total = int(numbers.sum())
    near = cells_near(table, window.bbox, window.resolution)
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    return ReportsView("hexagons", publish_counts(near, viewer), empty, window.resolution, total, total)


def _deep_inside(counts: pd.DataFrame, window: Window) -> bool:
    """Whether every report counted in ``counts`` (cells at the window's resolution, their centres in
    EPSG:4326) lies in the window's box: each centre is at least three cell edges inside it (an H3
    cell's children reach a little beyond it), so every report of every cell is in the box."""
    minx, miny, maxx, maxy = window.bbox
    reach_m = 3 * h3.average_hexagon_edge_length(window.resolution, unit="m")
    dlat = reach_m / 111_320.0
    dlon = dlat / max(0.05, math.cos(math.radians(max(abs(miny), abs(maxy)))))
    lon, lat = counts["lon"].to_numpy(), counts["lat"].to_numpy()
    return bool(((lon >= minx + dlon) & (lon <= maxx - dlon) & (lat >= miny + dlat) & (lat <= maxy - dlat)).all())


PointsKey = tuple[str, int, ReportFilter, Role]


class PointsCache:
    """`report_points` per database, data version, filter and viewer, shared by every thread
    (`SharedResults`): a visitor arriving during the start-up warm-up gets the warm-up's points.
    Keeps the ``max_entries`` most recently used (a million reports take some 30 MB)."""

    def __init__(self, max_entries: int = 8) -> None:
        self._results: SharedResults[PointsKey, ReportPoints] = SharedResults(max_entries)

    def get(
        self,
        store: Store,
        flt: ReportFilter,
        *,
        viewer: Role,
        version: int | None = None,
        locate: Callable[[], ReportPoints] | None = None,
    ) -> ReportPoints:
        """The reports matching ``flt`` that ``viewer`` may see, located (`report_points`, or
        ``locate`` when given: the same, computed elsewhere), at the store's data ``version`` (read
        from the store when None)."""
        key = (store.database_key, _version(store, version), flt, Role(viewer))
        return self._results.get(key, locate or (lambda: report_points(store, flt, viewer=viewer)))

    def peek(self, store: Store, flt: ReportFilter, *, viewer: Role, version: int | None = None) -> ReportPoints | None:
        """The located reports if already at hand (never computes nor waits)."""
        return self._results.peek((store.database_key, _version(store, version), flt, Role(viewer)))

    def __len__(self) -> int:
        return len(self._results)


def _version(store: Store, version: int | None) -> int:
    return store.data_version() if version is None else version


def hex_counts(points: ReportPoints, resolution: int) -> pd.DataFrame:
    """Reports per H3 cell at ``resolution``: columns ``cell`` (uint64), ``count``, ``lat``, ``lon``
    (the cell's centre, EPSG:4326), one row per non-empty cell, sorted by cell. Counts are exact:
    they sum to ``len(points)``; in the public view `publish_counts` still has to hide small ones."""
    parents = cell_parents(points.cells, resolution)
    cells, counts = np.unique(parents, return_counts=True)
    centres = np.array([h3.cell_to_latlng(int(c)) for c in cells], dtype=float).reshape(-1, 2)
    return pd.DataFrame({"cell": cells, "count": counts.astype(np.int64), "lat": centres[:, 0], "lon": centres[:, 1]})


def publish_counts(counts: pd.DataFrame, viewer: Role, k: int = PUBLIC_MIN_COUNT) -> pd.DataFrame:
    """``counts`` as ``viewer`` may see them: for the public, cells under ``k`` reports keep their
    place but lose their count (``count`` becomes missing, ``few`` True). Staff see all counts."""
    shown = counts.copy()
    shown["count"] = shown["count"].astype("Int64")
    few = shown["count"] < k
    shown["few"] = few.to_numpy(dtype=bool) if not viewer.is_staff else np.zeros(len(shown), dtype=bool)
    if not viewer.is_staff:
        shown.loc[few, "count"] = pd.NA
    return shown


def cells_near(counts: pd.DataFrame, bbox: BBox, resolution: int) -> pd.DataFrame:
    """The cells of ``counts`` (at ``resolution``) that may overlap ``bbox`` (EPSG:4326): those
    whose centre lies within one cell diameter of the box."""
    minx, miny, maxx, maxy = _check_bbox(bbox)
    reach_m = 2.2 * h3.average_hexagon_edge_length(resolution, unit="m")
    dlat = reach_m / 111_320.0
    dlon = dlat / max(0.05, math.cos(math.radians((miny + maxy) / 2)))
    near = (
        (counts["lon"] >= minx - dlon)
        & (counts["lon"] <= maxx + dlon)
        & (counts["lat"] >= miny - dlat)
        & (counts["lat"] <= maxy + dlat)
    )
    return counts[near.to_numpy()].reset_index(drop=True)


# -- windows: what part of the map a layer is made for ---------------------------------------------


@dataclass(frozen=True)
class Window:
    """A box (EPSG:4326 degrees) around the visible map and the resolution for its zoom.

    Boxes are snapped outwards to a grid of half a padded view, so that views a few pixels
    apart give the same window and the same cached layer.
    """

    bbox: BBox
    zoom: int
    resolution: int

    @property
    def points_allowed(self) -> bool:
        return self.zoom >= POINTS_FROM_ZOOM


def view_bounds(center: tuple[float, float], zoom: float, size_px: tuple[int, int] = VIEWPORT_PX) -> BBox:
    """The box (EPSG:4326) a Web Mercator map of ``size_px`` shows at ``center`` ((lat, lon)) and ``zoom``."""
    lat, lon = center
    deg_per_px = 360.0 / (256 * 2**zoom)
    half_w = size_px[0] / 2 * deg_per_px
    half_h = size_px[1] / 2 * deg_per_px * math.cos(math.radians(lat))
    return (lon - half_w, max(-85.0, lat - half_h), lon + half_w, min(85.0, lat + half_h))


def next_window(previous: Window | None, bounds: BBox, zoom: int) -> Window:
    """The window for a map showing ``bounds`` (EPSG:4326) at ``zoom``: ``previous`` while it still
    covers the bounds at the same resolution, else a new padded, snapped one."""
    minx, miny, maxx, maxy = _check_bbox(bounds)
    resolution = resolution_for_zoom(zoom)
    if (
        previous is not None
        and previous.resolution == resolution
        and previous.points_allowed == (zoom >= POINTS_FROM_ZOOM)
        and _covers(previous.bbox, bounds)
    ):
        return previous
    width, height = maxx - minx, maxy - miny
    step_x = max(width * (1 + 2 * WINDOW_PAD) / 2, 1e-6)
    step_y = max(height * (1 + 2 * WINDOW_PAD) / 2, 1e-6)
    # one grid per zoom level: powers of two of a degree, so that equal zooms share boxes
    step_x = 2.0 ** math.floor(math.log2(step_x))
    step_y = 2.0 ** math.floor(math.log2(step_y))
    box = (
        math.floor((minx - width * WINDOW_PAD) / step_x) * step_x,
        max(-90.0, math.floor((miny - height * WINDOW_PAD) / step_y) * step_y),
        math.ceil((maxx + width * WINDOW_PAD) / step_x) * step_x,
        min(90.0, math.ceil((maxy + height * WINDOW_PAD) / step_y) * step_y),
    )
    return Window(box, int(zoom), resolution)


def _covers(outer: BBox, inner: BBox) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2] and outer[3] >= inner[3]


# -- what the reports layer shows in a window ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ReportsView:
    """What the reports layer draws in one window (all geometry EPSG:4326).

    ``mode`` "hexagons": ``cells`` holds cell, count (missing where hidden), few, lat, lon and
    ``resolution`` is set. ``mode`` "points": ``points`` holds the reports inside the window
    (coarsened for the public). ``total`` counts every report of the filter, ``in_window`` those
    in the window.
    """

    mode: Literal["hexagons", "points"]
    cells: pd.DataFrame
    points: gpd.GeoDataFrame
    resolution: int | None
    total: int
    in_window: int


def reports_view(
    store: Store,
    points: ReportPoints,
    flt: ReportFilter,
    window: Window,
    *,
    point_limit: int = POINT_LIMIT,
    counts: pd.DataFrame | None = None,
) -> ReportsView:
    """The reports layer for ``window``: single reports when the zoom allows and at most
    ``point_limit`` are in the box, else H3 cells at the window's resolution (``counts``:
    `hex_counts` at that resolution, if already at hand)."""
    inside = points.in_bbox(window.bbox)
    in_window = int(inside.sum())
    if window.points_allowed and in_window <= point_limit:
        return ReportsView(
            "points",
            pd.DataFrame(),
            points_in_bbox(store, flt, window.bbox, viewer=points.viewer),
            None,
            len(points),
            in_window,
        )
    if counts is None:
        counts = hex_counts(points, window.resolution)
    near = cells_near(counts, window.bbox, window.resolution)
    return ReportsView(
        "hexagons",
        publish_counts(near, points.viewer),
        gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84),
        window.resolution,
        len(points),
        in_window,
    )


def points_in_bbox(store: Store, flt: ReportFilter, bbox: BBox, *, viewer: Role = Role.TEAM) -> gpd.GeoDataFrame:
    """The reports matching ``flt`` inside ``bbox`` (EPSG:4326, edges included), newest first, as
    `geo.layers.reports_layer` gives them. For the public the box is applied to the coarsened
    locations (it is widened for the query, then narrowed again), never to the exact ones."""
    minx, miny, maxx, maxy = _check_bbox(bbox)
    if viewer.is_staff:
        return reports_layer(store, flt, viewer=viewer, bbox=(minx, miny, maxx, maxy))
    pad_lat = PUBLIC_GRID_M / 111_320.0
    pad_lon = pad_lat / max(0.05, math.cos(math.radians(max(abs(miny), abs(maxy)))))
    wide = (minx - pad_lon, miny - pad_lat, maxx + pad_lon, maxy + pad_lat)
    coarse = public_reports(reports_layer(store, flt, viewer=viewer, bbox=wide))
    if coarse.empty:
        return coarse
    x, y = coarse.geometry.x.to_numpy(), coarse.geometry.y.to_numpy()
    keep = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    return coarse[keep].reset_index(drop=True)


def _check_bbox(bbox: BBox) -> BBox:
    try:
        minx, miny, maxx, maxy = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise ValueError(
            f"bbox must be (min lon, min lat, max lon, max lat) in EPSG:4326 degrees, got {bbox!r}"
        ) from None
    if not all(map(math.isfinite, (minx, miny, maxx, maxy))) or minx > maxx or miny > maxy:
        raise ValueError(f"bbox must be finite with min <= max, (min lon, min lat, max lon, max lat), got {bbox!r}")
    return minx, miny, maxx, maxy
