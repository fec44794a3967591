"""The explore page draws H3 cells at low zoom and single reports at high zoom (AppTest, real SQLite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import load_settings
from geo.i18n import translate
from geo.layers import ReportFilter, count_reports, reports_layer
from geo.model import Role
from geo.startup import POINTS, app_store, warm_up
from geo.store import Store
from tests.app.conftest import app_on_demo

ROOT = Path(__file__).resolve().parents[2]
HINT = translate("hex.zoom_hint", "sv")


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return app_on_demo(tmp_path / "demo.db", monkeypatch, reports=1500)


def run_app(**query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.run()  # a browser's st_folium reports its view once drawn: the rerun brings the table toggle
    assert not at.exception, [e.message for e in at.exception]
    return at


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_low_zoom_shows_cells_high_zoom_shows_reports(demo_db: str) -> None:
    low = run_app(z="10")
    assert HINT in captions(low)
    high = run_app(z="17", lat="56.462", lon="13.598")
    assert HINT not in captions(high)


def test_table_counts_every_report_but_lists_the_newest_thousand(demo_db: str) -> None:
    store = Store.open(demo_db)
    expected = count_reports(store, ReportFilter(), viewer=Role.PUBLIC)
    newest = reports_layer(store, ReportFilter(), viewer=Role.PUBLIC).head(1000)
    store.close()
    assert expected > 1000
    at = run_app()
    assert translate("explore.table_title", "sv", n=expected) in [h.value for h in at.subheader]
    at.toggle(key="explore_show_table").set_value(True).run()
    shown = at.dataframe[0].value
    assert len(shown) == 1000
    assert list(shown.iloc[:, 0]) == list(newest["ref_code"])


def test_the_first_view_after_the_start_up_warm_up_reads_no_report_again(demo_db: str) -> None:
    settings = load_settings()
    warm_up(settings)  # what `streamlit run serve.py` does in the background when it starts
    store = app_store(settings)
    warmed = POINTS.peek(store, ReportFilter(), viewer=Role.PUBLIC)
    assert warmed is not None and len(warmed) == count_reports(store, ReportFilter(), viewer=Role.PUBLIC)
    at = run_app()
    assert HINT in captions(at), "the default view draws cells from the located reports"
    assert POINTS.peek(store, ReportFilter(), viewer=Role.PUBLIC) is warmed, "not located again"
    safe = ReportFilter(feelings=("trygg",))
    assert POINTS.peek(store, safe, viewer=Role.PUBLIC) is None
    run_app(feeling="trygg")
    assert POINTS.peek(store, safe, viewer=Role.PUBLIC) is not None, "a view not warmed is located on demand"
