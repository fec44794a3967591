"""Pages of public reports (`geo.feed`) against the whole public layer read at once, on both backends."""

from __future__ import annotations

import datetime as dt
import importlib

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.feed import Cursor, public_reports_page, widened
from geo.io import layer_frame
from geo.layers import ReportFilter
from geo.model import Role, Zone, ZoneKind
from geo.privacy import coarsen_points
from geo.store import Store
from tests.conftest import NOW, small_categories

BOX = (13.55, 56.43, 13.65, 56.49)
"""Around Markaryd (EPSG:4326)."""


@pytest.fixture
def many(store: Store) -> Store:
    """400 reports around Markaryd; many share a timestamp, so only the id orders them."""
    rng = np.random.default_rng(7)
    n = 400
    store.upsert_categories(small_categories())
    frame = pd.DataFrame(
        {
            "lon": rng.uniform(13.5, 13.7, n),
            "lat": rng.uniform(56.4, 56.52, n),
            "category": rng.choice(["dalig_belysning", "trafik"], n),
            "feeling": "otrygg",
            "time_of_day": rng.choice(["dag", "kvall", "natt"], n),
            "status": "ny",
            "moderation": rng.choice(["published", "published", "pending", "rejected"], n),
            "created_at": [NOW - dt.timedelta(days=int(d)) for d in rng.integers(0, 20, n)],
            "text": [f"rapport {i}, ring 070-123 45 67" for i in range(n)],
            "source": "web",
        }
    )
    store.add_reports_frame(frame)
    return store


def every_page(store: Store, flt: ReportFilter | None = None, *, bbox=None, limit: int) -> list[list[str]]:
    pages, after = [], None
    while True:
        page = public_reports_page(store, flt, bbox=bbox, limit=limit, after=after)
        pages.append(list(page.rows["ref_code"]))
        if page.next is None:
            return pages
        assert len(page.rows) == limit  # only the last page is short
        after = page.next


def whole_layer(store: Store) -> pd.DataFrame:
    frame = layer_frame(store, Role.PUBLIC, "reports")
    return frame.assign(lon=frame.geometry.x, lat=frame.geometry.y)


@pytest.mark.parametrize("limit", [1, 7, 50, 1000])
def test_pages_hold_every_public_report_once_newest_first(many: Store, limit: int) -> None:
    pages = every_page(many, limit=limit)
    seen = [code for page in pages for code in page]
    expected = whole_layer(many)
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == set(expected["ref_code"])
    created = expected.set_index("ref_code").loc[seen, "created_at"].tolist()
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("dense_from", [5, 20_000], ids=["dense-box", "sparse-box"])
def test_issue_15_bbox_in_sql_gives_what_the_whole_layer_gives(
    many: Store, dense_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both SQLite plans (along created_at for a box holding many reports, along lon/lat otherwise)
    monkeypatch.setattr(importlib.import_module("geo.store.reports"), "DENSE_BOX", dense_from)
    expected = whole_layer(many)
    minx, miny, maxx, maxy = BOX
    inside = expected[expected["lon"].between(minx, maxx) & expected["lat"].between(miny, maxy)]
    pages = every_page(many, bbox=BOX, limit=9)
    assert sorted(code for page in pages for code in page) == sorted(inside["ref_code"])


def test_the_public_face_is_snapped_scrubbed_and_published_only(many: Store) -> None:
    rows = public_reports_page(many, limit=1000).rows
    stored = many.reports_frame(columns=["ref_code", "lon", "lat", "moderation"]).set_index("ref_code")
    assert set(stored.loc[rows["ref_code"], "moderation"]) == {"published"}
    lon, lat = coarsen_points(
        stored.loc[rows["ref_code"], "lon"].to_numpy(), stored.loc[rows["ref_code"], "lat"].to_numpy()
    )
    assert np.allclose(rows["lon"], lon) and np.allclose(rows["lat"], lat)
    assert not rows["text"].str.contains("070").any()
    assert not {"id", "moderation", "source"} & set(rows.columns)


def test_filters_and_a_zone(many: Store) -> None:
    square = shapely.box(13.55, 56.43, 13.62, 56.47)
    many.add_zones([Zone("Ruta", ZoneKind.PLATSSAMVERKAN, square.wkt)])
    zone_id = many.zones()[0].id
    flt = ReportFilter(categories=("trafik",), times_of_day=("natt", "kvall"), zone_id=zone_id)
    codes = [code for page in every_page(many, flt, limit=5) for code in page]
    stored = many.reports_frame().set_index("ref_code")
    chosen = stored.loc[codes]
    assert len(codes) > 0
    assert set(chosen["category"]) == {"trafik"} and set(chosen["time_of_day"]) <= {"natt", "kvall"}
    assert all(square.intersects(shapely.Point(x, y)) for x, y in zip(chosen["lon"], chosen["lat"], strict=True))
    expected = stored[
        (stored["moderation"] == "published") & (stored["category"] == "trafik")
        & stored["time_of_day"].isin(["natt", "kvall"])
        & shapely.intersects_xy(square, stored["lon"].to_numpy(), stored["lat"].to_numpy())
    ]  # fmt: skip
    assert sorted(codes) == sorted(expected.index)
    assert public_reports_page(many, ReportFilter(zone_id="nowhere"), limit=10).rows.empty


def test_cursor_round_trips_and_refuses_what_it_did_not_make() -> None:
    cursor = Cursor(dt.datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=dt.UTC), "a-b-c")
    assert Cursor.decode(cursor.encode()) == cursor
    for token in ("", "!!!", "WyJ4Il0", "WyIyMDI2LTExLTAxIiwgImEiXQ", "bnVsbA"):
        with pytest.raises(ValueError, match="cursor"):
            Cursor.decode(token)


def test_widened_box_covers_the_snapping_everywhere_in_sweden() -> None:
    for lat in (55.3, 59.3, 63.8, 69.0):
        box = (14.0, lat, 14.001, lat + 0.001)
        grown = widened(box)
        assert grown[0] < box[0] and grown[2] > box[2] and grown[1] < box[1] and grown[3] > box[3]
        assert (box[0] - grown[0]) * 111_320 * np.cos(np.radians(lat)) >= 36.3
        assert (box[1] - grown[1]) * 111_320 >= 36.3


def test_issue_15_a_bulk_insert_on_postgis_leaves_the_planner_its_statistics(postgis_url: str) -> None:
    # Without them the first page of 1,000,000 reports took 2.1 s (a full scan and a sort), not 0.02 s.
    store = Store.open(postgis_url)
    try:
        store.upsert_categories(small_categories())
        frame = pd.DataFrame(
            {
                "lon": np.linspace(13.5, 13.7, 300), "lat": 56.46, "category": "trafik", "feeling": "otrygg",
                "time_of_day": "dag", "status": "ny", "moderation": "published",
                "created_at": [NOW - dt.timedelta(hours=i) for i in range(300)], "text": "", "source": "web",
            }
        )  # fmt: skip
        store.add_reports_frame(frame)
        with store.engine.connect() as conn:
            estimate = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'reports'").scalar()
        assert estimate == 300
    finally:
        store.close()
