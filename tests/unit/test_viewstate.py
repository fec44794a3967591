from __future__ import annotations

import datetime as dt

import pytest

from geo.layers import ReportFilter
from geo.viewstate import DEFAULT_CENTER, DEFAULT_ZOOM, LAYERS, ExploreView, parse_view, view_to_params

CATS = ["dalig_belysning", "trafik"]
ZONES = ["zone-1"]


def test_empty_params_give_default_view() -> None:
    assert parse_view({}) == ExploreView()


def test_round_trip_of_a_full_view() -> None:
    view = ExploreView(
        layers=("reports", "boundary"),
        filter=ReportFilter(
            categories=("trafik",),
            feelings=("otrygg",),
            times_of_day=("kvall", "natt"),
            statuses=("ny", "bekraftad"),
            zone_id="zone-1",
            date_from=dt.date(2025, 1, 1),
            date_to=dt.date(2025, 12, 31),
        ),
        center=(56.46123, 13.59876),
        zoom=15,
        selected=("report", "abc"),
    )
    assert parse_view(view_to_params(view), categories=CATS, zone_ids=ZONES) == view


def test_default_view_gives_no_params() -> None:
    assert view_to_params(ExploreView()) == {}


def test_all_layers_off_survives_the_round_trip() -> None:
    view = ExploreView(layers=())
    assert parse_view(view_to_params(view)) == view


@pytest.mark.parametrize(
    "params",
    [
        {"cat": "no_such_category"},
        {"feeling": "scared"},
        {"tod": "morning,,,"},
        {"status": "<script>"},
        {"zone": "unknown-zone"},
        {"from": "2025-13-45"},
        {"to": "yesterday"},
        {"lat": "north", "lon": "13.6"},
        {"lat": "91", "lon": "13.6"},
        {"lat": "nan", "lon": "inf"},
        {"z": "99"},
        {"z": "1.5"},
        {"sel": "nonsense"},
        {"sel": "user:1"},
        {"unknown": "value"},
        {"cat": ["x", "y"]},
    ],
)
def test_malformed_values_fall_back_to_defaults(params: dict) -> None:
    assert parse_view(params, categories=CATS, zone_ids=ZONES) == ExploreView()


def test_valid_values_are_kept_and_invalid_ones_dropped() -> None:
    view = parse_view({"cat": "trafik,bogus,trafik", "z": "12"}, categories=CATS)
    assert view.filter.categories == ("trafik",)
    assert view.zoom == 12
    assert view.center == DEFAULT_CENTER


def test_reversed_dates_are_dropped() -> None:
    view = parse_view({"from": "2025-12-31", "to": "2025-01-01"})
    assert view.filter.date_from is None and view.filter.date_to is None


def test_unknown_layers_are_dropped() -> None:
    view = parse_view({"layers": "reports,satellite"})
    assert view.layers == ("reports",)
    assert parse_view({}).layers == LAYERS
    assert parse_view({}).zoom == DEFAULT_ZOOM
