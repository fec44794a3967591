"""Retention (#17, data protection over time): on SQLite and on the real PostGIS server, the
job removes exactly what the settings say, in one transaction (nothing when it fails midway),
once among several processes; a resident withdraws their own report by its code; the record
of processing stays in step with the settings."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo import audit, processing_record, retention
from geo.auth import SESSION_IDLE_LIMIT, User
from geo.cli import main
from geo.config import Retention, load_retention, load_settings
from geo.layers import ReportFilter, reports_layer
from geo.model import Role
from geo.public import public_reports
from geo.reporting import FORM_SESSION_LIMIT, take_withdrawal_slot, withdraw
from geo.store import Store, StoreError
from tests.conftest import small_categories

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]
ADMIN = User("admin", Role.ADMIN)
POLICY = Retention(text_days=90, report_days=1095, old_reports="aggregate")


def _report(store: Store, *, made_days: int, changed_days: int | None = None, **values: object) -> tuple[str, str]:
    """One report made ``made_days`` before NOW and last changed ``changed_days`` before it."""
    made = NOW - dt.timedelta(days=made_days)
    row: dict[str, object] = {
        "lon": 13.6,
        "lat": 56.46,
        "category": "dalig_belysning",
        "feeling": "otrygg",
        "time_of_day": "kvall",
        "text": "Mörkt vid tunneln",
        "language": "sv",
        "created_at": made,
        "updated_at": NOW - dt.timedelta(days=changed_days if changed_days is not None else made_days),
        "status": "ny",
        "moderation": "published",
        "source": "web",
    }
    row |= values
    email = str(row.pop("email")) if "email" in row else None
    return store.add_report(row, email=email)


@pytest.fixture
def kinds(store: Store) -> dict[str, str]:
    """One report of every kind retention tells apart: name → id."""
    store.upsert_categories(small_categories())
    made: dict[str, str] = {}
    reason = "personal_data: nämnde Anna Svensson"
    made["closed_long_ago"], _ = _report(
        store, made_days=200, changed_days=91, status="stangd", moderation="rejected",
        moderation_reason=reason, email="anna@example.se",
    )  # fmt: skip
    made["closed_recently"], _ = _report(store, made_days=200, changed_days=89, status="atgardad", email="b@example.se")
    made["open_long_ago"], _ = _report(store, made_days=400, changed_days=400, email="c@example.se")
    made["old_published"], _ = _report(store, made_days=1096, status="atgardad", time_of_day="natt")
    made["old_published_2"], _ = _report(store, made_days=1100, status="ny", time_of_day="natt")
    made["old_pending"], _ = _report(store, made_days=1200, moderation="pending")
    made["not_old_yet"], _ = _report(store, made_days=1094, status="stangd", changed_days=10)
    made["demo"], _ = _report(store, made_days=1500, status="stangd", source="demo")
    with store.case_changes() as cases:
        cases.record(
            made["closed_long_ago"], at=NOW - dt.timedelta(days=91), actor="mod", field="moderation",
            before="pending", after="rejected", comment=reason,
        )  # fmt: skip
        cases.record(
            made["closed_recently"], at=NOW - dt.timedelta(days=89), actor="mod", field="moderation",
            before="pending", after="published", comment="ok, Bo ringde",
        )  # fmt: skip
    return made


def _row(store: Store, report_id: str) -> dict[str, object] | None:
    frame = store.reports_frame(columns=["id", "text", "moderation_reason", "status"])
    found = frame[frame["id"] == report_id]
    return None if found.empty else found.iloc[0].to_dict()


def test_issue_17_retention_removes_exactly_what_it_should(store: Store, kinds: dict[str, str]) -> None:
    removed = retention.apply(store, POLICY, now=NOW)

    assert (removed.texts, removed.contacts, removed.notes) == (1, 1, 1)
    assert (removed.reports, removed.archived) == (3, 2)
    gone = _row(store, kinds["closed_long_ago"])
    assert gone is not None
    assert gone["text"] == "" and gone["moderation_reason"] == "personal_data"  # the kind stays for the resident
    assert store.report_contact(kinds["closed_long_ago"]) is None
    assert [e["comment"] for e in store.report_events(kinds["closed_long_ago"])] == [""]
    # a case closed 89 days ago, an open one and the demo keep everything
    assert _row(store, kinds["closed_recently"])["text"] == "Mörkt vid tunneln"  # type: ignore[index]
    assert store.report_contact(kinds["closed_recently"]) == "b@example.se"
    assert [e["comment"] for e in store.report_events(kinds["closed_recently"])] == ["ok, Bo ringde"]
    assert store.report_contact(kinds["open_long_ago"]) == "c@example.se"
    assert _row(store, kinds["demo"])["text"] == "Mörkt vid tunneln"  # type: ignore[index]
    for name in ("old_published", "old_published_2", "old_pending"):
        assert _row(store, kinds[name]) is None
    assert _row(store, kinds["not_old_yet"]) is not None
    archive = store.archived_counts()
    assert archive["reports"].sum() == 2  # the published ones; the pending one was never a public report
    assert set(archive["time_of_day"]) == {"natt"}
    assert store.count_reports() == 5
    (logged,) = audit.entries(store, ADMIN, action="retention")
    assert (logged.actor, logged.action) == ("system", "retention.run")
    assert logged.detail["reports"] == "3" and logged.detail["texts"] == "1"
    assert "Anna" not in str(logged) and "Mörkt" not in str(logged)  # counts, never content


def test_issue_17_retention_is_idempotent_and_the_archive_adds_up(store: Store, kinds: dict[str, str]) -> None:
    retention.apply(store, POLICY, now=NOW)
    again = retention.apply(store, POLICY, now=NOW)
    assert again == retention.Removed()
    assert store.archived_counts()["reports"].sum() == 2
    _report(store, made_days=1100, time_of_day="natt")  # one more of the same kind and month as one archived
    retention.apply(store, POLICY, now=NOW)
    assert store.archived_counts()["reports"].sum() == 3


def test_issue_17_retention_in_delete_mode_keeps_no_counts(store: Store, kinds: dict[str, str]) -> None:
    removed = retention.apply(store, Retention(90, 1095, "delete"), now=NOW)
    assert (removed.reports, removed.archived) == (3, 0)
    assert store.archived_counts().empty


def test_issue_17_a_failure_midway_removes_nothing(store: Store, kinds: dict[str, str]) -> None:
    """Old reports are counted and deleted first, then texts cleared: a refusal of that update
    (a trigger of the real database) rolls the whole run back, deletions and counts included."""
    before = store.reports_frame().sort_values("id").reset_index(drop=True)
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE UPDATE ON reports BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$"
                " LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE DELETE ON reports FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
    with pytest.raises((StoreError, sa.exc.DBAPIError)):
        retention.apply(store, POLICY, now=NOW)
    after = store.reports_frame().sort_values("id").reset_index(drop=True)
    assert after.equals(before)
    assert store.report_contact(kinds["closed_long_ago"]) == "anna@example.se"
    assert store.archived_counts().empty
    assert audit.entries(store, ADMIN, action="retention") == []  # the audit row went with the run


def test_issue_17_stale_staff_sessions_and_rate_rows_go_too(store: Store) -> None:
    from geo.auth import add_user

    add_user(store, "mod.anna", "ett långt lösenord", "team")
    store.insert_session("old", "h1", "mod.anna", NOW - SESSION_IDLE_LIMIT - dt.timedelta(minutes=1))
    store.insert_session("fresh", "h2", "mod.anna", NOW - dt.timedelta(minutes=1))
    store.take_rate_slot({"session:a": 5}, window=dt.timedelta(minutes=10), now=NOW - dt.timedelta(hours=1))
    removed = retention.apply(store, POLICY, now=NOW)
    assert (removed.sessions, removed.rate_events) == (1, 1)
    assert store.session_by_id("old") is None and store.session_by_id("fresh") is not None


def test_issue_17_one_process_at_a_time_and_once_a_day(database_url: str) -> None:
    """Four processes' stores ask at once: one claims; the others get nothing until it is due again."""
    stores = [Store.open(database_url) for _ in range(4)]
    stores[0].upsert_categories(small_categories())
    barrier = threading.Barrier(len(stores))
    results: list[retention.Removed | None] = [None] * len(stores)

    def ask(index: int) -> None:
        barrier.wait()
        results[index] = retention.run_if_due(stores[index], POLICY, holder=f"p{index}", now=NOW)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result is not None for result in results) == 1
    store = stores[0]
    assert retention.run_if_due(store, POLICY, holder="p9", now=NOW + dt.timedelta(hours=23)) is None
    assert retention.run_if_due(store, POLICY, holder="p9", now=NOW + dt.timedelta(days=1, minutes=1)) is not None
    state = store.job_state(retention.JOB)
    assert state is not None and state["holder"] is None and "reports=0" in str(state["last_result"])
    # held by a live process, the job is not claimed even when due; a dead holder's lease runs out
    assert store.claim_job(
        retention.JOB, "p1", now=NOW + dt.timedelta(days=3), lease=retention.LEASE, due=dt.timedelta(0)
    )
    assert not store.claim_job(
        retention.JOB, "p2", now=NOW + dt.timedelta(days=3, minutes=5), lease=retention.LEASE, due=dt.timedelta(0)
    )
    assert store.claim_job(
        retention.JOB, "p2", now=NOW + dt.timedelta(days=3, hours=2), lease=retention.LEASE, due=dt.timedelta(0)
    )
    for each in stores:
        each.close()


