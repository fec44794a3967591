"""Karta's heat map for staff (geo/heatmap.py, issue #18): weighted H3 cells counted in SQL, on both backends."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from geo import assets
from geo.config import TileSource
from geo.demo import seed_demo
from geo.explore import ExploreLayers, build_map, legend_entries, load_layers
from geo.heatmap import HEAT_FINER, heat_resolution, heat_view, may_see_heat
from geo.hexagons import Window, next_window, resolution_for_zoom, view_bounds
from geo.layers import ReportFilter, count_reports
from geo.model import Role
from geo.store import Store
from geo.viewstate import ExploreView, Memory, Widgets, parse_view, step, view_to_params

MARKARYD = (56.462, 13.598)
"""(lat, lon) EPSG:4326."""
WIDE = Window((12.5, 55.5, 15.0, 57.5), 9, resolution_for_zoom(9))
"""A window (EPSG:4326) holding every demo report."""


@pytest.fixture
def demo(store: Store) -> Store:
    seed_demo(store, reports=400)
    return store


def weights(view_points: np.ndarray) -> int:
    return int(view_points[:, 2].sum()) if len(view_points) else 0


@pytest.mark.parametrize("role", [Role.VIEWER, Role.POLICE, Role.TEAM, Role.ADMIN])
def test_issue_18_staff_may_see_the_heat_map_and_the_public_may_not(role: Role) -> None:
    assert may_see_heat(role)
    assert not may_see_heat(Role.PUBLIC)
    assert not may_see_heat(None)


def test_issue_18_the_heat_map_weighs_every_report_of_the_filter_once(demo: Store) -> None:
    for flt in (
        ReportFilter(),
        ReportFilter(feelings=("otrygg",)),
        ReportFilter(times_of_day=("natt",), statuses=("ny",)),
        ReportFilter(zone_id=demo.zones()[0].id),
    ):
        for role in (Role.TEAM, Role.VIEWER):
            heat = heat_view(demo, flt, WIDE, viewer=role)
            expected = count_reports(demo, flt, viewer=role)
            assert weights(heat.points) == heat.in_window == expected, (flt, role)
            assert len(heat) <= expected


def test_issue_18_filters_change_what_the_heat_map_draws(demo: Store) -> None:
    everything = heat_view(demo, ReportFilter(), WIDE, viewer=Role.TEAM)
    unsafe = heat_view(demo, ReportFilter(feelings=("otrygg",)), WIDE, viewer=Role.TEAM)
    assert 0 < weights(unsafe.points) < weights(everything.points)


def test_issue_18_the_heat_map_counts_only_the_window(demo: Store) -> None:
    zoom = 15
    window = next_window(None, view_bounds(MARKARYD, zoom), zoom)
    heat = heat_view(demo, ReportFilter(), window, viewer=Role.TEAM)
    minx, miny, maxx, maxy = window.bbox
    everything = count_reports(demo, viewer=Role.TEAM)
    assert 0 < heat.in_window < everything
    assert heat.resolution == heat_resolution(zoom) == resolution_for_zoom(zoom) + HEAT_FINER
    lat, lon = heat.points[:, 0], heat.points[:, 1]
    pad = 0.002  # a cell's centre lies a few metres from its reports
    assert ((lon >= minx - pad) & (lon <= maxx + pad) & (lat >= miny - pad) & (lat <= maxy + pad)).all()


def test_issue_18_the_public_gets_no_heat_map(demo: Store) -> None:
    with pytest.raises(PermissionError):
        heat_view(demo, ReportFilter(), WIDE, viewer=Role.PUBLIC)
    layers = load_layers(demo, ExploreView(), viewer=Role.PUBLIC)
    heat = heat_view(demo, ReportFilter(), WIDE, viewer=Role.TEAM)
    with pytest.raises(PermissionError):
        _map(layers, Role.PUBLIC, heat=heat)


def _map(layers: ExploreLayers, viewer: Role, **kwargs: object) -> str:
    m, groups = build_map(
        layers,
        ExploreView(center=MARKARYD, zoom=10),
        lang="sv",
        tiles=TileSource(None, ""),
        categories=[],
        viewer=viewer,
        **kwargs,  # type: ignore[arg-type]
    )
    for group in groups:
        group.add_to(m)
    return m.get_root().render()


def test_issue_18_the_heat_map_is_drawn_with_the_apps_own_leaflet_heat(demo: Store) -> None:
    manifest = assets.load_manifest()
    heat = heat_view(demo, ReportFilter(), WIDE, viewer=Role.TEAM)
    page = _map(load_layers(demo, ExploreView(), viewer=Role.TEAM), Role.TEAM, heat=heat)
    assert "L.heatLayer(" in page
    data = re.search(r"L\.heatLayer\(\s*(\[\[.*?\]\])", page, re.S)
    assert data is not None
    assert manifest["leaflet-heat.js"] in page
    assert assets.external_hosts(page) == set()
    assert assets.asset_path(manifest["leaflet-heat.js"]).is_file()


def test_issue_18_no_map_loads_leaflet_heat_until_staff_switch_to_the_heat_map(demo: Store) -> None:
    heat_js = assets.load_manifest()["leaflet-heat.js"]
    staff = _map(load_layers(demo, ExploreView(), viewer=Role.TEAM), Role.TEAM)
    public = _map(load_layers(demo, ExploreView(), viewer=Role.PUBLIC), Role.PUBLIC)
    assert heat_js not in staff and "heatLayer" not in staff
    assert heat_js not in public and "heatLayer" not in public


def test_issue_18_the_heat_group_loads_leaflet_heat_itself_into_a_map_made_without_it(demo: Store) -> None:
    """st_folium loads a map's scripts only when it makes the map: a heat map switched on later
    (or after logging in on the same map) must load leaflet-heat, from the app, itself."""
    heat = heat_view(demo, ReportFilter(), WIDE, viewer=Role.TEAM)
    page = _map(load_layers(demo, ExploreView(), viewer=Role.TEAM), Role.TEAM, heat=heat)
    assert f"script.src = {json.dumps(assets.load_manifest()['leaflet-heat.js'])};" in page
    assert "if (L.heatLayer)" in page


def test_issue_18_the_legend_says_few_and_many_for_the_heat_map() -> None:
    texts = [entry.text for entry in legend_entries(ExploreView(layers=("reports",)), "ar", heat=True)]
    assert texts == ["بلاغات كثيرة", "بلاغات قليلة"]


def test_issue_18_the_heat_map_is_kept_in_the_link() -> None:
    view = parse_view({"heat": "1", "feeling": "otrygg"})
    assert view.heat and view_to_params(view)["heat"] == "1"
    assert not parse_view({"heat": "yes"}).heat
    assert "heat" not in view_to_params(parse_view({}))
    assert step(view, Widgets(filter=view.filter, heat=True), None, Memory()).view.heat
    assert not step(view, Widgets(filter=view.filter), None, Memory()).view.heat


def test_issue_18_a_crowded_window_sends_fewer_heavier_points_with_the_same_reports(demo: Store) -> None:
    fine = heat_view(demo, ReportFilter(), WIDE, viewer=Role.TEAM)
    few = heat_view(demo, ReportFilter(), WIDE, viewer=Role.TEAM, point_limit=len(fine) // 3)
    assert len(few) <= max(len(fine) // 3, len(heat_view(demo, ReportFilter(), WIDE, viewer=Role.TEAM, point_limit=0)))
    assert few.resolution < fine.resolution
    assert weights(few.points) == weights(fine.points) == few.in_window
    floor = heat_view(demo, ReportFilter(), WIDE, viewer=Role.TEAM, point_limit=0)
    assert floor.resolution == resolution_for_zoom(WIDE.zoom)


def test_issue_18_the_served_leaflet_heat_is_folium_own_copy() -> None:
    """folium's leaflet-heat carries the weights patch its HeatMap relies on (npm's leaflet.heat 0.2.0 does not)."""
    import folium

    served = assets.asset_path(assets.load_manifest()["leaflet-heat.js"]).read_bytes()
    shipped = (Path(folium.__file__).parent / "templates" / "leaflet_heat.min.js").read_bytes()
    assert served == shipped
    assert b"L.heatLayer" in served
