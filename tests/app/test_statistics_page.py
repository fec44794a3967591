"""Statistik through AppTest on both backends: every number on the page equals a count made
here from the store's rows; the public never sees a count under 5 (#18)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import StaffSession, User
from geo.i18n import format_number, label, translate
from geo.model import Role
from geo.statistics import Period
from geo.statsview import TABS
from geo.store import Store, utcnow
from tests.unit.test_statistics import independent_values, many_reports, rows

ROOT = Path(__file__).resolve().parents[2]
PERIOD = Period(dt.date(2026, 3, 1), dt.date(2026, 10, 31))
MONTHS = tuple(PERIOD.months())
POLICE = User("polis.erik", Role.POLICE)


@pytest.fixture
def app_db(filled_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    filled_store.add_reports_frame(many_reports())
    monkeypatch.setenv("TRYGG_DATABASE_URL", str(filled_store.engine.url))
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    return filled_store


def statistics_page(user: User | None, **params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "stats.py"), default_timeout=90)
    if user is not None:
        at.session_state["staff_session"] = StaffSession(user, utcnow())
    at.query_params.update({"from": PERIOD.start.isoformat(), "to": PERIOD.end.isoformat(), **params})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def every_table(at: AppTest) -> list[pd.DataFrame]:
    """The tables of every tab, in order: only the open tab's are drawn, so each is opened in turn
    (as a click on it does) and the first is opened again."""
    found = []
    for key, _ in TABS:
        at.session_state["stats_tab"] = translate(f"stats.tab.{key}", "sv")
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        assert at.query_params.get("tab", TABS[0][0]) == key, "the open tab is in the page's address"
        found += [d.value for d in at.table]
    at.session_state["stats_tab"] = translate(f"stats.tab.{TABS[0][0]}", "sv")
    at.run()
    return found


def table(tables: list[pd.DataFrame], first_column: str) -> dict[str, list[str]]:
    frame = next(frame for frame in tables if frame.columns[0] == first_column)
    return {str(row[0]): [str(v) for v in row[1:]] for row in frame.itertuples(index=False)}


@pytest.mark.parametrize("user", [POLICE, None], ids=["police", "public"])
def test_issue_18_every_number_on_the_page_equals_an_independent_count(app_db: Store, user: User | None) -> None:
    viewer = user.role if user else Role.PUBLIC
    at = statistics_page(user)
    expected = independent_values(rows(app_db, viewer, PERIOD), ("dalig_belysning", "trafik", "bra_belysning"), MONTHS)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rapporter"] == format_number(expected[("total",)], "sv")

    def check(shown: str, value: int) -> None:
        if viewer.is_staff:
            assert shown == format_number(value, "sv")
        else:  # the public: the number itself, or "färre än 5" for every count under 5
            assert shown == ("färre än 5" if value < 5 else format_number(value, "sv")) or shown == "färre än 5"

    tables = every_table(at)
    assert len(tables) >= 7, "every section's table, in one tab or another (hot spots may have none)"
    by_time = table(tables, "Tid på dygnet")
    for tod in ("dag", "kvall", "natt"):
        check(by_time[label("time_of_day", tod, "sv")][0], expected[("tod", tod)])
    by_category = table(tables, "Kategori")  # the first such table: per category
    assert any(name.endswith("Trafik") for name in by_category)
    for name, cells in by_category.items():
        code = {"Dålig belysning": "dalig_belysning", "Trafik": "trafik", "Bra belysning": "bra_belysning"}.get(
            name.split(" ", 1)[-1]
        )
        if code:
            check(cells[0], expected[("category", code)])
    months = table(tables, "Månad")
    assert len(months) == len(MONTHS)
    for (name, cells), month in zip(months.items(), MONTHS, strict=True):
        assert name.lower().startswith(("mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober"))
        check(cells[-1], expected[("month", month)])
    if not viewer.is_staff:
        for frame in tables:
            for value in frame.to_numpy().ravel():
                text = str(value).replace("\u00a0", "")
                assert not (text.isdigit() and 0 < int(text) < 5 and frame.columns[0] != "#"), (frame.columns, text)
    downloads = [b.label for b in at.get("download_button")]
    assert ("Ladda ner lägesbild (PDF)" in downloads) == viewer.is_staff


def test_issue_18_filters_come_from_the_url_and_an_empty_period_says_so(app_db: Store) -> None:
    at = statistics_page(POLICE, tod="natt", feeling="otrygg")
    assert at.multiselect(key="stats_tod").value == ["natt"]
    expected = rows(app_db, Role.POLICE, PERIOD)
    night = expected[(expected["time_of_day"] == "natt") & (expected["feeling"] == "otrygg")]
    assert {m.label: m.value for m in at.metric}["Rapporter"] == format_number(len(night), "sv")
    empty = statistics_page(None, **{"from": "2010-01-01", "to": "2010-01-31"})
    assert any("Inga rapporter" in i.value for i in empty.info)


def test_issue_18_the_open_tab_comes_from_the_link_and_stays_through_a_language_change(app_db: Store) -> None:
    """Only the open tab's charts are drawn (a filter change draws two or three again, not eight);
    a link with ``tab=where`` opens on the areas and hot spots, and switching to Arabic keeps it."""
    at = statistics_page(None, tab="where")
    assert [h.value for h in at.subheader][:2] == ["Per område", "Platser med flest otrygga rapporter"]
    assert "Rapporter per månad" not in [h.value for h in at.subheader], "a closed tab's charts are not drawn"
    at.query_params["lang"] = "ar"
    at.session_state["lang"] = "ar"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert next(h.value for h in at.subheader) == translate("stats.by_area", "ar")
    assert at.query_params["tab"] == "where"
