"""Nothing lost under concurrent writers, and multi-row changes all or nothing, on both backends.

The ``store`` fixture runs each test on a SQLite file and on a real PostgreSQL + PostGIS
database (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from geo.auth import User
from geo.io import ImportSource, import_layer
from geo.model import Moderation, Role
from geo.moderation import moderate
from geo.reporting import ReportDraft, submit
from geo.store import Store, StoreError, codes, tables
from geo.store.tables import reports
from tests.conftest import NO_SMTP_SERVER, small_categories, small_reports
from tests.postgis import PostgisServer

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 8
PER_PROCESS = 200


def snapshot(store: Store) -> tuple:
    """Every report row, every contact and event, and the data version."""
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.select(reports).order_by(reports.c.id))]
        contacts = [tuple(r) for r in conn.execute(sa.select(tables.report_contacts).order_by("report_id"))]
        events = [tuple(r) for r in conn.execute(sa.select(tables.report_events).order_by("id"))]
    return rows, contacts, events, store.data_version()


def test_concurrent_residents_lose_nothing(store: Store, tmp_path: Path) -> None:
    """8 processes submit 200 reports each at the same moment through the app's code path."""
    store.upsert_categories(small_categories())
    url = store.engine.url.render_as_string(hide_password=False)
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.submit_worker", url, str(PER_PROCESS), str(go)],
            cwd=ROOT,
            env={**os.environ, "TRYGG_SMTP_URL": NO_SMTP_SERVER},  # addresses kept, confirmations queued
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:  # each has opened its store
        assert worker.stdout.readline().strip() == "ready", worker.stderr.read()
    version = store.data_version()
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    errors = [e for r in results for e in r["errors"]]
    codes = [c for r in results for c in r["codes"]]
    assert errors == []
    assert len(codes) == PROCESSES * PER_PROCESS == 1_600
    assert len(set(codes)) == 1_600
    frame = store.reports_frame(columns=["ref_code", "moderation"])
    assert len(frame) == 1_600 and set(frame["ref_code"]) == set(codes)
    assert (frame["moderation"] == Moderation.PENDING.value).all()
    with store.engine.connect() as conn:
        contacts = conn.execute(sa.select(sa.func.count()).select_from(tables.report_contacts)).scalar()
    assert contacts == PROCESSES * PER_PROCESS // 4
    assert store.outbox_counts()["pending"] == contacts  # each confirmation written with its report
    assert store.data_version() == version + 1_600  # every write moved the cache key on; none lost
    overlap = min(r["ended"] for r in results) - max(r["began"] for r in results)
    assert overlap > 0  # all eight were writing at the same time
    elapsed = max(r["ended"] for r in results) - min(r["began"] for r in results)
    print(f"\n{store.engine.dialect.name}: 1,600 submissions from 8 processes at once in {elapsed:.1f} s")


def test_a_taken_reference_code_is_drawn_again_in_a_new_transaction(store: Store, monkeypatch) -> None:
    """On PostgreSQL a broken UNIQUE aborts the transaction: the retry must start a fresh one."""
    store.upsert_categories(small_categories())
    row = {**small_reports().iloc[0].to_dict()}
    _, first = store.add_report(dict(row))
    drawn = iter([first, first, "ZZZZ2345"])
    monkeypatch.setattr(codes, "new_ref_code", lambda: next(drawn))
    _, second = store.add_report(dict(row), email="boende@example.org")
    assert second == "ZZZZ2345"
    assert store.count_reports() == 2


def fail_writes_to_reports(store: Store, event: str, condition: str) -> None:
    """A real database failure (a trigger raising) on every ``event`` (INSERT or UPDATE)
    of a ``reports`` row meeting ``condition`` (SQL on ``NEW``)."""
    if store.engine.dialect.name == "sqlite":
        statements = [
            f"CREATE TRIGGER fail_here BEFORE {event} ON reports WHEN {condition} "
            "BEGIN SELECT RAISE(ABORT, 'the disk gave up'); END"
        ]
    else:
        statements = [
            "CREATE OR REPLACE FUNCTION fail_here() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF {condition} THEN RAISE EXCEPTION 'the disk gave up'; END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER fail_here BEFORE {event} ON reports FOR EACH ROW EXECUTE FUNCTION fail_here()",
        ]
    with store.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def stop_failing(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS fail_here" + (" ON reports" if store.spatial_sql else ""))


@pytest.mark.parametrize("already_filled", [False, True], ids=["empty", "filled"])
def test_an_import_failing_half_way_leaves_the_database_unchanged(store: Store, already_filled: bool) -> None:
    store.upsert_categories(small_categories())
    if already_filled:
        store.add_reports_frame(small_reports())
    fail_writes_to_reports(store, "INSERT", "NEW.text = 'boom'")
    lines = ["lon;lat;category;feeling;time_of_day;text;created_at"]
    lines += [f"13,6;56,46;trafik;otrygg;dag;rad {i};2026-10-01T12:00:00+00:00" for i in range(20_000)]
    lines[15_001] = "13,6;56,46;trafik;otrygg;dag;boom;2026-10-01T12:00:00+00:00"
    source = ImportSource("rapporter.csv", "\n".join(lines).encode())
    before = snapshot(store)
    with pytest.raises(StoreError):
        import_layer(store, Role.ADMIN, source, "reports")
    assert snapshot(store) == before
    stop_failing(store)
    assert import_layer(store, Role.ADMIN, source, "reports").count == 20_000  # the store still works


def test_bulk_moderation_failing_half_way_changes_nothing(filled_store: Store) -> None:
    """The database fails on the fourth report of the batch: none of them changes."""
    frame = filled_store.reports_frame(columns=["id", "moderation"])
    pending = sorted(frame.loc[frame["moderation"] != Moderation.REJECTED.value, "id"])  # all 5 would change
    fail_writes_to_reports(filled_store, "UPDATE", f"NEW.id = '{pending[3]}'")
    before = snapshot(filled_store)
    with pytest.raises(StoreError):
        moderate(filled_store, pending, Moderation.REJECTED, User("moderator", Role.TEAM), reason="dubblett")
    assert snapshot(filled_store) == before
    stop_failing(filled_store)
    assert moderate(filled_store, pending, Moderation.REJECTED, User("moderator", Role.TEAM), reason="dubblett") == 5


def test_bulk_insert_with_a_bad_row_in_the_middle_changes_nothing(filled_store: Store) -> None:
    frame = pd.concat([small_reports()] * 50, ignore_index=True)
    frame.loc[170, "category"] = "no_such_category"
    before = snapshot(filled_store)
    with pytest.raises(StoreError) as caught:
        filled_store.add_reports_frame(frame, chunk_size=40)
    assert isinstance(caught.value.__cause__, sa.exc.IntegrityError)
    assert snapshot(filled_store) == before


def test_a_restarted_postgresql_does_not_fail_the_next_resident(
    postgis_server: PostgisServer, postgis_url: str
) -> None:
    """The server restarts (a nightly update): every pooled connection is dead, yet the
    next report goes through and nothing stored before is lost."""
    store = Store.open(postgis_url)

    def draft(text: str) -> ReportDraft:
        return ReportDraft(13.6, 56.46, feeling="otrygg", category="dalig_belysning", time_of_day="kvall", text=text)

    try:
        store.upsert_categories(small_categories())
        first = submit(store, draft("Mörkt före omstarten")).ref_code
        postgis_server.restart()
        second = submit(store, draft("Mörkt efter omstarten")).ref_code
        assert set(store.reports_frame(columns=["ref_code"])["ref_code"]) == {first, second}
    finally:
        store.close()
