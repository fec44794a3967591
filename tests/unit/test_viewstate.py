from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.layers import ReportFilter, count_reports
from geo.viewstate import (
    LAYERS,
    MAX_DATE,
    MAX_ZOOM,
    MIN_DATE,
    MIN_ZOOM,
    SELECTABLE_KINDS,
    SELECTED_ZOOM,
    SWEDEN,
    ExploreView,
    Memory,
    Step,
    Widgets,
    clicked_feature,
    date_range,
    map_bounds,
    parse_view,
    step,
    view_to_params,
)

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
    assert view.center == SWEDEN[0]


def test_issue_17_a_link_without_a_place_opens_on_the_municipality_and_links_leave_it_out() -> None:
    home = ((58.0, 12.3), 11)  # a municipality's centre and zoom (geo.municipality)
    view = parse_view({"cat": "trafik"}, categories=CATS, home=home)
    assert (view.center, view.zoom) == home
    assert view_to_params(view, home=home) == {"cat": "trafik"}
    moved = view_to_params(ExploreView(center=(58.1, 12.3), zoom=11), home=home)
    assert moved == {"lat": "58.10000", "lon": "12.30000"}


def test_reversed_dates_are_swapped_as_the_page_does() -> None:
    view = parse_view({"from": "2025-12-31", "to": "2025-01-01"})
    assert (view.filter.date_from, view.filter.date_to) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert date_range(dt.date(2025, 12, 31), dt.date(2025, 1, 1)) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31), True)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01", "garbage", "2025-02-30", "١٢"])
def test_issue_15_out_of_range_or_malformed_dates_in_a_link_are_ignored(day: str) -> None:
    view = parse_view({"from": day, "to": day})
    assert view.filter.date_from is None and view.filter.date_to is None


def test_unknown_layers_are_dropped() -> None:
    view = parse_view({"layers": "reports,satellite"})
    assert view.layers == ("reports",)
    assert parse_view({}).layers == LAYERS
    assert parse_view({}).zoom == SWEDEN[1]


# --- URL parser: any query-parameter dict gives a valid view ---------------------------------

KEYS = st.sampled_from(["layers", "cat", "feeling", "tod", "status", "zone", "from", "to", "lat", "lon", "z", "sel"])
TEXT = st.one_of(
    st.text(max_size=40),
    st.dates().map(dt.date.isoformat),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
    st.sampled_from(["trafik", "otrygg", "kvall", "ny", "zone-1", "report:abc", "zone:", "-", ","]),
)
VALUES = st.one_of(TEXT, st.lists(TEXT, max_size=3), st.none(), st.integers())


def _valid(view: ExploreView) -> None:
    assert set(view.layers) <= set(LAYERS)
    assert -90 <= view.center[0] <= 90 and -180 <= view.center[1] <= 180
    assert MIN_ZOOM <= view.zoom <= MAX_ZOOM
    flt = view.filter
    assert set(flt.categories) <= set(CATS) and flt.zone_id in (None, *ZONES)
    for day in (flt.date_from, flt.date_to):
        assert day is None or MIN_DATE <= day <= MAX_DATE
    if flt.date_from and flt.date_to:
        assert flt.date_from <= flt.date_to
    assert view.selected is None or view.selected[0] in SELECTABLE_KINDS


@given(st.dictionaries(st.one_of(KEYS, st.text(max_size=8)), VALUES, max_size=8))
def test_issue_15_any_query_parameters_give_a_valid_view(params: dict) -> None:
    view = parse_view(params, categories=CATS, zone_ids=ZONES)
    _valid(view)
    assert parse_view(view_to_params(view), categories=CATS, zone_ids=ZONES) == view


@given(st.dates(min_value=MIN_DATE, max_value=MAX_DATE), st.dates(min_value=MIN_DATE, max_value=MAX_DATE))
def test_issue_15_every_date_a_link_keeps_can_be_queried(first: dt.date, last: dt.date) -> None:
    """The dates a link keeps never overflow when the filter turns them into local day bounds."""
    from geo.layers import ReportFilter, report_query

    start, end, _ = date_range(first, last)
    query = report_query(ReportFilter(date_from=start, date_to=end))
    for moment in (query.created_from, query.created_before):  # as the store binds them
        assert moment is None or moment.astimezone(dt.UTC).tzinfo is dt.UTC


def test_issue_15_extreme_dates_in_a_link_are_a_working_filter(tmp_path) -> None:
    from geo.layers import ReportFilter
    from geo.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 'd.db'}")
    view = parse_view({"from": MIN_DATE.isoformat(), "to": MAX_DATE.isoformat()})
    assert count_reports(store, view.filter) == count_reports(store, ReportFilter()) == 0


# --- The page's state transitions (issue #16 §3) ----------------------------------------------


