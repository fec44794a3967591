from __future__ import annotations

import datetime as dt

import pytest

from geo.layers import (
    ReportFilter,
    boundary_layer,
    meeting_places_layer,
    reports_layer,
    zones_layer,
)
from geo.model import WGS84, Role, ZoneKind
from geo.store import Store


def zone_id(store: Store, name: str) -> str:
    return next(z.id for z in store.zones() if z.name == name)


class TestReportFilters:
    def test_staff_see_all_but_rejected(self, filled_store: Store) -> None:
        layer = reports_layer(filled_store)
        assert len(layer) == 5
        assert layer.crs == WGS84
        assert "rejected" not in set(layer["moderation"])

    def test_public_sees_published_only(self, filled_store: Store) -> None:
        layer = reports_layer(filled_store, viewer=Role.PUBLIC)
        assert set(layer["moderation"]) == {"published"}
        assert len(layer) == 4

    @pytest.mark.parametrize(
        ("flt", "expected"),
        [
            (ReportFilter(categories=("dalig_belysning",)), 2),
            (ReportFilter(categories=("dalig_belysning", "trafik")), 4),
            (ReportFilter(feelings=("trygg",)), 1),
            (ReportFilter(times_of_day=("natt",)), 2),
            (ReportFilter(times_of_day=("kvall", "natt")), 4),
            (ReportFilter(statuses=("ny",)), 2),
            (ReportFilter(statuses=("stangd", "atgardad")), 2),
            (ReportFilter(categories=("trafik",), times_of_day=("dag",)), 1),
        ],
    )
    def test_attribute_filters(self, filled_store: Store, flt: ReportFilter, expected: int) -> None:
        assert len(reports_layer(filled_store, flt)) == expected

    def test_date_range_is_inclusive_whole_local_days(self, filled_store: Store) -> None:
        # Reports are 5, 40, 100, 200 and 300 days before 2026-11-01 12:00 UTC.
        flt = ReportFilter(date_from=dt.date(2026, 9, 22), date_to=dt.date(2026, 10, 27))
        layer = reports_layer(filled_store, flt)
        assert sorted(layer["text"]) == ["rapport 0", "rapport 1"]

    def test_date_from_only(self, filled_store: Store) -> None:
        assert len(reports_layer(filled_store, ReportFilter(date_from=dt.date(2026, 7, 1)))) == 3

    def test_zone_filter_counts_border_as_inside(self, filled_store: Store) -> None:
        layer = reports_layer(filled_store, ReportFilter(zone_id=zone_id(filled_store, "Centrum")))
        assert sorted(layer["text"]) == ["rapport 0", "rapport 1", "rapport 2", "rapport 3"]

    def test_zone_and_category_combine(self, filled_store: Store) -> None:
        flt = ReportFilter(zone_id=zone_id(filled_store, "Centrum"), categories=("trafik",))
        assert list(reports_layer(filled_store, flt)["text"]) == ["rapport 1"]

    def test_unknown_zone_gives_no_reports(self, filled_store: Store) -> None:
        layer = reports_layer(filled_store, ReportFilter(zone_id="no-such-zone"))
        assert layer.empty
        assert layer.crs == WGS84

    def test_newest_first(self, filled_store: Store) -> None:
        created = list(reports_layer(filled_store)["created_at"])
        assert created == sorted(created, reverse=True)

    def test_empty_database_gives_empty_layers(self, store: Store) -> None:
        assert reports_layer(store).empty
        assert meeting_places_layer(store).empty
        assert zones_layer(store).empty
        assert boundary_layer(store).empty


class TestOtherLayers:
    def test_zones_by_kind(self, filled_store: Store) -> None:
        assert list(zones_layer(filled_store, ZoneKind.MEDBORGARLOFTE)["name"]) == ["Centrum"]
        assert len(zones_layer(filled_store)) == 2

    def test_meeting_places_are_points_in_wgs84(self, filled_store: Store) -> None:
        places = meeting_places_layer(filled_store)
        assert places.crs == WGS84
        assert places.geometry.iloc[0].x == 13.601

    def test_boundary_is_one_polygon(self, filled_store: Store) -> None:
        boundary = boundary_layer(filled_store)
        assert list(boundary["name"]) == ["Testkommun"]
        assert boundary.geometry.iloc[0].geom_type == "Polygon"


def test_public_reports_are_snapped_to_50_m_cells(filled_store: Store) -> None:
    from pyproj import Transformer

    from geo.layers import public_reports

    exact = reports_layer(filled_store, viewer=Role.PUBLIC)
    public = public_reports(exact)
    to_sweref = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
    x, y = to_sweref.transform(public.geometry.x.to_numpy(), public.geometry.y.to_numpy())
    ex, ey = to_sweref.transform(exact.geometry.x.to_numpy(), exact.geometry.y.to_numpy())
    assert all(abs((v % 50) - 25) < 0.01 for v in [*x, *y]), "every point sits on a cell centre"
    assert max(((x - ex) ** 2 + (y - ey) ** 2) ** 0.5) <= 25 * 2**0.5 + 0.01
    assert list(public["id"]) == list(exact["id"])
