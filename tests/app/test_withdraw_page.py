"""Följ din rapport (#17): a resident withdraws their own report with its reference code,
after a confirmation, in their language; tries are rate-limited per browser session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.reporting import FORM_SESSION_LIMIT
from geo.store import Store
from tests.app.conftest import app_on_demo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return Store.open(app_on_demo(tmp_path / "withdraw.db", monkeypatch, reports=0))


def add(db: Store, email: str | None = None) -> str:
    now = dt.datetime.now(dt.UTC)
    row = {
        "lon": 13.5971,
        "lat": 56.4612,
        "category": "dalig_belysning",
        "feeling": "otrygg",
        "time_of_day": "kvall",
        "text": "Mörkt vid gångtunneln",
        "language": "sv",
        "created_at": now,
        "status": "ny",
        "moderation": "published",
        "source": "web",
    }
    return db.add_report(row, email=email)[1]


def status_page(code: str, lang: str = "sv") -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "status.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.query_params["ref"] = code
    at.run()
    assert not at.exception
    return at


def press(at: AppTest, key: str) -> None:
    at.button(key=key).click().run()
    assert not at.exception


def test_issue_17_withdrawal_asks_first_then_removes_the_report(db: Store) -> None:
    code = add(db, email="boende@example.se")
    report_id = db.report_by_ref(code)["id"]
    at = status_page(code)
    assert at.button(key="status_withdraw_start").label == "Ta bort min rapport"
    press(at, "status_withdraw_start")
    assert code in at.warning[0].value and "går inte att ångra" in at.warning[0].value
    press(at, "status_withdraw_no")  # changed their mind: nothing happens
    assert db.report_by_ref(code) is not None
    press(at, "status_withdraw_start")
    press(at, "status_withdraw_yes")
    assert [s.value for s in at.success] == [
        "Din rapport är borttagen. Den syns inte längre någonstans och kommunen har inte kvar den."
    ]
    assert db.report_by_ref(code) is None and db.report_contact(report_id) is None
    assert at.text_input(key="status_code").value == ""
    assert "ref" not in at.query_params
    assert not at.warning, "no 'not found' after a withdrawal"


def test_issue_17_withdrawal_in_arabic_and_the_rate_limit(db: Store) -> None:
    codes = [add(db) for _ in range(FORM_SESSION_LIMIT + 1)]
    at = status_page(codes[0], "ar")
    assert at.button(key="status_withdraw_start").label == "احذف بلاغي"
    for code in codes:
        at.text_input(key="status_code").set_value(code).run()
        press(at, "status_withdraw_start")
        assert "لا يمكن التراجع" in at.warning[0].value
        press(at, "status_withdraw_yes")
    assert [s.value for s in at.success] == []
    assert "انتظر" in at.error[0].value  # the sixth try in ten minutes waits
    assert [db.report_by_ref(c) is None for c in codes] == [True] * FORM_SESSION_LIMIT + [False]
