"""Migrations (Alembic, geo/store/migrations) on both backends: first start, upgrade, refusal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from geo import auth
from geo.cli import main
from geo.store import Store, StoreError, make_engine
from geo.store.schema import APP_TABLES, alembic_config, head_revision, schema_state, upgrade
from geo.store.tables import metadata
from tests.conftest import small_categories, small_reports
from tests.postgis import EMPTY_TEMPLATE, PostgisServer

SPATIAL = {"reports": "POINT", "meeting_places": "POINT", "zones": "GEOMETRY", "boundaries": "GEOMETRY"}


@pytest.fixture(params=["sqlite", "postgis"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or a PostGIS database as an IT department hands it over."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    server: PostgisServer = request.getfixturevalue("postgis_server")
    return server.create_database(EMPTY_TEMPLATE)


def at_revision(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    engine.dispose()


def add_old_categories(engine: sa.Engine) -> None:
    """The three small categories, written as an older version of the app did; disposes ``engine``."""
    with engine.begin() as conn:
        conn.execute(metadata.tables["categories"].insert(), [
            {"code": c.code, "feeling": str(c.feeling), "labels": c.labels, "help": {}, "icon": "", "sort_order": 0,
             "active": True} for c in small_categories()
        ])  # fmt: skip
    engine.dispose()


def test_first_start_creates_the_schema_at_the_head(empty_url: str) -> None:
    store = Store.open(empty_url)
    assert schema_state(store.engine).state == "current"
    assert schema_state(store.engine).revision == head_revision()
    inspector = sa.inspect(store.engine)
    if store.spatial_sql:
        for table, kind in SPATIAL.items():
            with store.engine.connect() as conn:
                found = conn.execute(
                    sa.text(
                        "SELECT type, srid FROM geometry_columns WHERE f_table_name = :t AND f_geometry_column = 'geom'"
                    ),
                    {"t": table},
                ).one()
            assert tuple(found) == (kind, 4326)
            gist = [i for i in inspector.get_indexes(table) if i["name"] == f"ix_{table}_geom"]
            assert gist and gist[0]["dialect_options"].get("postgresql_using") == "gist"
    else:
        assert "geom" not in {c["name"] for c in inspector.get_columns("reports")}
    store.close()


def test_the_migrations_make_exactly_the_tables_the_code_uses(empty_url: str) -> None:
    """Revision 0001 froze the foundation's schema: it must still equal geo.store's metadata
    (on PostGIS, apart from the geometry columns revision 0002 adds and PostGIS's own tables)."""
    store = Store.open(empty_url)
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    store.close()

    def ours(diff: tuple) -> bool:
        text = repr(diff)
        return not any(name in text for name in ("'geom'", "_geom", "spatial_ref_sys", "alembic_version"))

    assert [d for d in differences if ours(d)] == []


def test_an_older_revision_is_refused_until_db_upgrade_and_keeps_its_data(
    empty_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    at_revision(empty_url, "0001")
    engine = make_engine(empty_url)
    add_old_categories(engine)  # rows written by the older version
    with pytest.raises(StoreError) as refused:
        Store.open(empty_url)
    assert refused.value.reason == "outdated_schema"
    assert refused.value.message_key == "db.outdated_schema"
    assert main(["--database", empty_url, "db", "current"]) == 0
    assert "outdated, revision 0001" in capsys.readouterr().out
    assert main(["--database", empty_url, "db", "upgrade"]) == 0
    assert f"from revision 0001 to {head_revision()}" in capsys.readouterr().out
    store = Store.open(empty_url)
    assert len(store.categories()) == 3
    store.add_reports_frame(small_reports())
    assert store.count_reports() == 6
    assert main(["--database", empty_url, "db", "upgrade"]) == 0
    assert "is up to date" in capsys.readouterr().out
    store.close()


def test_a_database_from_before_migrations_is_adopted_by_db_upgrade(tmp_path: Path) -> None:
    """The foundation made its schema with ``create_all`` (users without sso_email and meeting
    places without their structured fields came later: left to the migrations to make)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    later = ("users", "meeting_places")
    old = [t for t in metadata.sorted_tables if t.name in APP_TABLES and t.name not in later]  # 0001's, as then
    metadata.create_all(engine, tables=old)
    add_old_categories(engine)
    with pytest.raises(StoreError) as refused:
        Store.open(url)
    assert refused.value.reason == "outdated_schema"
    assert upgrade(make_engine(url)).state == "outdated"
    store = Store.open(url)
    assert len(store.categories()) == 3
    store.add_reports_frame(small_reports())
    assert auth.add_user(store, "admin", "ett långt lösenord", "admin").username == "admin"
    store.close()


def test_a_newer_schema_is_refused(empty_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    Store.open(empty_url).close()
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(StoreError) as refused:
        Store.open(empty_url)
    assert refused.value.reason == "newer_schema"
    assert main(["--database", empty_url, "db", "upgrade"]) == 1
    assert "newer than this code's" in capsys.readouterr().err


def test_two_processes_starting_on_an_empty_database_create_it_once(empty_url: str) -> None:
    """The migration runs under a lock; the second starter finds the schema current."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        states = list(pool.map(lambda _: upgrade(make_engine(empty_url)).state, range(4)))
    assert sorted(states) == ["current", "current", "current", "empty"]
    assert pd.notna(schema_state(make_engine(empty_url)).revision)
