"""geo.statistics and Store.report_counts: every number equals a count made here from the
store's rows, on SQLite and PostGIS; the public never sees a count under 5, not even by
subtracting visible cells from a visible total (#18)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geo import statistics
from geo.analysis import rate_ratio
from geo.config import LOCAL_TIME_ZONE
from geo.i18n import translator
from geo.layers import ReportFilter
from geo.model import Role, Status
from geo.statistics import PUBLIC_MIN_COUNT, Period, compute, suppress
from geo.statsview import StatsText, category_section, chart, months_section
from geo.store import ReportQuery, Store
from tests.conftest import NOW, SQUARE_WKT

TODAY = NOW.date()
CATEGORIES = ("dalig_belysning", "trafik", "bra_belysning")
FEELING_OF = {"dalig_belysning": "otrygg", "trafik": "otrygg", "bra_belysning": "trygg"}


def many_reports(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """``n`` reports over the last 500 days, half of them in the test zone (SQUARE_WKT)."""
    rng = np.random.default_rng(seed)
    categories = rng.choice(CATEGORIES, n, p=[0.6, 0.3, 0.1])
    return pd.DataFrame(
        {
            "lon": rng.uniform(13.58, 13.64, n),
            "lat": rng.uniform(56.44, 56.48, n),
            "category": categories,
            "feeling": [FEELING_OF[c] for c in categories],
            "time_of_day": rng.choice(["dag", "kvall", "natt"], n, p=[0.5, 0.45, 0.05]),
            "status": rng.choice([s.value for s in Status], n),
            "moderation": rng.choice(["published", "pending", "rejected"], n, p=[0.8, 0.15, 0.05]),
            "created_at": [NOW - dt.timedelta(hours=int(h)) for h in rng.integers(0, 500 * 24, n)],
            "text": "",
            "source": "web",
        }
    )


@pytest.fixture
def stats_store(filled_store: Store) -> Store:
    filled_store.add_reports_frame(many_reports())
    return filled_store


def rows(store: Store, viewer: Role, period: Period, zone: shapely.Geometry | None = None) -> pd.DataFrame:
    """The reports ``viewer`` may count in ``period``, read row by row, filtered here."""
    frame = store.reports_frame(ReportQuery())
    visible = ("published", "pending") if viewer.is_staff else ("published",)
    day = frame["created_at"].dt.tz_convert(LOCAL_TIME_ZONE).dt.date
    chosen = frame["moderation"].isin(visible) & (day >= period.start) & (day <= period.end)
    if zone is not None:
        chosen &= shapely.intersects_xy(zone, frame["lon"].to_numpy(), frame["lat"].to_numpy())
    out = frame[chosen].copy()
    out["month"] = out["created_at"].dt.tz_convert(LOCAL_TIME_ZONE).dt.strftime("%Y-%m")
    return out


def independent_values(frame: pd.DataFrame, categories: tuple[str, ...], months: tuple[str, ...]) -> dict:
    values = {("total",): len(frame)}
    for c in categories:
        values[("category", c)] = int((frame["category"] == c).sum())
        for t in statistics.TIMES_OF_DAY:
            values[("cat_tod", c, t)] = int(((frame["category"] == c) & (frame["time_of_day"] == t)).sum())
    for t in statistics.TIMES_OF_DAY:
        values[("tod", t)] = int((frame["time_of_day"] == t).sum())
    for f in statistics.FEELINGS:
        values[("feeling", f)] = int((frame["feeling"] == f).sum())
    for s in statistics.STATUSES:
        values[("status", s)] = int((frame["status"] == s).sum())
    for m in months:
        values[("month", m)] = int((frame["month"] == m).sum())
        for f in statistics.FEELINGS:
            values[("month_feeling", m, f)] = int(((frame["month"] == m) & (frame["feeling"] == f)).sum())
    return values


@pytest.mark.parametrize("viewer", [Role.POLICE, Role.PUBLIC])
@pytest.mark.parametrize("in_zone", [False, True])
def test_issue_18_every_number_equals_an_independent_count(stats_store: Store, viewer: Role, in_zone: bool) -> None:
    zone = next(z for z in stats_store.zones() if z.name == "Centrum")
    flt = ReportFilter(zone_id=zone.id if in_zone else None, date_from=dt.date(2026, 3, 1), date_to=TODAY)
    result = compute(stats_store, flt, viewer=viewer, today=TODAY)
    frame = rows(stats_store, viewer, result.period, shapely.from_wkt(SQUARE_WKT) if in_zone else None)
    expected = independent_values(frame, result.categories, result.months)
    assert result.months[0] == "2026-03" and result.months[-1] == "2026-11"
    for key, value in expected.items():
        assert result.values[key] == value, key
        assert result.shown(*key) == (None if key in result.hidden else value)
    before = rows(stats_store, viewer, result.period.before(), shapely.from_wkt(SQUARE_WKT) if in_zone else None)
    assert result.values[("previous",)] == len(before)
    if viewer.is_staff:
        assert not result.hidden
        assert result.rate == rate_ratio(len(frame), len(before), result.period.days, result.period.days)
        closed = frame[frame["status"].isin(statistics.CLOSED_STATUSES)]
        days = ((closed["updated_at"] - closed["created_at"]).dt.total_seconds() // 86400).to_numpy()
        assert result.median_days_to_close == float(np.median(days))


def test_issue_18_area_counts_equal_independent_counts(stats_store: Store) -> None:
    flt = ReportFilter(date_from=dt.date(2025, 1, 1), date_to=TODAY)
    result = compute(stats_store, flt, viewer=Role.TEAM, today=TODAY)
    frame = rows(stats_store, Role.TEAM, result.period)
    zones = {z.id: shapely.from_wkt(z.geometry_wkt) for z in stats_store.zones()}
    for area in result.areas:
        if area.id in zones:
            shape = zones[area.id]
        else:
            place = next(p for p in stats_store.place_names() if f"ort:{p.name}" == area.id)
            shape = statistics.village_circle(place.lon, place.lat)
        inside = shapely.intersects_xy(shape, frame["lon"].to_numpy(), frame["lat"].to_numpy())
        assert result.values[("area", area.id)] == int(inside.sum()), area.name
    assert {a.name for a in result.areas} == {"Centrum", "Stationen", "Testby"}


def test_issue_18_area_counts_are_exact_at_the_cells_on_an_area_border(filled_store: Store) -> None:
    """Areas are counted by the H3 cells stored with the reports (on SQLite: cells wholly inside in SQL,
    border cells tested one by one): dense reports on and around the borders, an area's corners and its
    edges included, are counted exactly as shapely counts them, per category, time of day and month."""
    zone = shapely.from_wkt("POLYGON ((13.598 56.458, 13.604 56.459, 13.603 56.4625, 13.6 56.461, 13.598 56.458))")
    circle = statistics.village_circle(13.601, 56.46, 250.0)
    rng = np.random.default_rng(18)
    lon, lat = rng.uniform(13.593, 13.609, 4000), rng.uniform(56.455, 56.465, 4000)
    corners = np.array(zone.exterior.coords)[:-1]
    on_edges = [zone.exterior.interpolate(f, normalized=True) for f in np.linspace(0, 1, 40, endpoint=False)]
    lon = np.concatenate([lon, corners[:, 0], [p.x for p in on_edges]])
    lat = np.concatenate([lat, corners[:, 1], [p.y for p in on_edges]])
    frame = many_reports(lon.size, seed=18).assign(lon=lon, lat=lat)
    filled_store.add_reports_frame(frame)
    query = ReportQuery(moderation=("published",))
    keys = ("category", "time_of_day", "month")
    whole, (in_zone, in_circle) = filled_store.report_counts_with_areas(query, [zone, circle], keys)
    _, (by_category,) = filled_store.report_counts_with_areas(query, [zone], keys, area_by=("category",))
    assert list(by_category.columns) == ["category", "count"]
    assert (
        by_category.groupby("category")["count"].sum().to_dict() == in_zone.groupby("category")["count"].sum().to_dict()
    )
    made = filled_store.reports_frame(query)

    def counted(counts: pd.DataFrame) -> dict:
        local = counts.assign(month=statistics.local_months(counts["month"]))
        return local.groupby(list(keys))["count"].sum().to_dict()

    def expected(shape: shapely.Geometry | None) -> dict:
        chosen = made if shape is None else made[shapely.intersects_xy(shape, made["lon"], made["lat"])]
        local = chosen["created_at"].dt.tz_convert(LOCAL_TIME_ZONE).dt.strftime("%Y-%m")
        return chosen.assign(month=local).groupby(list(keys)).size().to_dict()

    assert counted(whole) == expected(None)
    assert counted(in_zone) == expected(zone) and sum(expected(zone).values()) > 100
    assert counted(in_circle) == expected(circle) and sum(expected(circle).values()) > 500


def test_issue_18_public_sees_no_count_under_five_and_no_revealing_difference(stats_store: Store) -> None:
    for start in (dt.date(2026, 10, 1), dt.date(2026, 6, 1), dt.date(2025, 6, 1)):
        result = compute(stats_store, ReportFilter(date_from=start, date_to=TODAY), viewer=Role.PUBLIC, today=TODAY)
        assert result.hidden, "a small period must hide something"
        for key in result.values:
            shown = result.shown(*key)
            assert shown is None or shown >= PUBLIC_MIN_COUNT, key
        # every identity the page publishes: a visible total minus visible parts never gives 1..4
        c, t = result.categories, statistics.TIMES_OF_DAY
        identities = [(("total",), [("category", x) for x in c]), (("total",), [("tod", x) for x in t])]
        identities += [(("category", x), [("cat_tod", x, y) for y in t]) for x in c]
        identities += [(("tod", y), [("cat_tod", x, y) for x in c]) for y in t]
        identities += [(("month", m), [("month_feeling", m, f) for f in statistics.FEELINGS]) for m in result.months]
        identities += [(("total",), [("month", m) for m in result.months])]
        for total, parts in identities:
            if result.shown(*total) is None:
                continue
            left = result.shown(*total) - sum(result.shown(*p) or 0 for p in parts)
            assert not 0 < left < PUBLIC_MIN_COUNT, (total, left)
            assert sum(1 for p in parts if p in result.hidden) != 1 or left >= PUBLIC_MIN_COUNT or left == 0
        assert all(h.count >= PUBLIC_MIN_COUNT for h in result.hotspots)
        if result.shown("previous") is None or result.total is None:
            assert result.rate is None


def test_issue_18_empty_period_is_empty_not_an_error(stats_store: Store) -> None:
    flt = ReportFilter(date_from=dt.date(2010, 1, 1), date_to=dt.date(2010, 2, 1))
    for viewer in (Role.PUBLIC, Role.TEAM):
        result = compute(stats_store, flt, viewer=viewer, today=TODAY)
        assert result.empty and result.hotspots == () and result.rate is None


def test_hotspots_are_named_by_the_nearest_place_and_ranked(stats_store: Store) -> None:
    result = compute(
        stats_store, ReportFilter(date_from=dt.date(2025, 1, 1), date_to=TODAY), viewer=Role.TEAM, today=TODAY
    )
    counts = [h.count for h in result.hotspots]
    assert counts == sorted(counts, reverse=True) and len(counts) == statistics.HOTSPOT_LIMIT
    places = statistics.known_places(stats_store)
    for spot in result.hotspots:
        assert spot.place == statistics.nearest_place(spot.lon, spot.lat, places)[0]


def test_report_counts_groups_in_sql_like_pandas(stats_store: Store) -> None:
    frame = stats_store.reports_frame(ReportQuery())
    got = stats_store.report_counts(ReportQuery(moderation=("published",)), ("category", "time_of_day"))
    expected = frame[frame["moderation"] == "published"].groupby(["category", "time_of_day"]).size()
    assert (
        dict(zip(zip(got["category"], got["time_of_day"], strict=True), got["count"], strict=True))
        == expected.to_dict()
    )
    hours = stats_store.report_counts(ReportQuery(), ("hour",))
    assert hours["count"].sum() == len(frame)
    assert set(hours["hour"]) == set(frame["created_at"].dt.strftime("%Y-%m-%d %H"))
    with pytest.raises(ValueError, match="by must name distinct keys"):
        stats_store.report_counts(ReportQuery(), ("lon",))


# --- the rule itself, on any table ------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict, list]:
    rows_n = draw(st.integers(1, 5))
    cols_n = draw(st.integers(1, 4))
    cells = {("cell", str(r), str(c)): draw(st.integers(0, 12)) for r in range(rows_n) for c in range(cols_n)}
    values = dict(cells)
    sums = []
    for r in range(rows_n):
        values[("row", str(r))] = sum(cells[("cell", str(r), str(c))] for c in range(cols_n))
        sums.append((("row", str(r)), [("cell", str(r), str(c)) for c in range(cols_n)]))
    for c in range(cols_n):
        values[("col", str(c))] = sum(cells[("cell", str(r), str(c))] for r in range(rows_n))
        sums.append((("col", str(c)), [("cell", str(r), str(c)) for r in range(rows_n)]))
    values[("total",)] = sum(cells.values())
    sums.append((("total",), [("row", str(r)) for r in range(rows_n)]))
    sums.append((("total",), [("col", str(c)) for c in range(cols_n)]))
    return values, sums


@given(tables())
def test_suppression_leaves_no_small_number_to_derive(table: tuple[dict, list]) -> None:
    values, sums = table
    hidden = suppress(values, sums)
    assert all(key in hidden for key, value in values.items() if value < PUBLIC_MIN_COUNT)
    for total, parts in sums:
        hidden_parts = [p for p in parts if p in hidden]
        if total not in hidden and hidden_parts:
            revealed = sum(values[p] for p in hidden_parts)
            assert revealed == 0 or revealed >= PUBLIC_MIN_COUNT
        if total in hidden and not hidden_parts:
            assert values[total] == 0


def test_suppression_hides_the_one_cell_a_total_would_give_away() -> None:
    values = {("t",): 23, ("a",): 3, ("b",): 12, ("c",): 8}
    assert suppress(values, [(("t",), [("a",), ("b",), ("c",)])]) == {("a",), ("c",)}
    assert suppress({("t",): 40, ("a",): 20, ("b",): 20}, [(("t",), [("a",), ("b",)])]) == frozenset()


def test_period_before_is_as_long_and_adjacent() -> None:
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert period.before() == Period(dt.date(2026, 1, 29), dt.date(2026, 2, 28))
    assert period.months() == ["2026-03"]
    assert dataclasses.replace(period, end=dt.date(2026, 5, 2)).months() == ["2026-03", "2026-04", "2026-05"]
    assert list(itertools.islice(Period(dt.date(2025, 12, 30), dt.date(2026, 1, 2)).months(), 3)) == [
        "2025-12",
        "2026-01",
    ]


def test_months_are_local_months_at_every_boundary(filled_store: Store) -> None:
    moments = [
        dt.datetime(2026, 1, 31, 22, 30, tzinfo=dt.UTC),  # 23:30 CET: January
        dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC),  # 00:30 CET: February
        dt.datetime(2026, 3, 31, 21, 30, tzinfo=dt.UTC),  # 23:30 CEST: March
        dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC),  # 00:30 CEST: April
        dt.datetime(2026, 10, 31, 22, 59, tzinfo=dt.UTC),  # 23:59 CET (winter time again): October
        dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC),  # 00:00 CET: November
    ]
    frame = many_reports(len(moments)).assign(created_at=moments, moderation="published")
    filled_store.add_reports_frame(frame)
    counts = filled_store.report_counts(ReportQuery(), ("month",))
    got = counts.assign(month=statistics.local_months(counts["month"])).groupby("month")["count"].sum().to_dict()
    made = filled_store.reports_frame(ReportQuery())["created_at"].dt.tz_convert(LOCAL_TIME_ZONE)
    assert got == made.dt.strftime("%Y-%m").value_counts().to_dict()
    assert {"2026-01", "2026-02", "2026-03", "2026-04", "2026-10", "2026-11"} <= set(got)


@pytest.mark.parametrize(
    ("lang", "one", "two"), [("sv", "(1 rapport)", "(2 rapporter)"), ("ar", "(بلاغ واحد)", "(بلاغان)")]
)
def test_a_summary_counts_one_report_in_the_singular(filled_store: Store, lang: str, one: str, two: str) -> None:
    day = dt.datetime(2015, 6, 10, 12, tzinfo=dt.UTC)
    for count, text in ((1, one), (2, two)):
        frame = many_reports(count).assign(category="trafik", feeling="otrygg", created_at=day)
        filled_store.add_reports_frame(frame)
        flt = ReportFilter(date_from=day.date(), date_to=day.date())
        result = compute(filled_store, flt, viewer=Role.TEAM, today=TODAY)
        words = StatsText(translator(lang), lang, filled_store.categories(include_inactive=True))
        assert text in category_section(result, words).summary
        day += dt.timedelta(days=30)


def test_a_month_whose_parts_are_hidden_draws_its_total_not_a_gap() -> None:
    """The month chart once left out a month whose otrygg and trygg were hidden while the table
    beside it gave the month's total: read as "no reports". Its total is drawn whole, in grey."""
    period = Period(dt.date(2026, 1, 1), dt.date(2026, 2, 28))
    values = {
        ("total",): 32,
        ("month", "2026-01"): 12,
        ("month_feeling", "2026-01", "otrygg"): 9,
        ("month_feeling", "2026-01", "trygg"): 3,
        ("month", "2026-02"): 20,
        ("month_feeling", "2026-02", "otrygg"): 12,
        ("month_feeling", "2026-02", "trygg"): 8,
    }
    hidden = frozenset({("month_feeling", "2026-01", "otrygg"), ("month_feeling", "2026-01", "trygg")})
    result = statistics.Statistics(
        Role.PUBLIC, ReportFilter(), period, period.before(), values, hidden, (), ("2026-01", "2026-02"), (), (), None
    )
    t = translator("sv")
    section = months_section(result, StatsText(t, "sv", []))
    bars = {(row["label"], row["series"]): row["value"] for row in section.data.to_dict("records")}
    both = t("stats.series_both")
    assert bars == {("januari 2026", both): 12, ("februari 2026", "Otrygg"): 12, ("februari 2026", "Trygg"): 8}
    assert "9" not in section.table.to_string() and "färre än 5" in section.table.to_string()
    drawn = chart(section, "sv")
    assert drawn is not None
    assert drawn[1]["encoding"]["color"]["scale"]["domain"] == ["Otrygg", "Trygg", both]


def test_the_month_chart_names_the_whole_total_only_where_a_month_has_one() -> None:
    period = Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    values = {("total",): 20, ("month", "2026-02"): 20}
    values |= {("month_feeling", "2026-02", "otrygg"): 12, ("month_feeling", "2026-02", "trygg"): 8}
    result = statistics.Statistics(
        Role.PUBLIC, ReportFilter(), period, period.before(), values, frozenset(), (), ("2026-02",), (), (), None
    )
    drawn = chart(months_section(result, StatsText(translator("sv"), "sv", [])), "sv")
    assert drawn is not None
    assert drawn[1]["encoding"]["color"]["scale"]["domain"] == ["Otrygg", "Trygg"], "no legend entry for nothing"
