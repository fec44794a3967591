from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import shapely
import sqlalchemy as sa

from geo.model import MeetingPlace, MeetingPlaceKind, Zone, ZoneKind
from geo.store import REF_CODE_ALPHABET, ReportQuery, Store, StoreError
from geo.store.tables import reports
from tests.conftest import NOW, SQUARE_WKT, small_reports


class TestEmptyDatabase:
    def test_new_file_is_created_with_schema_and_is_empty(self, tmp_path: Path) -> None:
        path = tmp_path / "sub" / "new.db"
        store = Store.open(f"sqlite:///{path}")
        assert path.exists()
        assert store.is_empty()
        assert store.count_reports() == 0
        assert store.boundary() is None
        assert store.zones() == []
        assert store.meeting_places() == []

    def test_reports_frame_of_empty_database_has_no_rows(self, store: Store) -> None:
        assert store.reports_frame().empty


class TestRoundTrip:
    def test_report_coordinates_round_trip_exactly(self, filled_store: Store) -> None:
        frame = filled_store.reports_frame().set_index("text").sort_index()
        expected = small_reports().set_index("text").sort_index()
        assert list(frame["lon"]) == list(expected["lon"])
        assert list(frame["lat"]) == list(expected["lat"])

    def test_report_times_come_back_in_utc(self, filled_store: Store) -> None:
        frame = filled_store.reports_frame()
        assert str(frame["created_at"].dt.tz) == "UTC"
        assert frame["created_at"].max().to_pydatetime() == NOW - dt.timedelta(days=5)

    def test_zone_polygon_round_trips_exactly(self, store: Store) -> None:
        ring = [(13.123456789012, 56.1), (13.2, 56.100000000001), (13.15, 56.2), (13.123456789012, 56.1)]
        polygon = shapely.Polygon(ring)
        store.add_zones([Zone("Z", ZoneKind.PLATSSAMVERKAN, polygon.wkt, start_date=dt.date(2026, 3, 1))])
        (zone,) = store.zones()
        assert shapely.from_wkt(zone.geometry_wkt).equals_exact(polygon, tolerance=0)
        assert zone.start_date == dt.date(2026, 3, 1)
        assert shapely.equals_exact(store.zone_geometry(zone.id), polygon, tolerance=0)

    def test_multipolygon_boundary_round_trips(self, store: Store) -> None:
        shape = shapely.MultiPolygon([shapely.box(13, 56, 13.1, 56.1), shapely.box(13.2, 56, 13.3, 56.1)])
        store.set_boundary("Kommun", shape)
        name, geometry = store.boundary()
        assert name == "Kommun"
        assert geometry.equals_exact(shape, tolerance=0)

    def test_meeting_place_round_trips_with_languages(self, store: Store) -> None:
        place = MeetingPlace("Språkcafé", MeetingPlaceKind.LANGUAGE_CAFE, 13.6, 56.46, languages=("sv", "ar"))
        store.add_meeting_places([place])
        assert store.meeting_places() == [place]

    def test_line_is_refused_as_zone(self, store: Store) -> None:
        with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
            store.add_zones([Zone("Linje", ZoneKind.PLATSSAMVERKAN, "LINESTRING (13 56, 13.1 56.1)")])


class TestReports:
    def test_generated_reference_codes_are_unique_and_readable(self, filled_store: Store) -> None:
        codes = filled_store.reports_frame()["ref_code"]
        assert codes.is_unique
        assert all(len(code) == 8 and set(code) <= set(REF_CODE_ALPHABET) for code in codes)

    def test_data_version_changes_with_every_write(self, filled_store: Store) -> None:
        before = filled_store.data_version()
        filled_store.add_reports_frame(small_reports().head(1))
        assert filled_store.data_version() > before

    def test_naive_timestamps_are_refused(self, store: Store) -> None:
        frame = small_reports()
        frame["created_at"] = frame["created_at"].dt.tz_localize(None)
        with pytest.raises(ValueError, match="time zone"):
            store.add_reports_frame(frame)

    def test_clear_empties_every_table(self, filled_store: Store) -> None:
        filled_store.clear()
        assert filled_store.is_empty()