def test_issue_17_a_resident_withdraws_their_report_by_its_code(store: Store) -> None:
    store.upsert_categories(small_categories())
    _report(store, made_days=3)
    report_id, code = _report(store, made_days=2, email="x@example.se")
    shown = public_reports(reports_layer(store, ReportFilter(), viewer=Role.PUBLIC))
    assert len(shown) == 2
    version = store.data_version()

    assert withdraw(store, f" {code[:4].lower()}-{code[4:]} ")  # as a resident types it
    assert store.report_by_ref(code) is None
    assert store.report_contact(report_id) is None
    assert store.data_version() > version  # every cached map and layer is read again
    assert len(public_reports(reports_layer(store, ReportFilter(), viewer=Role.PUBLIC))) == 1
    (logged,) = audit.entries(store, ADMIN, action="report.withdraw")
    assert (logged.actor, logged.target, logged.detail) == ("resident", "report", {"reports": "1"})
    assert code not in str(logged)  # which report it was is not kept
    assert not withdraw(store, code)  # gone: a second try finds nothing
    assert not withdraw(store, "not a code")
    assert store.report_by_ref(store.reports_frame()["ref_code"].iloc[0]) is not None


def test_issue_17_withdrawal_tries_are_rate_limited_across_processes(database_url: str) -> None:
    one, other = Store.open(database_url), Store.open(database_url)
    for _ in range(FORM_SESSION_LIMIT):
        assert take_withdrawal_slot(one, session_id="s1", now=NOW) == 0
    assert take_withdrawal_slot(other, session_id="s1", now=NOW) > 0
    assert take_withdrawal_slot(other, session_id="s2", now=NOW) == 0
    assert take_withdrawal_slot(other, session_id="s1", now=NOW + dt.timedelta(minutes=11)) == 0
    one.close()
    other.close()


