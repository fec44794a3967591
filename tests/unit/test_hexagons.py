"""H3 aggregation and the windowed reports layer (geo/hexagons.py), on real SQLite files."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import h3.api.basic_int as h3
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.analysis import points_in_polygons
from geo.demo import seed_demo
from geo.hexagons import (
    BASE_RESOLUTION,
    POINTS_FROM_ZOOM,
    PUBLIC_MIN_COUNT,
    PointsCache,
    Window,
    cell_parents,
    hex_counts,
    latlng_cells,
    next_window,
    points_in_bbox,
    publish_counts,
    report_points,
    reports_view,
    resolution_for_zoom,
    view_bounds,
)
from geo.layers import ReportFilter, count_reports, reports_layer
from geo.model import Role
from geo.privacy import coarsen_points
from geo.store import Store

MARKARYD = (56.462, 13.598)
"""(lat, lon) EPSG:4326."""


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path: Path = tmp_path_factory.mktemp("hex") / "demo.db"
    store = Store.open(f"sqlite:///{path}")
    seed_demo(store, reports=3000)
    yield store
    store.close()


FILTERS = [
    ReportFilter(),
    ReportFilter(feelings=("otrygg",), times_of_day=("kvall", "natt")),
    ReportFilter(date_from=dt.date(2026, 1, 1)),
]


class TestCells:
    def test_parents_from_bits_equal_h3(self) -> None:
        rng = np.random.default_rng(1)
        lon, lat = rng.uniform(12.5, 15.0, 500), rng.uniform(55.5, 58.0, 500)
        cells = latlng_cells(lon, lat, BASE_RESOLUTION)
        for res in (3, 7, 9, BASE_RESOLUTION):
            assert cell_parents(cells, res).tolist() == [h3.cell_to_parent(int(c), res) for c in cells]
        assert cells.tolist() == [h3.latlng_to_cell(b, a, BASE_RESOLUTION) for a, b in zip(lon, lat, strict=True)]

    def test_resolution_grows_with_zoom(self) -> None:
        resolutions = [resolution_for_zoom(z) for z in range(3, 20)]
        assert resolutions == sorted(resolutions)
        assert resolution_for_zoom(10) == 7

    @pytest.mark.parametrize("bad", [-1, 16, 2.5])
    def test_bad_resolution_is_named(self, bad: object) -> None:
        with pytest.raises(ValueError, match="resolution must be an H3 resolution"):
            cell_parents(np.zeros(1, dtype=np.uint64), bad)  # type: ignore[arg-type]


class TestCounts:
    @pytest.mark.parametrize("flt", FILTERS)
    @pytest.mark.parametrize("viewer", [Role.TEAM, Role.PUBLIC])
    def test_hex_counts_sum_to_the_filtered_count(self, demo_store: Store, flt: ReportFilter, viewer: Role) -> None:
        points = report_points(demo_store, flt, viewer=viewer)
        expected = count_reports(demo_store, flt, viewer=viewer)
        assert len(points) == expected == len(reports_layer(demo_store, flt, viewer=viewer))
        for res in (6, 8, 10):
            counts = hex_counts(points, res)
            assert counts["count"].sum() == expected
            assert counts["cell"].is_unique

    def test_zone_filter_counts_agree(self, demo_store: Store) -> None:
        zone = demo_store.zones()[0]
        flt = ReportFilter(zone_id=zone.id)
        points = report_points(demo_store, flt)
        assert 0 < len(points) == count_reports(demo_store, flt) == len(reports_layer(demo_store, flt))

    def test_public_view_never_publishes_a_count_under_five(self, demo_store: Store) -> None:
        points = report_points(demo_store, ReportFilter(), viewer=Role.PUBLIC)
        for res in (7, 9, 11, 13):
            shown = publish_counts(hex_counts(points, res), Role.PUBLIC)
            published = shown["count"].dropna()
            assert (published >= PUBLIC_MIN_COUNT).all()
            assert shown["few"].sum() == shown["count"].isna().sum()
        fine = publish_counts(hex_counts(points, 13), Role.PUBLIC)
        assert fine["few"].any(), "the test data should have small cells to hide"
        staff = publish_counts(hex_counts(points, 13), Role.TEAM)
        assert staff["count"].notna().all() and not staff["few"].any()

    def test_public_points_are_coarsened_never_exact(self, demo_store: Store) -> None:
        points = report_points(demo_store, ReportFilter(), viewer=Role.PUBLIC)
        exact = reports_layer(demo_store, ReportFilter(), viewer=Role.PUBLIC)
        again = coarsen_points(points.lon, points.lat)  # already on the grid: snapping is idempotent
        np.testing.assert_allclose(again[0], points.lon, atol=1e-9)
        np.testing.assert_allclose(again[1], points.lat, atol=1e-9)
        exact_xy = set(zip(exact.geometry.x.round(9), exact.geometry.y.round(9), strict=True))
        shown_xy = set(zip(points.lon.round(9), points.lat.round(9), strict=True))
        assert not exact_xy & shown_xy
        view = reports_view(demo_store, points, ReportFilter(), next_window(None, view_bounds(MARKARYD, 17), 17))
        if view.mode == "points":
            xy = set(zip(view.points.geometry.x.round(9), view.points.geometry.y.round(9), strict=True))
            assert xy <= shown_xy and not xy & exact_xy


class TestBounds:
    def test_bounds_query_returns_exactly_the_points_inside_border_included(self, filled_store: Store) -> None:
        # Report 0 lies at (13.600, 56.460), report 3 at (13.610, 56.460): both on this box's edges.
        box = (13.600, 56.455, 13.610, 56.460)
        found = points_in_bbox(filled_store, ReportFilter(), box)
        every = reports_layer(filled_store)
        x, y = every.geometry.x, every.geometry.y
        inside = every[(x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])]
        assert sorted(found["id"]) == sorted(inside["id"])
        assert set(found["text"]) == {"rapport 0", "rapport 1", "rapport 3"}

    def test_public_box_is_applied_to_coarsened_locations(self, demo_store: Store) -> None:
        box = view_bounds(MARKARYD, 16)
        found = points_in_bbox(demo_store, ReportFilter(), box, viewer=Role.PUBLIC)
        points = report_points(demo_store, ReportFilter(), viewer=Role.PUBLIC)
        assert len(found) == int(points.in_bbox(box).sum()) > 0
        x, y = found.geometry.x, found.geometry.y
        assert ((x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])).all()

    @pytest.mark.parametrize("viewer", [Role.TEAM, Role.PUBLIC])
    def test_aggregated_and_point_views_agree(self, demo_store: Store, viewer: Role) -> None:
        flt = ReportFilter(feelings=("otrygg",))
        points = report_points(demo_store, flt, viewer=viewer)
        window = next_window(None, view_bounds(MARKARYD, POINTS_FROM_ZOOM + 2), POINTS_FROM_ZOOM + 2)
        as_points = reports_view(demo_store, points, flt, window, point_limit=10**6)
        as_cells = reports_view(demo_store, points, flt, window, point_limit=0)
        assert as_points.mode == "points" and as_cells.mode == "hexagons"
        assert len(as_points.points) == as_points.in_window == as_cells.in_window > 0
        # the cells of the points in the window hold exactly those points: same totals
        ids = latlng_cells(as_points.points.geometry.x.to_numpy(), as_points.points.geometry.y.to_numpy())
        per_cell = pd.Series(cell_parents(ids, window.resolution)).value_counts()
        counts = hex_counts(points, window.resolution).set_index("cell")["count"]
        assert (counts.reindex(per_cell.index) >= per_cell).all()
        assert as_points.total == as_cells.total == len(points)

    def test_low_zoom_gives_cells_high_zoom_points(self, demo_store: Store) -> None:
        points = report_points(demo_store, ReportFilter())
        low = reports_view(demo_store, points, ReportFilter(), next_window(None, view_bounds(MARKARYD, 10), 10))
        high = reports_view(demo_store, points, ReportFilter(), next_window(None, view_bounds(MARKARYD, 17), 17))
        assert low.mode == "hexagons" and low.cells["count"].sum() == len(points)
        assert high.mode == "points" and 0 < len(high.points) < len(points)


class TestWindows:
    def test_a_small_pan_keeps_the_window_a_zoom_change_does_not(self) -> None:
        first = next_window(None, view_bounds(MARKARYD, 12), 12)
        lat, lon = MARKARYD
        panned = next_window(first, view_bounds((lat + 0.002, lon + 0.004), 12), 12)
        assert panned is first
        zoomed = next_window(first, view_bounds(MARKARYD, 14), 14)
        assert zoomed != first and zoomed.resolution > first.resolution

    def test_windows_cover_the_view_and_snap(self) -> None:
        bounds = view_bounds(MARKARYD, 13)
        window = next_window(None, bounds, 13)
        assert window.bbox[0] <= bounds[0] and window.bbox[2] >= bounds[2]
        assert window.bbox[1] <= bounds[1] and window.bbox[3] >= bounds[3]
        nearby = next_window(None, view_bounds((MARKARYD[0] + 1e-5, MARKARYD[1] + 1e-5), 13), 13)
        assert nearby == window
        assert isinstance(window, Window)

    def test_bad_bbox_is_named(self) -> None:
        with pytest.raises(ValueError, match="bbox must be finite with min <= max"):
            next_window(None, (14.0, 56.0, 13.0, 57.0), 10)


class TestSpatialJoin:
    @pytest.mark.parametrize("method", ["sweep", "strtree"])
    def test_join_equals_a_row_by_row_loop(self, method: str) -> None:
        rng = np.random.default_rng(7)
        lon, lat = rng.uniform(13.0, 14.0, 2000), rng.uniform(56.0, 57.0, 2000)
        polygons = [shapely.box(x, y, x + 0.1, y + 0.08) for x, y in rng.uniform([13, 56], [13.9, 56.9], (40, 2))]
        minx, miny, maxx, maxy = polygons[0].bounds
        lon[:3], lat[:3] = [minx, maxx, (minx + maxx) / 2], [miny, maxy, miny]  # two corners, one edge
        point_index, polygon_index = points_in_polygons(lon, lat, polygons, method=method)
        found = set(zip(point_index.tolist(), polygon_index.tolist(), strict=True))
        loop = {
            (i, j)
            for i, (x, y) in enumerate(zip(lon, lat, strict=True))
            for j, polygon in enumerate(polygons)
            if polygon.intersects(shapely.Point(x, y))
        }
        assert found == loop and len(found) > 0


class TestPointsCache:
    def test_callers_at_once_share_one_reading(self, demo_store: Store) -> None:
        cache = PointsCache()
        got: list[object] = []
        threads = [
            threading.Thread(target=lambda: got.append(cache.get(demo_store, ReportFilter(), viewer=Role.PUBLIC)))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(got) == 4 and all(points is got[0] for points in got)
        assert len(got[0]) == count_reports(demo_store, ReportFilter(), viewer=Role.PUBLIC)
        assert cache.peek(demo_store, ReportFilter(), viewer=Role.PUBLIC) is got[0]
        assert cache.peek(demo_store, ReportFilter(), viewer=Role.TEAM) is None, "peek never computes"

    def test_a_new_report_gives_newly_located_points(self, tmp_path: Path) -> None:
        store = Store.open(f"sqlite:///{tmp_path / 'small.db'}")
        seed_demo(store, reports=200)
        cache = PointsCache()
        before = cache.get(store, ReportFilter(), viewer=Role.TEAM)
        row = {
            "lon": MARKARYD[1], "lat": MARKARYD[0], "category": "trafik", "feeling": "otrygg",
            "time_of_day": "natt", "status": "ny", "moderation": "pending", "text": "", "source": "web",
            "created_at": dt.datetime.now(dt.UTC),
        }  # fmt: skip
        store.add_report(row)
        after = cache.get(store, ReportFilter(), viewer=Role.TEAM)
        assert len(after) == len(before) + 1
        assert cache.get(store, ReportFilter(), viewer=Role.PUBLIC) is not after, "each viewer its own points"

    def test_keeps_the_most_recently_used(self, demo_store: Store) -> None:
        cache = PointsCache(max_entries=2)
        for flt in FILTERS:
            cache.get(demo_store, flt, viewer=Role.TEAM)
        assert len(cache) == 2
        assert cache.peek(demo_store, FILTERS[0], viewer=Role.TEAM) is None
        assert cache.peek(demo_store, FILTERS[2], viewer=Role.TEAM) is not None

    def test_bad_size_is_named(self) -> None:
        with pytest.raises(ValueError, match="max_entries must be a positive int, got 0"):
            PointsCache(max_entries=0)
