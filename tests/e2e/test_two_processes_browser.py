"""Several processes on one PostGIS (#17): two real `streamlit run serve.py` processes on one
database of the session's PostGIS server, as behind a reverse proxy. A report sent through
one (Open311) and published through the other (Granskning, in the browser) appears on both
maps (Karta's count and the GeoJSON layer of each process, both warmed before the change); a
lock-out set through one holds on the other."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from geo.auth import MAX_FAILED_ATTEMPTS, add_user
from geo.demo import seed_demo
from geo.i18n import translator
from geo.store import Store
from tests.http.conftest import MARKARYD, fetch
from tests.postgis import PostgisServer
from tests.support.app import RunningApp, start_app, stop_app
from tests.support.browser import (
    DESKTOP,
    log_in_as_staff,
    map_frame,
    open_context,
    open_menu,
    script_runs,
    settle,
    snap,
    wait_for_runs,
)

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 45_000
PASSWORD = "ett långt lösenord för test"
t = translator("sv")


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory, postgis_server: PostgisServer) -> Iterator[tuple[RunningApp, ...]]:
    url = postgis_server.create_database()
    store = Store.open(url)
    seed_demo(store, reports=60)
    add_user(store, "moderator", PASSWORD, "team")
    add_user(store, "polis.lisa", PASSWORD, "police")
    store.close()
    tmp: Path = tmp_path_factory.mktemp("two")
    apps = (start_app(tmp, url), start_app(tmp, url))
    try:
        yield apps
    finally:
        for app in apps:
            stop_app(app)
        postgis_server.drop_database(url)


def karta_count(browser: Browser, app: RunningApp, name: str) -> int:
    """The number of reports Karta shows the public ("Rapporter (N)") on this process."""
    browsing = open_context(browser, **DESKTOP)
    try:
        page = browsing.page
        page.goto(f"{app.url}/?lang=sv")
        map_frame(page)
        heading = page.get_by_role("heading", name=re.compile(r"^Rapporter \(\d+\)"))
        heading.wait_for(timeout=TIMEOUT_MS)
        snap(page, f"two-processes-{name}")
        return int(re.search(r"\((\d+)\)", heading.inner_text()).group(1))  # type: ignore[union-attr]
    finally:
        browsing.context.close()


def layer_count(app: RunningApp) -> int:
    reply = fetch(f"{app.url}/api/layers/reports.geojson?limit=10000")
    assert reply.status == 200, reply.body
    return int(json.loads(reply.body)["numberReturned"])


def test_issue_17_sent_through_one_published_through_the_other_shows_on_both(
    two: tuple[RunningApp, RunningApp], browser: Browser
) -> None:
    one, other = two
    before = [karta_count(browser, app, f"{n}-before") for n, app in (("one", one), ("other", other))]
    layers_before = [layer_count(one), layer_count(other)]
    assert before[0] == before[1] and layers_before[0] == layers_before[1]

    lon, lat = MARKARYD
    form = {"service_code": "dalig_belysning", "lat": str(lat), "long": str(lon), "description": "Mörk gångväg"}
    reply = fetch(f"{one.url}/open311/v2/requests.json", form)
    assert reply.status == 201, reply.body
    code = reply.json()[0]["service_request_id"]

    browsing = open_context(browser, **DESKTOP)
    page = browsing.page
    try:
        page.goto(f"{other.url}/granskning?lang=sv")
        settle(page)
        log_in_as_staff(page, "moderator", PASSWORD)
        page.get_by_role("heading", name=t("moderation.title")).wait_for(timeout=TIMEOUT_MS)
        settle(page)
        picker = page.locator("[data-testid='stMain'] [data-testid='stMultiSelect']").filter(
            has_text=t("moderation.choose")
        )
        picker.get_by_role("combobox").click()
        page.keyboard.type(code)
        page.get_by_role("option", name=re.compile(code)).first.click()
        page.keyboard.press("Escape")
        settle(page)
        page.locator("[data-testid='stMain']").get_by_role("button", name=t("moderation.publish"), exact=True).click()
        page.get_by_text(t("moderation.done_published_one")).wait_for(timeout=TIMEOUT_MS)
        snap(page, "two-processes-published-on-the-other")
    finally:
        browsing.context.close()

    after = [karta_count(browser, app, f"{n}-after") for n, app in (("one", one), ("other", other))]
    assert after == [before[0] + 1, before[1] + 1]
    assert [layer_count(one), layer_count(other)] == [layers_before[0] + 1, layers_before[1] + 1]


def try_log_in(page: Page, username: str, password: str) -> bool:
    """One log-in from the sidebar; True when it let the user in, False when it said no."""
    sidebar = page.locator("[data-testid='stSidebar']")
    settle(page)
    open_menu(page)
    name = sidebar.get_by_role("textbox", name=t("auth.username"))
    if not name.is_visible():
        sidebar.get_by_text(t("auth.staff_login")).click()
    name.fill(username)
    sidebar.get_by_role("textbox", name=t("auth.password")).fill(password)
    runs = script_runs(page)
    sidebar.get_by_role("button", name=t("auth.login"), exact=True).click()
    wait_for_runs(page, runs + 1, timeout_s=TIMEOUT_MS / 1000)  # the click's own run, not the last one's message
    refused = sidebar.get_by_text(t("auth.failed"))
    logout = sidebar.get_by_role("button", name=t("auth.logout"))
    refused.or_(logout).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    return logout.is_visible()


def test_issue_17_a_lock_out_set_through_one_holds_on_the_other(
    two: tuple[RunningApp, RunningApp], browser: Browser
) -> None:
    one, other = two
    browsing = open_context(browser, **DESKTOP)
    try:
        page = browsing.page
        page.goto(f"{one.url}/status?lang=sv")
        for _ in range(MAX_FAILED_ATTEMPTS):
            assert not try_log_in(page, "polis.lisa", "fel lösenord")
    finally:
        browsing.context.close()
    store = Store.open(one.database_url)
    try:
        assert store.user("polis.lisa")["locked_until"] is not None  # type: ignore[index]
    finally:
        store.close()
    browsing = open_context(browser, **DESKTOP)
    try:
        page = browsing.page
        page.goto(f"{other.url}/status?lang=sv")
        assert not try_log_in(page, "polis.lisa", PASSWORD), "the lock-out set on one process must hold on the other"
        snap(page, "two-processes-locked-out-on-the-other")
    finally:
        browsing.context.close()
    browsing = open_context(browser, **DESKTOP)
    try:
        page = browsing.page
        page.goto(f"{other.url}/status?lang=sv")
        log_in_as_staff(page, "moderator", PASSWORD)  # the other process still lets others in
    finally:
        browsing.context.close()
