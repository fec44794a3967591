"""Each report's H3 cells, stored when it is written (geo/cells.py, migration 0010; issue #22),
on both backends: the cells are those H3 gives, the map's counts from them equal the counts made
in Python, and an older database gets them from the migration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import h3.api.basic_int as h3
import numpy as np
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from alembic import command
from hypothesis import given
from hypothesis import strategies as st

from geo.cells import BASE_RESOLUTION, as_stored, cell_parents, cover, latlng_cells, parent_bits, report_cells
from geo.demo import seed_demo
from geo.hexagons import (
    POINTS_FROM_ZOOM,
    counts_view,
    next_window,
    report_points,
    reports_view,
    view_bounds,
)
from geo.layers import ReportFilter
from geo.model import Role
from geo.privacy import coarsen_points
from geo.store import Store
from geo.store.engine import make_engine
from geo.store.schema import alembic_config, upgrade_database
from tests.conftest import small_categories, small_reports

MARKARYD = (56.462, 13.598)
"""(lat, lon) EPSG:4326."""
FILTERS = [ReportFilter(), ReportFilter(feelings=("otrygg",), times_of_day=("kvall", "natt"))]


def stored_cells(store: Store) -> pd.DataFrame:
    return store.reports_frame(columns=("lon", "lat", "cell", "public_cell"))


def expected_cells(frame: pd.DataFrame) -> tuple[list[int], list[int]]:
    lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
    public_lon, public_lat = coarsen_points(lon, lat)
    exact = [h3.latlng_to_cell(b, a, BASE_RESOLUTION) for a, b in zip(lon, lat, strict=True)]
    public = [h3.latlng_to_cell(b, a, BASE_RESOLUTION) for a, b in zip(public_lon, public_lat, strict=True)]
    return exact, public


def test_issue_22_every_writer_stores_the_cells_h3_gives(store: Store) -> None:
    seed_demo(store, reports=150)  # the bulk writer
    row = {
        "lon": 13.598, "lat": 56.462, "category": "trafik", "feeling": "otrygg", "time_of_day": "natt",
        "status": "ny", "moderation": "pending", "text": "", "source": "web", "created_at": dt.datetime.now(dt.UTC),
    }  # fmt: skip
    store.add_report(row)  # one resident's report
    frame = stored_cells(store)
    exact, public = expected_cells(frame)
    assert frame["cell"].astype("int64").tolist() == [int(c) for c in as_stored(np.array(exact, dtype=np.uint64))]
    assert frame["public_cell"].astype("int64").tolist() == [
        int(c) for c in as_stored(np.array(public, dtype=np.uint64))
    ]


@given(st.integers(min_value=3, max_value=BASE_RESOLUTION))
def test_parent_bits_give_h3_parents(resolution: int) -> None:
    lon = np.array([13.598, 13.2, 14.1, 11.97, 18.07])
    lat = np.array([56.462, 56.3, 56.8, 57.7, 59.33])
    exact, _ = report_cells(lon, lat)
    keep, bits = parent_bits(resolution)
    signed = [(int(c) & keep) | bits for c in as_stored(exact)]  # as SQL computes it, on signed integers
    assert signed == [h3.cell_to_parent(int(c), resolution) for c in exact]
    assert cell_parents(exact, resolution).tolist() == signed


@pytest.mark.parametrize("viewer", [Role.PUBLIC, Role.TEAM])
@pytest.mark.parametrize("flt", FILTERS)
def test_issue_22_counts_in_sql_equal_the_located_points(store: Store, viewer: Role, flt: ReportFilter) -> None:
    seed_demo(store, reports=600)
    window = next_window(None, view_bounds(MARKARYD, 9), 9)  # the whole municipality
    counted = counts_view(store, flt, window, viewer=viewer)
    located = reports_view(store, report_points(store, flt, viewer=viewer), flt, window)
    assert counted is not None and counted.mode == located.mode == "hexagons"
    pd.testing.assert_frame_equal(counted.cells.reset_index(drop=True), located.cells.reset_index(drop=True))
    assert (counted.total, counted.in_window) == (located.total, located.in_window)


def test_counts_in_sql_only_where_they_are_the_whole_answer(store: Store) -> None:
    seed_demo(store, reports=300)
    village = next_window(None, view_bounds(MARKARYD, 12), 12)  # cuts the municipality's reports
    close = next_window(None, view_bounds(MARKARYD, POINTS_FROM_ZOOM), POINTS_FROM_ZOOM)
    assert counts_view(store, ReportFilter(), village, viewer=Role.PUBLIC) is None
    assert counts_view(store, ReportFilter(), close, viewer=Role.PUBLIC) is None


def test_issue_22_migration_fills_the_cells_of_older_reports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store.open(url)
    store.upsert_categories(small_categories())
    store.close()
    engine = make_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0009_outbox")
        assert "cell" not in {c["name"] for c in sa.inspect(conn).get_columns("reports")}
        for number, row in enumerate(small_reports().to_dict("records")):
            conn.execute(
                sa.text(
                    "INSERT INTO reports (id, ref_code, lon, lat, category, feeling, time_of_day, text, language,"
                    " created_at, updated_at, status, moderation, moderation_reason, public_comment, source,"
                    " supporters) VALUES (:id, :ref, :lon, :lat, :category, :feeling, :tod, '', 'sv', :at, :at,"
                    " 'ny', 'published', '', '', 'web', 0)"
                ),
                {
                    "id": f"r{number}",
                    "ref": f"REF{number}",
                    "lon": row["lon"],
                    "lat": row["lat"],
                    "category": row["category"],
                    "feeling": row["feeling"],
                    "tod": row["time_of_day"],
                    "at": "2026-01-01 00:00:00.000000",
                },
            )
    engine.dispose()
    assert upgrade_database(url).state == "outdated"
    store = Store.open(url)
    filled = stored_cells(store)
    exact, public = expected_cells(filled)
    assert len(filled) == 6
    assert filled["cell"].astype("int64").tolist() == [int(c) for c in as_stored(np.array(exact, dtype=np.uint64))]
    assert filled["public_cell"].astype("int64").tolist() == [
        int(c) for c in as_stored(np.array(public, dtype=np.uint64))
    ]
    store.close()


@given(
    st.floats(13.3, 14.0),
    st.floats(56.3, 56.8),
    st.floats(0.0005, 0.02),
    st.floats(0.3, 3.0),
    st.integers(3, 12),
    st.integers(8, 12),
)
def test_issue_18_cover_splits_an_area_into_cells_inside_and_on_its_border(
    lon: float, lat: float, size: float, stretch: float, corners: int, resolution: int
) -> None:
    """Every point whose cell's parent `cover` calls inside lies in the area, and every point in the
    area has its parent inside or on the border: the statistics count areas by cells on this promise."""
    angles = np.linspace(0, 2 * np.pi, corners, endpoint=False) + 0.3
    radii = size * (0.6 + 0.4 * np.cos(3 * angles) ** 2)
    area = shapely.Polygon(np.column_stack([lon + radii * np.cos(angles) * stretch, lat + radii * np.sin(angles)]))
    if not area.is_valid:
        area = shapely.Point(lon, lat).buffer(size)
    inside, border = cover(area, resolution)
    assert not np.intersect1d(inside, border).size
    minx, miny, maxx, maxy = area.bounds
    rng = np.random.default_rng(int(lon * 1e6) % 2**32)
    xs = np.concatenate([rng.uniform(minx - size, maxx + size, 4000), np.array(area.exterior.coords)[:, 0]])
    ys = np.concatenate([rng.uniform(miny - size, maxy + size, 4000), np.array(area.exterior.coords)[:, 1]])
    parents = cell_parents(latlng_cells(xs, ys), resolution)
    within = shapely.intersects_xy(area, xs, ys)
    assert within[np.isin(parents, inside)].all()
    assert np.isin(parents[within], np.concatenate([inside, border])).all()
