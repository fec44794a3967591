"""The app itself on PostGIS: the explore page and the report flow with ``TRYGG_DATABASE_URL``
pointing at the test server's PostgreSQL + PostGIS, and the page an outdated schema shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from streamlit.testing.v1 import AppTest

from geo.demo import seed_demo
from geo.store import Store
from geo.store.schema import UPGRADE_COMMAND, alembic_config
from tests.app.test_explore_page import run_app, table_rows
from tests.app.test_report_page import fill, press, report_page
from tests.postgis import EMPTY_TEMPLATE, PostgisServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgis_app(postgis_server: PostgisServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A fresh PostGIS database with the demo (500 reports), and the app pointed at it."""
    url = postgis_server.create_database()
    store = Store.open(url)
    seed_demo(store, reports=500)
    monkeypatch.setenv("TRYGG_DATABASE_URL", url)
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    yield store
    store.close()


def test_explore_page_with_zone_filter_on_postgis(postgis_app: Store) -> None:
    at = run_app()
    assert at.title[0].value == "Trygghetskartan"
    everything = table_rows(at)
    assert everything > 400
    zone = postgis_app.zones()[0]
    at.selectbox(key="explore_zone").set_value(zone.id).run()
    assert not at.exception
    assert 0 < table_rows(at) < everything


def test_report_flow_stores_the_report_in_postgis(postgis_app: Store) -> None:
    before = postgis_app.count_reports()
    at = fill(report_page())
    press(at, "Förhandsgranska")
    press(at, "Skicka rapporten")
    code = at.session_state["report_done"]["ref_code"]
    assert postgis_app.count_reports() == before + 1
    row = postgis_app.report_by_ref(code)
    assert row is not None and row["moderation"] == "pending"
    with postgis_app.engine.connect() as conn:  # the PostGIS point follows lon/lat by itself
        x, y, srid = conn.execute(
            sa.text("SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM reports WHERE ref_code = :code"),
            {"code": code},
        ).one()
    assert (x, y, srid) == (row["lon"], row["lat"], 4326)


def test_an_outdated_schema_stops_the_app_with_the_command_to_run(
    postgis_server: PostgisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgis_server.create_database(EMPTY_TEMPLATE)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # a database left at the first revision by an older version
        command.upgrade(alembic_config(conn), "0001")
    engine.dispose()
    monkeypatch.setenv("TRYGG_DATABASE_URL", url)
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any(UPGRADE_COMMAND in m and "older than this version" in m for m in messages), messages
