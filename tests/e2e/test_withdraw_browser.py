"""A resident withdraws their own report (#17) on a phone, in Swedish and in Arabic, in
Debian's Chromium with the network cut: Följ din rapport by the code's link, "remove my
report", a confirmation naming the code, then the report is gone from the map's public layer
and from the status page. axe-core finds no violations at either step."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from geo.i18n import translator
from geo.store import Store
from tests.http.conftest import fetch
from tests.support.app import RunningApp, demo_app
from tests.support.browser import PHONE, axe_violations, open_context, settle, snap

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 45_000
CODES: dict[str, str] = {}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    def add_reports(store: Store) -> None:
        for lang in ("sv", "ar"):
            row = {
                "lon": 13.5971,
                "lat": 56.4612,
                "category": "dalig_belysning",
                "feeling": "otrygg",
                "time_of_day": "kvall",
                "text": "Mörkt vid gångtunneln",
                "language": lang,
                "created_at": dt.datetime.now(dt.UTC),
                "status": "ny",
                "moderation": "published",
                "source": "web",
            }
            CODES[lang] = store.add_report(row, email="boende@example.se")[1]

    tmp = tmp_path_factory.mktemp("withdraw")
    with demo_app(tmp, f"sqlite:///{tmp / 'withdraw.db'}", reports=40, prepare=add_reports) as running:
        yield running


def public_count(app: RunningApp) -> int:
    reply = fetch(f"{app.url}/api/layers/reports.geojson?limit=10000")
    assert reply.status == 200, reply.body
    return int(json.loads(reply.body)["numberReturned"])


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_issue_17_a_resident_withdraws_their_report_on_a_phone(app: RunningApp, browser: Browser, lang: str) -> None:
    t = translator(lang)
    code = CODES[lang]
    shown_before = public_count(app)
    browsing = open_context(browser, **PHONE)
    page = browsing.page
    page.goto(f"{app.url}/status?ref={code}&lang={lang}")
    main = page.locator("[data-testid='stMain']")
    start = main.get_by_role("button", name=t("status.withdraw.start"))
    start.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    start.scroll_into_view_if_needed()
    snap(page, f"withdraw-phone-{lang}-status")
    start.tap()
    question = main.get_by_text(t("status.withdraw.confirm_text", code=code))
    question.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    question.scroll_into_view_if_needed()
    snap(page, f"withdraw-phone-{lang}-confirm")
    assert axe_violations(page) == []
    assert page.evaluate("() => document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")

    main.get_by_role("button", name=t("status.withdraw.confirm")).tap()
    main.get_by_text(t("status.withdraw.done")).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    snap(page, f"withdraw-phone-{lang}-done")
    assert axe_violations(page) == []
    assert main.get_by_role("button", name=t("status.withdraw.start")).count() == 0

    store = Store.open(app.database_url)
    try:
        assert store.report_by_ref(code) is None
    finally:
        store.close()
    assert public_count(app) == shown_before - 1  # gone from the map's public layer at once
    page.goto(f"{app.url}/status?ref={code}&lang={lang}")
    main.get_by_text(t("status.not_found")).wait_for(timeout=TIMEOUT_MS)  # and from the status page
    assert browsing.external_requests == []
    browsing.context.close()
