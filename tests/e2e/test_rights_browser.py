"""Issue #17 in Debian's Chromium, network cut, on a desktop in Swedish and a phone in Arabic:
a read-only viewer finds Mitt konto in their menu (and no page they may not use) and changes
their own password, refused first for a wrong current one; the admin reads the audit log,
filters it and downloads it as CSV. axe-core finds no WCAG 2.1 A/AA violation on either view."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
import shapely
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from geo import admin, audit, zones
from geo.auth import User, add_user, authenticate
from geo.i18n import translator
from geo.model import Role, ZoneKind
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    choose,
    log_in_as_staff,
    open_context,
    open_menu,
    settle,
    snap,
)

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 45_000
OLD, NEW = "ett långt lösenord", "ett nytt långt lösenord"
ADMIN = User("admin.rut", Role.ADMIN)
JOURNEYS = pytest.mark.parametrize(
    ("viewport", "lang"), [("desktop", "sv"), ("phone", "ar")], ids=["desktop-sv", "phone-ar"]
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("rights")

    def prepare(store: Store) -> None:
        add_user(store, ADMIN.username, OLD, ADMIN.role)
        for lang in ("sv", "ar"):
            add_user(store, f"politiker.{lang}", OLD, Role.VIEWER)
        admin.create_account(store, ADMIN, "polis.bo", OLD, Role.POLICE)
        admin.update_account(store, ADMIN, "polis.bo", role=Role.POLICE, active=True, sso_email="bo@polisen.se")
        form = zones.ZoneForm("Torget", ZoneKind.PLATSSAMVERKAN, shapely.box(13.6, 56.46, 13.601, 56.461))
        zone_id = zones.save_zone(store, form, User("kommun.anna", Role.TEAM)).zone_id
        assert zone_id is not None
        zones.delete_zone(store, zone_id, User("kommun.anna", Role.TEAM))

    with demo_app(tmp, f"sqlite:///{tmp / 'rights.db'}", reports=40, prepare=prepare) as running:
        yield running


def to_page(page: Page, viewport: str) -> None:
    """On a phone the open menu covers the page: fold it to reach the page."""
    if viewport == "phone" and page.locator("[data-testid='stSidebar'][data-collapsed='false']").count():
        page.locator("[data-testid='stSidebarCollapseButton'] button").or_(
            page.locator("[data-testid='stSidebarCollapseButton']")
        ).first.click(force=True)
        page.locator("[data-testid='stExpandSidebarButton']").wait_for(timeout=TIMEOUT_MS)


def submit(page: Page, label: str, expect: str) -> None:
    """Press the button ``label`` until ``expect`` shows (a rerun in flight can swallow a click)."""
    for _ in range(3):
        settle(page)
        page.get_by_role("button", name=label, exact=True).click()
        try:
            page.get_by_text(expect).first.wait_for(timeout=15_000)
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"{label!r} never showed {expect!r}")


@JOURNEYS
def test_issue_17_a_viewer_changes_their_own_password(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    t = translator(lang)
    name = f"politiker.{lang}"
    browsing = open_context(browser, **(PHONE if viewport == "phone" else DESKTOP))
    page = browsing.page
    step = f"account-{viewport}-{lang}"
    page.goto(f"{app.url}/konto?lang={lang}")
    page.get_by_text(t("access.staff_only")).wait_for(timeout=TIMEOUT_MS)  # not logged in yet
    log_in_as_staff(page, name, OLD, lang)
    page.get_by_role("heading", name=t("account.password_title")).wait_for(timeout=TIMEOUT_MS)

    open_menu(page)
    nav = page.locator("[data-testid='stSidebarNav']")
    assert nav.get_by_text(t("nav.account")).count() == 1
    assert nav.get_by_text(t("nav.review")).count() == 1  # a viewer looks at the areas' reviews
    for hidden in ("nav.moderation", "nav.zones", "nav.admin"):
        assert nav.get_by_text(t(hidden), exact=True).count() == 0, f"{t(hidden)} is offered to a viewer"
    to_page(page, viewport)

    page.get_by_label(t("account.old_password")).fill("inte mitt lösenord")
    page.get_by_label(t("account.new_password"), exact=True).fill(NEW)
    page.get_by_label(t("account.repeat_password")).fill(NEW)
    submit(page, t("account.change_password"), t("account.error.old_wrong"))
    snap(page, f"{step}-refused")
    assert page.get_by_label(t("account.new_password"), exact=True).input_value() == NEW  # kept after a refusal
    assert authenticate_ok(app, name, OLD)

    page.get_by_label(t("account.old_password")).fill(OLD)
    submit(page, t("account.change_password"), t("account.password_changed"))
    snap(page, f"{step}-changed")
    expect(page.get_by_label(t("account.old_password"))).to_have_value("", timeout=TIMEOUT_MS)  # emptied once changed
    assert authenticate_ok(app, name, NEW) and not authenticate_ok(app, name, OLD)
    assert axe_violations(page) == []
    assert browsing.external_requests == []
    browsing.context.close()


def authenticate_ok(app: RunningApp, name: str, password: str) -> bool:
    store = Store.open(app.database_url)
    try:
        return authenticate(store, name, password) is not None
    finally:
        store.close()


@JOURNEYS
def test_issue_17_the_admin_reads_filters_and_downloads_the_audit_log(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    t = translator(lang)
    store = Store.open(app.database_url)
    every = audit.entries(store, ADMIN, limit=None)
    zone_rows = audit.entries(store, ADMIN, action="zone.", limit=None)
    store.close()
    browsing = open_context(browser, **(PHONE if viewport == "phone" else DESKTOP))
    page = browsing.page
    step = f"audit-{viewport}-{lang}"
    page.goto(f"{app.url}/administration?lang={lang}")
    page.get_by_role("heading", name=t("admin.title")).wait_for(timeout=TIMEOUT_MS)
    log_in_as_staff(page, ADMIN.username, OLD, lang)
    to_page(page, viewport)
    page.get_by_role("tab", name=t("audit.title")).click()
    page.get_by_text(t("audit.count", n=len(every))).wait_for(timeout=TIMEOUT_MS)
    snap(page, f"{step}-all")

    choose(page, t("audit.filter.action"), t("audit.group.zone"))
    page.get_by_text(t("audit.count", n=len(zone_rows))).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    snap(page, f"{step}-zones")
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name=t("audit.download")).click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_bytes().decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["zone.delete", "zone.create"]  # newest first
    assert {r["actor"] for r in rows} == {"kommun.anna"}
    assert axe_violations(page) == []
    assert browsing.external_requests == []
    browsing.context.close()