def test_issue_17_the_command_applies_retention_and_prints_counts(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRYGG_RETENTION_TEXT_DAYS", "30")
    store = Store.open(database_url)
    store.upsert_categories(small_categories())
    _report(store, made_days=60, changed_days=40, status="stangd")
    assert main(["--database", database_url, "retention"]) == 0
    out = capsys.readouterr().out
    assert "30 days after closing" in out and "texts=1" in out
    assert "Mörkt" not in out  # counts, never content
    store.close()


def test_retention_settings_have_defaults_and_refuse_nonsense() -> None:
    assert load_retention({}) == Retention(90, 1095, "aggregate")
    assert load_retention(
        {
            "TRYGG_RETENTION_TEXT_DAYS": "30",
            "TRYGG_RETENTION_REPORT_DAYS": "730",
            "TRYGG_RETENTION_OLD_REPORTS": "Delete",
        }
    ) == Retention(30, 730, "delete")
    nonsense = {
        "TRYGG_RETENTION_TEXT_DAYS": "-1",
        "TRYGG_RETENTION_REPORT_DAYS": "ett år",
        "TRYGG_RETENTION_OLD_REPORTS": "x",
    }
    assert load_retention(nonsense) == Retention()


def test_issue_17_the_record_of_processing_is_in_step_with_the_settings() -> None:
    """docs/record-of-processing.md is what the command writes for the default settings."""
    written = (ROOT / "docs" / "record-of-processing.md").read_text(encoding="utf-8")
    assert written == processing_record.render(load_settings({})), (
        "run: python -m geo record-of-processing --output docs/record-of-processing.md"
    )
    other = processing_record.render(load_settings({"TRYGG_RETENTION_TEXT_DAYS": "30"}))
    assert "until 30 days after the case is closed" in other


def test_issue_17_retention_removes_old_messages_that_have_gone_and_keeps_those_waiting(
    store: Store, kinds: dict[str, str]
) -> None:
    # an e-mail holds a staff member's reply and the public comment: text kept no longer than a closed case's
    report = kinds["closed_recently"]
    letter = {"kind": "reply", "report_id": report, "language": "sv", "subject": "Svar", "body_html": "<p>Hej</p>"}
    old, recent = NOW - dt.timedelta(days=91), NOW - dt.timedelta(days=89)
    ids = {}
    for name, at in (("old_sent", old), ("old_waiting", old), ("recent_sent", recent)):
        store.queue_messages([{**letter, "body_text": f"Svar till Anna ({name})"}], now=at)
        ids[name] = store.messages_of(report)[-1]["id"]
    for name in ("old_sent", "recent_sent"):
        assert store.claim_messages("c", now=NOW, limit=10)
        store.message_sent(ids[name], now=NOW)
        store.release_messages([ids["old_waiting"]])

    removed = retention.apply(store, POLICY, now=NOW)

    assert removed.messages == 1
    assert {m["id"] for m in store.messages_of(report)} == {ids["old_waiting"], ids["recent_sent"]}
    (logged,) = audit.entries(store, ADMIN, action="retention")
    assert logged.detail["messages"] == "1"


def test_at_start_up_retention_waits_for_the_warm_up(tmp_path: Path) -> None:
    """Retention's one long transaction would compete with the first visitor's map while the
    warm-up runs (profiled at a million reports): the server's first round waits for it."""
    from geo.startup import app_store

    settings = load_settings({"TRYGG_DATABASE_URL": f"sqlite:///{tmp_path / 'late.db'}"})
    store = app_store(settings)
    store.upsert_categories(small_categories())
    closed, _ = _report(store, made_days=400, changed_days=300, status="atgardad")
    warm = threading.Event()
    warming = threading.Thread(target=warm.wait, args=(60,), daemon=True)
    warming.start()
    retention.start_daily(settings, after=warming, check_every_s=3600)
    time.sleep(1.0)
    assert _row(store, closed)["text"] == "Mörkt vid tunneln", "nothing removed while the warm-up runs"  # type: ignore[index]
    warm.set()
    deadline = time.monotonic() + 30
    while _row(store, closed)["text"] != "" and time.monotonic() < deadline:  # type: ignore[index]
        time.sleep(0.1)
    assert _row(store, closed)["text"] == "", "applied once the warm-up is done"  # type: ignore[index]
