"""Spatial joins on hand-made polygons, counts, and the before/after rate ratio."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.analysis import (
    before_after,
    count_points_per_zone,
    counts_by,
    join_points_to_zones,
    rate_ratio,
    reports_in_area,
)
from geo.model import WGS84

# A 0.01° square with a square hole in the middle, and a two-part MultiPolygon.
SQUARE_WITH_HOLE = shapely.Polygon(
    [(14.00, 56.00), (14.01, 56.00), (14.01, 56.01), (14.00, 56.01)],
    holes=[[(14.004, 56.004), (14.006, 56.004), (14.006, 56.006), (14.004, 56.006)]],
)
TWO_PARTS = shapely.MultiPolygon(
    [
        shapely.box(14.02, 56.00, 14.03, 56.01),
        shapely.box(14.04, 56.00, 14.05, 56.01),
    ]
)

POINTS = {
    "inside": (14.002, 56.002),
    "in_hole": (14.005, 56.005),
    "on_outer_border": (14.01, 56.005),  # exactly on the square's east edge
    "on_hole_border": (14.004, 56.005),  # exactly on the hole's west edge: still the area's border
    "just_outside": (14.0100001, 56.005),  # about 1 cm east of the edge
    "first_part": (14.025, 56.005),
    "second_part": (14.045, 56.005),
    "between_parts": (14.035, 56.005),
    "corner": (14.00, 56.00),
}


def points_frame() -> gpd.GeoDataFrame:
    names = list(POINTS)
    return gpd.GeoDataFrame(
        {"name": names},
        geometry=gpd.points_from_xy([POINTS[n][0] for n in names], [POINTS[n][1] for n in names]),
        crs=WGS84,
    )


def test_area_with_a_hole_counts_its_border_and_not_its_hole() -> None:
    inside = set(reports_in_area(points_frame(), SQUARE_WITH_HOLE)["name"])
    assert inside == {"inside", "on_outer_border", "on_hole_border", "corner"}


def test_multipolygon_is_one_area_and_the_gap_is_outside() -> None:
    inside = set(reports_in_area(points_frame(), TWO_PARTS)["name"])
    assert inside == {"first_part", "second_part"}


def test_join_gives_each_point_its_areas_and_counts_empty_areas_as_zero() -> None:
    areas = gpd.GeoDataFrame(
        {"id": ["hole", "parts", "empty"]},
        geometry=[SQUARE_WITH_HOLE, TWO_PARTS, shapely.box(15, 57, 15.01, 57.01)],
        crs=WGS84,
    )
    pts = points_frame()
    pairs = join_points_to_zones(pts, areas)
    by_name = {pts.loc[row.point, "name"]: row.id for row in pairs.itertuples()}
    assert by_name == {
        "inside": "hole",
        "on_outer_border": "hole",
        "on_hole_border": "hole",
        "corner": "hole",
        "first_part": "parts",
        "second_part": "parts",
    }
    assert count_points_per_zone(pts, areas).to_dict() == {"hole": 4, "parts": 2, "empty": 0}


def test_join_refuses_points_in_another_crs() -> None:
    projected = points_frame().to_crs("EPSG:3006")
    with pytest.raises(ValueError, match="EPSG:4326"):
        reports_in_area(projected, SQUARE_WITH_HOLE)


def test_rate_ratio_matches_a_hand_computed_case() -> None:
    # 30 reports in the 180 days after the start, 20 in the 180 days before:
    # RR = 30/20 = 1.5; SE(ln RR) = sqrt(1/30 + 1/20) = sqrt(0.08333) = 0.288675;
    # 1.96 * 0.288675 = 0.565793; 1.5 * e^-0.565793 = 0.8519, 1.5 * e^0.565793 = 2.6413.
    result = rate_ratio(30, 20, 180, 180)
    assert result is not None
    assert result.ratio == pytest.approx(1.5)
    assert result.low == pytest.approx(0.8519, abs=1e-4)
    assert result.high == pytest.approx(2.6413, abs=1e-4)
    assert not result.corrected


def test_rate_ratio_uses_period_lengths() -> None:
    # The same 30 vs 20, but after over 90 days: the rate after is twice as high.
    result = rate_ratio(30, 20, 90, 180)
    assert result is not None
    assert result.ratio == pytest.approx(3.0)


def test_rate_ratio_with_a_zero_count_is_corrected_and_with_two_is_absent() -> None:
    # 0 after, 4 before: (0.5)/(4.5) = 0.1111; SE = sqrt(1/0.5 + 1/4.5) = 1.4907;
    # 1.96 * 1.4907 = 2.9217: 0.1111 * e^-2.9217 = 0.00598, 0.1111 * e^2.9217 = 2.0637.
    result = rate_ratio(0, 4)
    assert result is not None
    assert result.corrected
    assert result.ratio == pytest.approx(0.1111, abs=1e-4)
    assert result.low == pytest.approx(0.00598, abs=1e-5)
    assert result.high == pytest.approx(2.0637, abs=1e-4)
    assert rate_ratio(0, 0) is None


def _utc(*args: int) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime(*args, tzinfo=dt.UTC))


def test_before_after_counts_equal_local_day_periods() -> None:
    start = dt.date(2026, 3, 1)
    created = pd.Series(
        [
            _utc(2026, 1, 30, 12),  # 30 days before: just outside a 29-day before period
            _utc(2026, 1, 31, 12),  # first day of the before period
            _utc(2026, 2, 28, 22, 30),  # 23:30 local on 28 Feb: before
            _utc(2026, 2, 28, 23, 30),  # 00:30 local on 1 Mar: after
            _utc(2026, 3, 29, 21),  # 22:00 local on 29 Mar: last day of the after period
            _utc(2026, 3, 30, 12),  # today: not counted, the day is not over
        ]
    )
    result = before_after(created, start, today=dt.date(2026, 3, 30))
    assert result is not None
    assert result.days == 29
    assert (result.before_start, result.after_end) == (dt.date(2026, 1, 31), dt.date(2026, 3, 30))
    assert (result.before, result.after) == (2, 2)
    assert result.rate is not None and result.rate.ratio == pytest.approx(1.0)


def test_before_after_stops_at_the_promise_end_and_the_first_data() -> None:
    start = dt.date(2026, 3, 1)
    created = pd.Series([_utc(2026, 2, 20, 12), _utc(2026, 3, 5, 12), _utc(2026, 3, 20, 12)])
    ended = before_after(created, start, today=dt.date(2026, 6, 1), end=dt.date(2026, 3, 10))
    assert ended is not None and ended.days == 10 and (ended.before, ended.after) == (1, 1)
    short_history = before_after(created, start, today=dt.date(2026, 6, 1), data_start=dt.date(2026, 2, 15))
    assert short_history is not None and short_history.days == 14
    assert before_after(created, start, today=start) is None


@pytest.mark.parametrize("empty", [pd.Series(dtype="datetime64[ns, UTC]"), pd.Series(dtype=object)])
def test_issue_15_before_after_of_an_area_without_reports_is_zero_and_zero(empty: pd.Series) -> None:
    # Every newly drawn area with a start date has no reports yet: this raised TypeError.
    result = before_after(empty, dt.date(2026, 3, 1), today=dt.date(2026, 4, 1), data_start=dt.date(2025, 1, 1))
    assert result is not None and (result.before, result.after, result.days) == (0, 0, 31)
    assert result.rate is None


def test_counts_by_month_uses_local_time() -> None:
    frame = pd.DataFrame(
        {
            "created_at": pd.Series([_utc(2026, 1, 31, 23, 30), _utc(2026, 2, 10), _utc(2026, 1, 5)]),
            "category": ["a", "b", "a"],
        }
    )
    assert counts_by(frame, "month").to_dict() == {"2026-01": 1, "2026-02": 2}
    assert counts_by(frame, "category").to_dict() == {"a": 2, "b": 1}