def reported(lat: float, lon: float, zoom: int, *, click: tuple[str, str] | None = None) -> dict:
    """What st_folium returns for a map at (lat, lon), zoom (EPSG:4326), after a click on ``click``."""
    half = 360 / 2**zoom
    returned: dict = {
        "center": {"lat": lat, "lng": lon},
        "zoom": zoom,
        "bounds": {
            "_southWest": {"lat": lat - half / 2, "lng": lon - half},
            "_northEast": {"lat": lat + half / 2, "lng": lon + half},
        },
        "last_active_drawing": None,
    }
    if click:
        returned["last_active_drawing"] = {"type": "Feature", "properties": {"layer": click[0], "id": click[1]}}
    return returned


def run(view: ExploreView, returned: dict | None, memory: Memory, widgets: Widgets | None = None, **kw: object) -> Step:
    return step(view, widgets or Widgets(), returned, memory, **kw)  # type: ignore[arg-type]


def test_issue_14_the_map_keeps_the_users_place_across_the_hexagon_threshold_both_ways() -> None:
    first = run(ExploreView(), None, Memory(), new_map=True)
    assert first.origin == (SWEDEN[0], SWEDEN[1]) and first.focus is None
    memory, view = first.memory, first.view
    for zoom in (11, 12, 13, 14, 16, 13, 12, 11, 10):  # with +, a hexagon click, and back with -
        now = run(view, reported(56.46, 13.6, zoom), memory)
        assert now.origin == first.origin, "the map in the browser is not re-created"
        assert now.focus is None, "and not moved: it stays where the user has it"
        assert (now.view.center, now.view.zoom) == ((56.46, 13.6), zoom), "the link follows the user"
        assert now.window.points_allowed == (zoom >= 13), "single reports from zoom 13, cells below"
        memory, view = now.memory, now.view


def test_a_layer_switched_off_or_a_filter_keeps_the_map() -> None:
    first = run(ExploreView(), None, Memory(), new_map=True)
    now = run(
        first.view,
        reported(56.46, 13.6, 14),
        first.memory,
        Widgets(layers=("reports",), filter=ReportFilter(feelings=("trygg",))),
    )
    assert now.origin == first.origin and now.focus is None
    assert now.view.layers == ("reports",) and now.view.filter.feelings == ("trygg",)


def test_coming_back_to_the_page_creates_the_map_where_the_user_left_it() -> None:
    first = run(ExploreView(), None, Memory(), new_map=True)
    there = run(first.view, reported(56.46, 13.6, 15), first.memory)
    back = run(there.view, reported(56.46, 13.6, 15), there.memory, new_map=True)
    assert back.origin == ((56.46, 13.6), 15) and back.focus is None


def test_a_map_click_selects_once_and_a_table_row_moves_the_map_to_its_report() -> None:
    first = run(ExploreView(), None, Memory(), new_map=True)
    clicked = run(first.view, reported(56.46, 13.6, 14, click=("zone", "z1")), first.memory)
    assert clicked.view.selected == ("zone", "z1")
    assert clicked.ringed is None, "the browser marks what was clicked; the map's groups stay the same"
    where = (56.47, 13.61)
    picked = run(
        clicked.view,
        reported(56.46, 13.6, 14, click=("zone", "z1")),
        clicked.memory,
        Widgets(table_pick="r1"),
        locate=lambda ident: where if ident == "r1" else None,
    )
    assert picked.view.selected == picked.ringed == ("report", "r1")
    assert picked.focus == (where, SELECTED_ZOOM) and picked.view.zoom == SELECTED_ZOOM
    later = run(picked.view, reported(56.40, 13.5, 12, click=("zone", "z1")), picked.memory, Widgets(table_pick="r1"))
    assert later.view.selected == ("report", "r1"), "an old click or row selects nothing again"
    assert later.focus == picked.focus, "the map is not moved again: the same focus is not applied twice"
    assert (later.view.center, later.view.zoom) == ((56.40, 13.5), 12)


def test_a_links_selection_is_ringed_and_reversed_dates_are_swapped_with_a_warning() -> None:
    view = parse_view({"sel": "report:r9"})
    first = run(
        view,
        None,
        Memory(),
        Widgets(filter=ReportFilter(date_from=dt.date(2025, 5, 1), date_to=dt.date(2025, 1, 1))),
        new_map=True,
    )
    assert first.ringed == ("report", "r9") and first.dates_reversed
    assert (first.view.filter.date_from, first.view.filter.date_to) == (dt.date(2025, 1, 1), dt.date(2025, 5, 1))


@given(
    st.dictionaries(
        st.sampled_from(["center", "zoom", "bounds", "last_active_drawing"]),
        st.one_of(
            st.none(),
            st.integers(),
            st.floats(),
            st.text(max_size=5),
            st.dictionaries(st.text(max_size=12), st.one_of(st.floats(), st.text(max_size=5), st.none()), max_size=3),
        ),
    )
)
def test_whatever_st_folium_returns_the_step_gives_a_valid_view(returned: dict) -> None:
    now = run(ExploreView(), returned, Memory())
    assert MIN_ZOOM <= now.view.zoom <= MAX_ZOOM
    assert map_bounds(returned) is None or len(map_bounds(returned)) == 4
    assert clicked_feature(returned) is None or clicked_feature(returned)[0] in SELECTABLE_KINDS
