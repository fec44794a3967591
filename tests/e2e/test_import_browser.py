"""An admin's import in Debian's Chromium, network cut (issue #15.13, #15.5): upload a zones file,
choose "replace the whole layer", check without saving (the page lists what would be added and
removed, nothing changes), import (the layer is the file's); a file with a NaN coordinate is
refused with a message per feature. Desktop in Swedish, phone in Arabic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from geo.auth import add_user
from geo.i18n import translate
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import DESKTOP, PHONE, choose, log_in_as_staff, map_frame, open_context, settle, snap

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 45_000
PASSWORD = "administratörens lösenord"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    folder = tmp_path_factory.mktemp("import")

    def add_admin(store: Store) -> None:
        add_user(store, "admin.anna", PASSWORD, "admin")

    with demo_app(folder, f"sqlite:///{folder / 'import.db'}", reports=50, prepare=add_admin) as running:
        yield running


def zones_file(folder: Path, name: str, *, broken: bool = False) -> Path:
    def square(x: float) -> list[list[list[float]]]:
        return [[[x, 56.46], [x + 0.01, 56.46], [x + 0.01, 56.47], [x, 56.47], [x, 56.46]]]

    features = [
        {"type": "Feature", "properties": {"namn": "Torget", "typ": "platssamverkan"},
         "geometry": {"type": "Polygon", "coordinates": square(13.59)}},
        {"type": "Feature", "properties": {"namn": "Parken", "typ": "medborgarlofte", "startdatum": "2026-01-01",
                                           "löftestext": "Vi går i parken varje kväll"},
         "geometry": {"type": "Polygon", "coordinates": square(13.61)}},
    ]  # fmt: skip
    text = json.dumps({"type": "FeatureCollection", "features": features})
    if broken:
        text = text.replace("13.59,", "NaN,", 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def open_sidebar(page: Page) -> None:
    expand = page.locator("[data-testid='stExpandSidebarButton']")
    if expand.is_visible():
        expand.click()
        page.locator("[data-testid='stSidebar'][aria-expanded='true']").or_(
            page.locator("[data-testid='stSidebar'] [data-testid='stSidebarNav']")
        ).first.wait_for(timeout=TIMEOUT_MS)


def close_sidebar(page: Page) -> None:
    if page.locator("[data-testid='stExpandSidebarButton']").is_visible():
        return
    button = page.locator("[data-testid='stSidebarCollapseButton'] button")
    if button.count() and page.viewport_size and page.viewport_size["width"] < 600:
        button.first.click(force=True)
        page.locator("[data-testid='stExpandSidebarButton']").wait_for(timeout=TIMEOUT_MS)


def open_import_page(page: Page, lang: str) -> None:
    title = translate("io.title", lang)
    for _ in range(4):
        settle(page)
        open_sidebar(page)
        page.locator("[data-testid='stSidebarNav']").get_by_text(translate("nav.import_export", lang)).click()
        try:
            page.get_by_role("heading", name=title).first.wait_for(timeout=12_000)
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"the import page did not open ({lang})")


def upload(page: Page, path: Path) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.get_by_text(path.name).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)


@pytest.mark.parametrize(("viewport", "lang"), [("desktop", "sv"), ("phone", "ar")], ids=["desktop-sv", "phone-ar"])
def test_issue_15_an_admin_checks_then_replaces_a_layer_and_a_nan_file_is_refused(
    app: RunningApp, browser: Browser, tmp_path: Path, viewport: str, lang: str
) -> None:
    browsing = open_context(browser, **(DESKTOP if viewport == "desktop" else PHONE))
    page = browsing.page
    page.goto(f"{app.url}/?lang={lang}")
    map_frame(page)
    open_sidebar(page)
    log_in_as_staff(page, "admin.anna", PASSWORD, lang)
    open_import_page(page, lang)
    close_sidebar(page)

    store = Store.open(app.database_url)
    stored_before = sorted(z.name for z in store.zones())
    upload(page, zones_file(tmp_path, "zoner.geojson"))
    choose(page, translate("io.import.layer", lang), translate("io.layer.zones", lang))
    choose(page, translate("io.import.mode", lang), translate("io.mode.replace", lang))
    page.get_by_role("button", name=translate("io.import.check", lang)).click()
    planned = translate("io.import.plan", lang, added=2, changed=0, removed=len(stored_before))
    page.get_by_text(planned).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(planned).scroll_into_view_if_needed()
    snap(page, f"import-{viewport}-{lang}-checked")
    page.screenshot(path=f"/tmp/registry-import-{viewport}-{lang}-checked.png")
    assert sorted(z.name for z in store.zones()) == stored_before, "a check changed the database"

    page.get_by_role("button", name=translate("io.import.button", lang), exact=True).click()
    done = translate("io.import.done_plan", lang, layer=translate("io.layer.zones", lang), added=2, changed=0,
                     removed=len(stored_before))  # fmt: skip
    page.get_by_text(done).wait_for(timeout=TIMEOUT_MS)
    assert sorted(z.name for z in store.zones()) == ["Parken", "Torget"]

    upload(page, zones_file(tmp_path, "trasig.geojson", broken=True))
    settle(page)
    page.get_by_role("button", name=translate("io.import.check", lang)).click()
    reason = translate("io.problem.not_finite", lang)
    page.get_by_text(reason, exact=False).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(reason, exact=False).first.scroll_into_view_if_needed()
    page.screenshot(path=f"/tmp/registry-import-{viewport}-{lang}-refused.png")
    assert sorted(z.name for z in store.zones()) == ["Parken", "Torget"]
    if lang == "ar":
        direction = page.get_by_text(reason, exact=False).first.evaluate("e => getComputedStyle(e).direction")
        assert direction == "rtl", direction

    # A file over the app's limit: Streamlit refuses it in the browser, in the reader's language (#14.15).
    big = tmp_path / "stor.geojson"
    big.write_bytes(b" " * (21 * 1024 * 1024))
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(big))
    too_large = translate("app.upload_too_large", lang, size="20.0MB")
    page.get_by_text(too_large).first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("or smaller").count() == 0, "Streamlit's English refusal is still shown"
    assert browsing.external_requests == []
    browsing.context.close()
    store.close()