class TestBadDatabase:
    def test_corrupt_file_gives_corrupt_error(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.db"
        path.write_bytes(b"this is not a database" * 200)
        with pytest.raises(StoreError) as caught:
            Store.open(f"sqlite:///{path}")
        assert caught.value.reason == "corrupt"

    def test_read_only_database_gives_readonly_error(self, tmp_path: Path) -> None:
        path = tmp_path / "ro.db"
        Store.open(f"sqlite:///{path}").close()
        with pytest.raises(StoreError) as caught:
            Store.open(f"sqlite:///file:{path}?mode=ro&uri=true")
        assert caught.value.reason == "readonly"

    def test_unreachable_directory_gives_unavailable_error(self, tmp_path: Path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("x")
        with pytest.raises(StoreError) as caught:
            Store.open(f"sqlite:///{blocker / 'db.sqlite'}")
        assert caught.value.reason == "unavailable"


def test_add_report_draws_a_new_code_when_the_first_one_is_taken(
    filled_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The randomness is the only thing replaced: the first draw repeats a stored code."""
    import geo.store.codes

    taken = filled_store.reports_frame()["ref_code"].iloc[0]
    draws = iter([taken, "ZZZZ2222"])
    monkeypatch.setattr(geo.store.codes, "new_ref_code", lambda: next(draws))
    row = small_reports().iloc[0].to_dict()
    row["created_at"] = row["created_at"].to_pydatetime()
    row["updated_at"] = row["created_at"]
    _report_id, code = filled_store.add_report(row)
    assert code == "ZZZZ2222"
    assert filled_store.report_by_ref(taken) is not None


class TestSpatialConditions:
    def test_inside_a_zone_border_included_exact_on_both_backends(self, filled_store: Store) -> None:
        centrum = next(z.id for z in filled_store.zones() if z.name == "Centrum")
        found = filled_store.reports_frame(ReportQuery(zone_id=centrum), columns=["lon", "lat"])
        square = shapely.from_wkt(SQUARE_WKT)
        assert len(found) == 4  # one of them on the border
        assert shapely.intersects_xy(square, found["lon"].to_numpy(), found["lat"].to_numpy()).all()
        assert filled_store.count_reports(ReportQuery(zone_id=centrum)) == 4
        lon, lat = filled_store.report_locations(ReportQuery(zone_id=centrum))
        assert sorted(zip(lon, lat, strict=True)) == sorted(zip(found["lon"], found["lat"], strict=True))

    def test_an_unknown_zone_holds_no_reports(self, filled_store: Store) -> None:
        query = ReportQuery(zone_id="no-such-zone")
        assert filled_store.reports_frame(query, columns=["id", "created_at"]).empty
        assert filled_store.count_reports(query) == 0
        assert filled_store.report_locations(query)[0].size == 0

    def test_inside_a_box_edges_included(self, filled_store: Store) -> None:
        found = filled_store.reports_frame(ReportQuery(bbox=(13.595, 56.455, 13.61, 56.465)), columns=["lon", "lat"])
        assert sorted(zip(found["lon"], found["lat"], strict=True)) == [
            (13.595, 56.465),
            (13.6, 56.46),
            (13.605, 56.455),
            (13.61, 56.46),
        ]

    def test_postgis_answers_with_the_gist_index(self, postgis_url: str) -> None:
        store = Store.open(postgis_url)
        assert store.spatial_sql
        query = sa.select(reports.c.id).where(*store._inside_conditions(polygon=shapely.from_wkt(SQUARE_WKT)))
        with store.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            compiled = query.compile(conn)
            plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params))
        store.close()
        assert "ix_reports_geom" in plan


class TestReportQuery:
    """The query object: filters, moments, order and paging, the same on both backends."""

    def test_newest_first_pages_in_order_with_and_without_a_zone(self, filled_store: Store) -> None:
        every = filled_store.reports_frame(ReportQuery(newest_first=True), columns=["id", "created_at"])
        assert every["created_at"].is_monotonic_decreasing
        pages = [
            filled_store.reports_frame(ReportQuery(newest_first=True, offset=start, limit=2), columns=["id"])
            for start in (0, 2, 4)
        ]
        assert [i for page in pages for i in page["id"]] == every["id"].tolist()
        centrum = next(z.id for z in filled_store.zones() if z.name == "Centrum")
        inside = filled_store.reports_frame(ReportQuery(zone_id=centrum, newest_first=True), columns=["id"])
        second_page = filled_store.reports_frame(
            ReportQuery(zone_id=centrum, newest_first=True, offset=1, limit=2), columns=["id", "created_at"]
        )
        assert second_page["id"].tolist() == inside["id"].iloc[1:3].tolist()
        assert str(second_page["created_at"].dt.tz) == "UTC"

    def test_filters_and_moments_in_any_time_zone(self, filled_store: Store) -> None:
        every = filled_store.reports_frame(columns=["id", "created_at", "moderation", "category"])
        middle = every["created_at"].sort_values().iloc[3].to_pydatetime()
        stockholm = middle.astimezone(dt.timezone(dt.timedelta(hours=1)))
        assert filled_store.count_reports(ReportQuery(created_from=stockholm)) == (every["created_at"] >= middle).sum()
        assert filled_store.count_reports(ReportQuery(created_before=stockholm)) == (every["created_at"] < middle).sum()
        assert filled_store.count_reports(ReportQuery(created_until=stockholm)) == (every["created_at"] <= middle).sum()
        published = ReportQuery(moderation=("published",), categories=("dalig_belysning",))
        expected = ((every["moderation"] == "published") & (every["category"] == "dalig_belysning")).sum()
        assert filled_store.count_reports(published) == expected > 0

    def test_a_naive_moment_is_refused(self, filled_store: Store) -> None:
        with pytest.raises(ValueError, match="time zone"):
            filled_store.count_reports(ReportQuery(created_from=dt.datetime(2026, 1, 1)))
        row = small_reports().iloc[0].to_dict()
        row["created_at"] = dt.datetime(2026, 1, 1, 12)
        before = filled_store.count_reports()
        with pytest.raises(ValueError, match="time zone"):
            filled_store.add_report(row)
        assert filled_store.count_reports() == before

    def test_an_aware_moment_is_stored_as_the_same_instant(self, filled_store: Store) -> None:
        row = small_reports().iloc[0].to_dict()
        row["created_at"] = dt.datetime(2026, 3, 29, 3, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
        _id, code = filled_store.add_report(row)
        stored = filled_store.report_by_ref(code)
        assert stored is not None
        assert stored["created_at"] == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
        assert stored["created_at"].tzinfo is dt.UTC and stored["updated_at"].tzinfo is dt.UTC


def test_issue_15_an_over_long_report_text_is_refused_and_nothing_written(filled_store: Store) -> None:
    """The bulk path (imports, the demo) and the one-report path check the schema's length first."""
    from geo.store import TooLong

    before = filled_store.count_reports()
    frame = small_reports()
    frame.loc[2, "text"] = "x" * 1001
    with pytest.raises(TooLong, match=r"reports\.text holds at most 1000 characters, got 1001"):
        filled_store.add_reports_frame(frame)
    row = {**small_reports().iloc[0].to_dict(), "created_at": NOW, "text": "x" * 1001}
    with pytest.raises(TooLong):
        filled_store.add_report(row)
    assert filled_store.count_reports() == before
