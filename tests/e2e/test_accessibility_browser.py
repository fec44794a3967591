"""Accessibility is the law (EN 301 549, WCAG 2.1 AA; issue 14): every page, in Swedish,
English and Arabic, on a desktop and on a phone, in Debian's Chromium with the network cut.

- axe-core (npm, injected with ``page.add_script_tag``) finds no violation of WCAG 2.1 A or
  AA in the page or in its map frame: public pages anonymously, staff pages logged in (an
  admin sees them all; the log-in holds across the typed addresses through its cookie);
- the document says its language and direction (``<html lang dir>``);
- in Arabic on a phone the folded menu leaves nothing on the page: a tap at the left edge
  of the Rapportera map reaches the map, not the staff log-in;
- on a phone, Karta shows "Rapportera en plats" first, and the menu folds after a choice.

One served app for the module, one browser, one context per viewport and language.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from geo.auth import add_user
from geo.i18n import LANGUAGES, is_rtl, translator
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    frame_with,
    log_in_as_staff,
    open_context,
    open_menu,
    settle,
    snap,
    wait_for_session_cookie,
)

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 45_000
PASSWORD = "administratörens lösenord"
PUBLIC_PAGES = ("", "rapportera", "status", "tillganglighet")
STAFF_PAGES = ("medborgarloften", "granskning", "omraden", "import-export", "administration")
MAP_PAGES = {"", "rapportera", "medborgarloften", "omraden", "granskning"}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    def add_admin(store: Store) -> None:
        add_user(store, "admin", PASSWORD, "admin")

    tmp = tmp_path_factory.mktemp("a11y")
    with demo_app(tmp, f"sqlite:///{tmp / 'a11y.db'}", reports=150, prepare=add_admin) as running:
        yield running


def wait_for_map(page: Page, timeout_ms: int = 30_000) -> None:
    """Until a map frame shows Leaflet (the map frames are part of what axe checks)."""
    frame_with(page, ".leaflet-container", timeout_ms / 1000)


def visit(page: Page, url: str, path: str, lang: str) -> None:
    page.goto(f"{url}/{path}?lang={lang}")
    page.locator("h1").first.wait_for(timeout=TIMEOUT_MS)
    if path in MAP_PAGES:
        wait_for_map(page)
    settle(page)


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_issue_14_every_page_has_no_axe_violations_and_says_its_language(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    browsing = open_context(browser, **VIEWPORTS[viewport])
    page = browsing.page
    found: dict[str, list[str]] = {}
    documents: dict[str, tuple[str, ...]] = {}

    def check(path: str) -> None:
        visit(page, app.url, path, lang)
        documents[path] = tuple(page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]"))
        violations = axe_violations(page)
        if violations:
            found[f"/{path}"] = violations
            snap(page, f"axe-{viewport}-{lang}-{path or 'karta'}")

    for path in PUBLIC_PAGES:
        check(path)
    log_in_as_staff(page, "admin", PASSWORD, lang)
    wait_for_session_cookie(page)  # the typed addresses that follow find the session by its cookie
    for path in STAFF_PAGES:
        check(path)
        open_menu(page)  # on a phone a page opens with the menu folded (its log-out button is in it)
        logout = page.get_by_role("button", name=translator(lang)("auth.logout"))
        try:
            logout.wait_for(timeout=10_000)
        except PlaywrightTimeoutError:
            raise AssertionError(f"logged out on /{path}") from None
    expected = (lang, "rtl" if is_rtl(lang) else "ltr")
    assert all(seen == expected for seen in documents.values()), documents
    assert not found, "\n".join(f"{path}: {line}" for path, lines in found.items() for line in lines)
    assert browsing.external_requests == []
    browsing.context.close()


def test_issue_14_in_arabic_on_a_phone_the_folded_menu_takes_no_taps(app: RunningApp, browser: Browser) -> None:
    browsing = open_context(browser, **PHONE)
    page = browsing.page
    visit(page, app.url, "rapportera", "ar")
    snap(page, "shell-phone-ar-report")
    sidebar = page.locator("section[data-testid='stSidebar']")
    assert sidebar.get_attribute("data-collapsed") == "true"
    # Nothing of the folded menu is drawn anywhere on the page ...
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stSidebar] *')].filter((e) => {
            const r = e.getBoundingClientRect();
            return getComputedStyle(e).visibility === 'visible' && r.width > 0 && r.height > 0
                && r.right > 0 && r.left < window.innerWidth;
        }).length"""
    )
    assert drawn == 0, f"{drawn} elements of the folded menu are on screen"
    # ... and a tap at the left edge of the map reaches the map, not the log-in.
    box = page.locator("iframe[title*='st_folium'], iframe.stCustomComponentV1").first.bounding_box()
    assert box is not None
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y).tagName", [x, y])
    assert hit == "IFRAME", f"a tap at the map's left edge lands on {hit}"
    t = translator("ar")
    no_pin = page.get_by_text(t("report.no_pin_yet"))
    assert no_pin.is_visible()
    page.touchscreen.tap(x, y)
    no_pin.wait_for(state="hidden", timeout=TIMEOUT_MS)  # the map took the tap: a pin (or why not there)
    snap(page, "shell-phone-ar-report-tapped")
    assert not page.get_by_role("textbox", name=t("auth.username")).is_visible()
    assert browsing.external_requests == []
    browsing.context.close()


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_issue_14_on_a_phone_karta_offers_to_report_first_and_the_menu_folds_after_a_choice(
    app: RunningApp, browser: Browser, lang: str
) -> None:
    t = translator(lang)
    browsing = open_context(browser, **PHONE)
    page = browsing.page
    visit(page, app.url, "", lang)
    snap(page, f"shell-phone-{lang}-karta")
    link = page.get_by_role("link", name=t("app.report_cta"))
    box, title = link.bounding_box(), page.locator("h1").first.bounding_box()
    assert box is not None and title is not None
    assert box["y"] < title["y"] and box["y"] + box["height"] < 844, "the report link is not the first thing"
    assert box["height"] >= 44, "the report link is smaller than a fingertip"  # WCAG 2.5.5's 44 px

    open_menu(page)
    page.locator("[data-testid='stSidebarNav']").get_by_text(t("nav.status")).click()
    page.get_by_role("heading", name=t("status.title")).wait_for(timeout=TIMEOUT_MS)
    page.locator("section[data-testid='stSidebar'][data-collapsed='true']").wait_for(
        state="attached", timeout=TIMEOUT_MS
    )
    snap(page, f"shell-phone-{lang}-menu-folded")

    visit(page, app.url, "", lang)
    page.get_by_role("link", name=t("app.report_cta")).click()
    page.get_by_role("heading", name=t("report.title")).wait_for(timeout=TIMEOUT_MS)
    assert page.url.split("?")[0].endswith("/rapportera")
    assert browsing.external_requests == []
    browsing.context.close()
