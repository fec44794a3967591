"""The Markaryd demo data (geo.demo) and the default categories (geo.categories)."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo import demo
from geo.categories import CATEGORY_BY_CODE, DEFAULT_CATEGORIES
from geo.meeting_places import check_hours
from geo.model import SWEREF99TM, WGS84, Feeling, MeetingPlaceKind, Moderation, Status, TimeOfDay, ZoneKind
from geo.store import Store

TOWN_CENTRES = {  # (lon, lat) in EPSG:4326
    "Markaryd": (13.597, 56.461),
    "Timsfors": (13.609, 56.484),
    "Strömsnäsbruk": (13.721, 56.552),
    "Traryd": (13.743, 56.580),
    "Hinneryd": (13.623, 56.637),
}
COLUMNS = [
    "lon",
    "lat",
    "category",
    "feeling",
    "time_of_day",
    "text",
    "language",
    "created_at",
    "status",
    "moderation",
    "source",
    "supporters",
]
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def reports() -> pd.DataFrame:
    return demo.generate_reports(2_000)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(f"sqlite:///{tmp_path}/t.db")
    yield store
    store.close()


def _to_sweref(geometry: shapely.Geometry) -> shapely.Geometry:
    transformer = Transformer.from_crs(WGS84, SWEREF99TM, always_xy=True)
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _months_between(earlier: dt.date, later: dt.date) -> float:
    return (later - earlier).days / (365.25 / 12)


# -- boundary and towns --------------------------------------------------------


def test_boundary_is_valid_and_contains_the_five_towns() -> None:
    boundary = demo.markaryd_boundary()
    assert isinstance(boundary, shapely.Polygon)
    assert boundary.is_valid
    assert 30 <= len(boundary.exterior.coords) - 1 <= 60
    for name, (lon, lat) in TOWN_CENTRES.items():
        assert boundary.contains(shapely.Point(lon, lat)), name
    assert {town.name for town in demo.TOWNS} == set(TOWN_CENTRES)
    for town in demo.TOWNS:
        assert boundary.contains(shapely.Point(town.lon, town.lat)), town.name
    minx, miny, maxx, maxy = boundary.bounds
    assert 13.3 <= minx < maxx <= 14.05 and 56.3 <= miny < maxy <= 56.75


def test_boundary_area_is_that_of_a_small_kommun() -> None:
    assert 400 <= demo.boundary_area_km2() <= 700  # the real Markaryds kommun: about 533 km²


def test_towns_are_weighted_by_size() -> None:
    weights = {town.name: town.weight for town in demo.TOWNS}
    assert max(weights, key=weights.__getitem__) == "Markaryd"
    assert weights["Markaryd"] > weights["Strömsnäsbruk"] > weights["Timsfors"] > weights["Hinneryd"]


# -- categories ----------------------------------------------------------------


def test_every_category_has_labels_and_help_in_sv_en_ar() -> None:
    arabic = re.compile("[\u0600-\u06ff]")
    for category in DEFAULT_CATEGORIES:
        assert re.fullmatch(r"[a-z_]+", category.code), category.code
        for lang in ("sv", "en", "ar"):
            assert category.labels.get(lang, "").strip(), (category.code, lang)
            assert category.help.get(lang, "").strip(), (category.code, lang)
        assert arabic.search(category.labels["ar"]) and arabic.search(category.help["ar"])
        assert category.icon
    codes = [c.code for c in DEFAULT_CATEGORIES]
    assert len(codes) == len(set(codes))
    orders = [c.sort_order for c in DEFAULT_CATEGORIES]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_categories_cover_the_design_and_say_their_feeling() -> None:
    unsafe = {
        "dalig_belysning",
        "buskage_skymd_sikt",
        "odsligt",
        "klotter_skadegorelse",
        "nedskrapning",
        "trafik",
        "berusade_droger",
        "stokigt_beteende",
        "gangtunnel_passage",
        "daligt_underhall",
        "annat",
    }
    safe = {"bra_belysning", "folk_i_rorelse", "vuxennarvaro"}
    assert unsafe | safe <= set(CATEGORY_BY_CODE)
    assert all(CATEGORY_BY_CODE[code].feeling is Feeling.UNSAFE for code in unsafe)
    assert all(CATEGORY_BY_CODE[code].feeling is Feeling.SAFE for code in safe)
    assert CATEGORY_BY_CODE["dalig_belysning"].labels["sv"] == "Dålig belysning"


# -- reports ---------------------------------------------------------------------


def test_reports_have_the_columns_and_types(reports: pd.DataFrame) -> None:
    assert list(reports.columns) == COLUMNS
    assert len(reports) == 2_000
    assert reports["lon"].dtype == np.float64 and reports["lat"].dtype == np.float64
    assert isinstance(reports["created_at"].dtype, pd.DatetimeTZDtype)
    assert str(reports["created_at"].dt.tz) == "UTC"
    assert (reports["source"] == "demo").all()
    assert reports["supporters"].min() >= 0
    assert (reports["supporters"] == 0).mean() > 0.5
    assert reports.notna().all().all()


def test_reports_lie_inside_the_boundary(reports: pd.DataFrame) -> None:
    inside = shapely.contains_xy(demo.markaryd_boundary(), reports["lon"].to_numpy(), reports["lat"].to_numpy())
    assert inside.all()


def test_reports_cluster_around_markaryd_most(reports: pd.DataFrame) -> None:
    near = {}
    for name, (lon, lat) in TOWN_CENTRES.items():
        near[name] = int(((reports["lon"] - lon).abs() < 0.02).mul((reports["lat"] - lat).abs() < 0.012).sum())
    assert near["Markaryd"] > near["Strömsnäsbruk"] > near["Traryd"] > near["Hinneryd"]


def test_at_least_400_reports_spread_over_24_months() -> None:
    frame = demo.generate_reports(600)
    now = pd.Timestamp(demo.DEFAULT_NOW)
    assert len(frame) >= 400
    assert frame["created_at"].max() < now
    assert frame["created_at"].min() >= now - pd.DateOffset(months=24)
    assert frame["created_at"].max() - frame["created_at"].min() > pd.Timedelta(days=650)
    assert frame["created_at"].dt.strftime("%Y-%m").nunique() >= 24


def test_now_and_months_move_the_window() -> None:
    now = dt.datetime(2030, 3, 15, 8, 30, tzinfo=dt.UTC)
    frame = demo.generate_reports(500, now=now, months=6)
    assert frame["created_at"].max() < pd.Timestamp(now)
    assert frame["created_at"].min() >= pd.Timestamp(now) - pd.DateOffset(months=6)
    with pytest.raises(ValueError):
        demo.generate_reports(10, now=dt.datetime(2030, 3, 15))


def test_reports_are_deterministic_for_a_seed() -> None:
    first = demo.generate_reports(800, seed=7)
    assert first.equals(demo.generate_reports(800, seed=7))
    assert not first.equals(demo.generate_reports(800, seed=8))
    assert demo.generate_reports(800).equals(demo.generate_reports(800, now=demo.DEFAULT_NOW))


def test_feelings_match_the_categories(reports: pd.DataFrame) -> None:
    assert set(reports["category"]) <= set(CATEGORY_BY_CODE)
    expected = reports["category"].map({code: str(c.feeling) for code, c in CATEGORY_BY_CODE.items()})
    assert (reports["feeling"] == expected).all()
    assert set(reports["feeling"]) == {"otrygg", "trygg"}
    assert 0.05 < (reports["feeling"] == "trygg").mean() < 0.35


def test_every_status_time_of_day_and_moderation_occurs(reports: pd.DataFrame) -> None:
    assert set(reports["status"]) == {str(s) for s in Status}
    assert set(reports["time_of_day"]) == {str(t) for t in TimeOfDay}
    assert set(reports["moderation"]) == {str(m) for m in Moderation}
    assert (reports["moderation"] == "published").mean() > 0.9
    assert set(reports["language"]) == {"sv", "ar", "en"}
    assert (reports["language"] == "sv").mean() > 0.75


def test_status_and_moderation_follow_age(reports: pd.DataFrame) -> None:
    age = pd.Timestamp(demo.DEFAULT_NOW) - reports["created_at"]
    recent = reports[age < pd.Timedelta(days=14)]
    old = reports[age > pd.Timedelta(days=365)]
    assert len(recent) > 10 and len(old) > 100
    assert recent["status"].isin(["ny", "bekraftad"]).mean() > 0.8
    closed = {str(s) for s in Status if not s.is_open}
    assert old["status"].isin(closed).mean() > 0.6
    pending = reports[reports["moderation"] == "pending"]
    assert len(pending) and (pending["created_at"] > pd.Timestamp(demo.DEFAULT_NOW) - pd.Timedelta(days=31)).all()
    assert (pending["status"] == "ny").all()


def test_seasonality_and_times_of_day() -> None:
    frame = demo.generate_reports(20_000)
    month = frame["created_at"].dt.tz_convert("Europe/Stockholm").dt.month
    lighting = frame["category"] == "dalig_belysning"
    assert lighting[month.isin([10, 11, 12, 1, 2])].mean() > 2 * lighting[month.isin([5, 6, 7, 8])].mean()
    unsafe = frame[frame["feeling"] == "otrygg"]
    assert unsafe["time_of_day"].isin(["kvall", "natt"]).mean() > 0.65
    lit = frame[lighting]
    assert (lit["time_of_day"] == "dag").mean() < 0.1


def test_texts_are_short_mostly_swedish_and_free_of_personal_data(reports: pd.DataFrame) -> None:
    texts = reports["text"]
    assert 0.3 < (texts == "").mean() < 0.5
    assert texts.str.len().max() <= 200
    assert not texts.str.contains(r"\d|@", regex=True).any()
    swedish = reports.loc[(reports["language"] == "sv") & (texts != ""), "text"]
    assert swedish.nunique() >= 30


def test_zero_reports_is_an_empty_frame() -> None:
    frame = demo.generate_reports(0)
    assert frame.empty and list(frame.columns) == COLUMNS


def test_a_million_reports_generate_in_seconds() -> None:
    demo.generate_reports(1_000)  # warm the transformers
    start = time.perf_counter()
    frame = demo.generate_reports(1_000_000)
    elapsed = time.perf_counter() - start
    assert len(frame) == 1_000_000
    assert elapsed < 15, f"generating 1,000,000 reports took {elapsed:.1f} s"


# -- meeting places and zones ---------------------------------------------------


def test_meeting_places() -> None:
    places = demo.demo_meeting_places()
    assert len(places) >= 12
    assert len({p.id for p in places}) == len(places)
    assert {p.id for p in places} == {p.id for p in demo.demo_meeting_places()}  # stable ids
    assert {MeetingPlaceKind.LIBRARY, MeetingPlaceKind.CHURCH, MeetingPlaceKind.YOUTH_CENTRE} <= {
        p.kind for p in places
    }
    assert len({p.kind for p in places}) >= 6
    boundary = demo.markaryd_boundary()
    for place in places:
        assert boundary.contains(shapely.Point(place.lon, place.lat)), place.name
        assert place.address and place.opening_hours and place.contact and place.description
        assert place.languages and "sv" in place.languages
        assert check_hours(place.opening_hours) is None, place.name  # OSM's opening_hours syntax
    assert any("ar" in p.languages for p in places)
    assert any(p.descriptions.get("ar") for p in places) and any(p.fee == "no" for p in places)


def test_zones_of_both_kinds_inside_the_boundary() -> None:
    zones = demo.demo_zones(TODAY)
    assert [z.id for z in zones] == [z.id for z in demo.demo_zones(TODAY)]  # stable ids
    assert len({z.id for z in zones}) == len(zones)
    boundary = demo.markaryd_boundary()
    by_kind = {kind: [z for z in zones if z.kind is kind] for kind in ZoneKind}
    assert len(by_kind[ZoneKind.PLATSSAMVERKAN]) >= 2
    assert len(by_kind[ZoneKind.MEDBORGARLOFTE]) >= 2
    for zone in zones:
        geometry = shapely.from_wkt(zone.geometry_wkt)
        assert geometry.geom_type == "Polygon" and geometry.is_valid, zone.name
        assert boundary.contains(geometry), zone.name
        minx, miny, maxx, maxy = _to_sweref(geometry).bounds
        assert 200 <= max(maxx - minx, maxy - miny) <= 2_000, zone.name  # a few hundred metres
        assert zone.description and zone.police_contact
    for zone in by_kind[ZoneKind.MEDBORGARLOFTE]:
        assert zone.promise_text.startswith("Polisen och Markaryds kommun lovar")
        assert zone.start_date is not None
        assert 8 <= _months_between(zone.start_date, TODAY) <= 14, zone.name
        assert zone.end_date is None or zone.end_date > zone.start_date


# -- seeding a store -------------------------------------------------------------


def test_seed_demo_counts_match_the_store(store: Store) -> None:
    counts = demo.seed_demo(store, reports=600)
    assert counts["reports"] == store.count_reports() == 600
    assert counts["categories"] == len(store.categories()) == len(DEFAULT_CATEGORIES)
    assert counts["meeting_places"] == len(store.meeting_places()) >= 12
    assert counts["zones"] == len(store.zones())
    assert len(store.zones(ZoneKind.PLATSSAMVERKAN)) >= 2
    assert len(store.zones(ZoneKind.MEDBORGARLOFTE)) >= 2
    boundary = store.boundary()
    assert boundary is not None and boundary[0] == "Markaryds kommun"
    assert boundary[1].equals(demo.markaryd_boundary())
    stored = store.reports_frame(columns=["lon", "lat", "category", "created_at", "status"])
    generated = demo.generate_reports(600, now=demo.demo_now())
    assert sorted(stored["created_at"]) == sorted(generated["created_at"])
    assert stored["status"].value_counts().sort_index().equals(generated["status"].value_counts().sort_index())
    assert shapely.contains_xy(boundary[1], stored["lon"].to_numpy(), stored["lat"].to_numpy()).all()


def test_issue_15_the_demo_ends_the_day_it_is_seeded(store: Store) -> None:
    # Pinned to 2026-11-01, the demo's last 90 days (Open311's default window, the nearby
    # reports on Rapportera) emptied out as time passed.
    demo.seed_demo(store, reports=600)
    today = pd.Timestamp.now(tz=demo.LOCAL_TZ).normalize()
    created = store.reports_frame(columns=["created_at"])["created_at"]
    assert created.max() < today and created.max() > today - pd.Timedelta(days=2)
    assert (created > today - pd.Timedelta(days=90)).sum() > 50
    zones = store.zones(ZoneKind.MEDBORGARLOFTE)
    assert all(z.start_date < today.date() for z in zones)


def test_the_same_seed_on_the_same_day_gives_the_same_demo(store: Store) -> None:
    day = demo.demo_now(dt.date(2027, 3, 15))
    assert day == dt.datetime(2027, 3, 14, 23, 0, tzinfo=dt.UTC)  # midnight in Stockholm (CET)
    demo.seed_demo(store, reports=200, now=day)
    first = store.reports_frame(columns=["lon", "lat", "category", "created_at"]).sort_values("created_at")
    demo.seed_demo(store, reports=200, now=day)
    again = store.reports_frame(columns=["lon", "lat", "category", "created_at"]).sort_values("created_at")
    assert first.reset_index(drop=True).equals(again.reset_index(drop=True))
    assert first["created_at"].max() < pd.Timestamp(day)


def test_seed_demo_replaces_or_adds(store: Store) -> None:
    demo.seed_demo(store, reports=100)
    again = demo.seed_demo(store, reports=50, seed=1, replace=False)
    assert again["meeting_places"] == 0 and again["zones"] == 0
    assert store.count_reports() == 150
    assert len(store.meeting_places()) == len(demo.demo_meeting_places())
    fresh = demo.seed_demo(store, reports=40)
    assert store.count_reports() == fresh["reports"] == 40
    assert len(store.zones()) == fresh["zones"]
    with pytest.raises(ValueError):
        demo.seed_demo(store, reports=10, now=dt.datetime(2026, 1, 1))
    assert store.count_reports() == 40  # nothing was cleared
