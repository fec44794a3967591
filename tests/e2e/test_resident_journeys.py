"""Journeys of a resident and a moderator, in Debian's Chromium with the network cut, each on a
phone (390×844, touch) and a desktop (1440×900), in Swedish and in Arabic (issue #14).

(a) A resident opens a /rapportera link right after the server starts, places the pin by
"use my location" (the browser's geolocation, granted) and by the place search, moves it with
a tap, reports, lands on the reference code and follows it to /status?ref=CODE. Refused
geolocation says so in the resident's language.
(b) A moderator publishes one report and rejects another in a row on Granskning: the chips of
the reports that left go, the buttons work for the next, the reason is empty again; the
resident of the rejected one is told it was not published and why.

Texts come from the catalogue (`geo.i18n.translate`), so the same steps run in both languages.
Every step takes a `snap` (``report-<viewport>-<lang>-<step>``, ``moderation-...``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Frame, Locator, Page

from geo.auth import add_user
from geo.i18n import label, translate
from geo.reporting import ReportDraft, submit
from geo.store import REF_CODE_ALPHABET, REF_CODE_LENGTH, Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import DESKTOP, PHONE, Browsing, map_frame, open_context, settle, snap

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 30_000
HERE = {"latitude": 56.4628, "longitude": 13.5935, "accuracy": 12}
"""Where the resident's phone says it is: Markaryd, inside the demo municipality."""
PASSWORD = "moderatorns långa lösenord"
MODERATION_TEXTS = (
    "Trasig lampa vid skolan",
    "Svordomar och namn",
    "Mörk passage vid ån",
    "Buskar skymmer gångvägen",
    "Ingen belysning vid busshållplatsen",
    "Glas på cykelvägen",
    "Lampan blinkar vid torget",
    "Mörkt bakom idrottshallen",
)
"""Two per run of the moderator's journey (four runs), queued pending."""
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
CODE_RE = re.compile(f"^[{REF_CODE_ALPHABET}]{{{REF_CODE_LENGTH}}}$")
FIRST_VISIT: dict[str, object] = {}


def t(key: str, lang: str, **values: object) -> str:
    return translate(key, lang, **values)


def add_moderator_and_queue(store: Store) -> None:
    add_user(store, "moderator", PASSWORD, "team")
    for number, text in enumerate(MODERATION_TEXTS):
        draft = ReportDraft(13.59 + number / 1000, 56.46, "otrygg", "dalig_belysning", "kvall", text=text)
        submit(store, draft)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("e2e-journeys")
    with demo_app(tmp, f"sqlite:///{tmp / 'journeys.db'}", reports=40, prepare=add_moderator_and_queue) as running:
        # The server's very first visitor follows a /rapportera link (a QR code on a poster).
        browsing = open_context(browser, **PHONE)
        browsing.page.goto(f"{running.url}/rapportera")
        browsing.page.get_by_role("heading", level=1).first.wait_for(timeout=TIMEOUT_MS)
        map_frame(browsing.page)
        FIRST_VISIT.update(
            page_not_found=browsing.page.get_by_text("Page not found").count() > 0,
            heading=browsing.page.get_by_role("heading", level=1).first.inner_text(),
        )
        snap(browsing.page, "report-phone-sv-first-visit")
        browsing.context.close()
        yield running


def open_report(page: Page, url: str, lang: str) -> Frame:
    page.goto(f"{url}/rapportera?lang={lang}")
    page.get_by_role("heading", name=t("report.title", lang)).wait_for(timeout=TIMEOUT_MS)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map && window.map.getZoom() !== undefined", timeout=TIMEOUT_MS)
    settle(page)
    return frame


def pin_caption(page: Page, lang: str) -> str:
    prefix = t("report.pin_at", lang, lat="", lon="").split(":")[0]
    caption = page.get_by_text(re.compile(re.escape(prefix) + r":\s*\d"))
    caption.wait_for(timeout=TIMEOUT_MS)
    return caption.inner_text()


def wait_for_pin_near(page: Page, lat: float, lon: float, lang: str, metres: float = 15) -> None:
    """Wait until the caption names a pin within ``metres`` of (lat, lon)."""
    page.wait_for_function(
        """([lat, lon, m]) => [...document.querySelectorAll('[data-testid=stCaptionContainer]')].some(c => {
            const found = c.innerText.match(/(\\d+\\.\\d+)[,\u060c]\\s*(\\d+\\.\\d+)/);  // Arabic comma too
            return found && Math.abs(found[1] - lat) * 111000 < m && Math.abs(found[2] - lon) * 61000 < m;
        })""",
        arg=[lat, lon, metres],
        timeout=TIMEOUT_MS,
    )


def tap(page: Page, x: float, y: float, touch: bool) -> None:
    if touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def tap_map_at(page: Page, frame: Frame, lat: float, lon: float, touch: bool) -> None:
    frame.frame_element().scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    point = frame.evaluate("([lat, lon]) => window.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = frame.frame_element().bounding_box()
    assert box is not None
    tap(page, box["x"] + point["x"], box["y"] + point["y"], touch)


def choose(page: Page, text: str, touch: bool) -> None:
    settle(page)
    option = page.locator("[data-testid='stRadioOption']", has_text=text).first
    option.scroll_into_view_if_needed()
    option.tap() if touch else option.click()
    page.wait_for_function(
        """(text) => [...document.querySelectorAll("[data-testid='stRadioOption']")]
            .some(o => o.innerText.includes(text) && o.querySelector('input').checked)""",
        arg=text,
        timeout=TIMEOUT_MS,
    )


def press(page: Page, name: str, touch: bool) -> None:
    settle(page)
    button = page.locator("[data-testid='stMain']").get_by_role("button", name=name, exact=True)
    button.wait_for(timeout=TIMEOUT_MS)
    button.scroll_into_view_if_needed()
    button.tap() if touch else button.click()


def focused(page: Page) -> dict:
    """The focused element, looking inside shadow roots (our components draw in one)."""
    return page.evaluate(
        """() => { let e = document.activeElement;
            while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
            return {tag: e && e.tagName, text: e && e.textContent}; }"""
    )


@pytest.mark.parametrize(
    ("viewport", "lang"),
    [("phone", "sv"), ("phone", "ar"), ("desktop", "sv"), ("desktop", "ar")],
)
def test_issue_14_resident_places_the_pin_by_location_and_by_search_reports_and_follows_the_code(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    touch = viewport == "phone"
    browsing = open_context(browser, **VIEWPORTS[viewport], geolocation=HERE, permissions=["geolocation"])
    page = browsing.page
    name = f"report-{viewport}-{lang}"
    frame = open_report(page, app.url, lang)
    zoom_before = frame.evaluate("() => window.map.getZoom()")
    snap(page, f"{name}-open")

    # 1. "Use my location": the pin goes where the phone is, and the map zooms in to it.
    locate = page.get_by_role("button", name=t("report.locate", lang))
    locate.scroll_into_view_if_needed()
    locate.tap() if touch else locate.click()
    wait_for_pin_near(page, HERE["latitude"], HERE["longitude"], lang)
    frame.wait_for_function("() => window.map.getZoom() >= 17", timeout=TIMEOUT_MS)
    assert zoom_before < 17
    centre = frame.evaluate("() => window.map.getCenter()")
    assert abs(centre["lat"] - HERE["latitude"]) < 2e-4 and abs(centre["lng"] - HERE["longitude"]) < 2e-4, centre
    settle(page)
    snap(page, f"{name}-located")

    # 2. The search: a street address of the gazetteer, found by typing part of it.
    search = page.get_by_role("combobox", name=t("report.search", lang))
    search.scroll_into_view_if_needed()
    search.click()
    page.keyboard.type("skolvägen 2")
    option = page.get_by_role("option", name=re.compile("Skolvägen 2"))
    option.first.wait_for(timeout=TIMEOUT_MS)
    snap(page, f"{name}-search")
    option.first.click()
    store = Store.open(app.database_url)
    try:
        address = next(p for p in store.place_names() if p.name == "Skolvägen 2")
    finally:
        store.close()
    wait_for_pin_near(page, address.lat, address.lon, lang, metres=2)
    frame.wait_for_function(
        "([lat, lon]) => Math.abs(window.map.getCenter().lat - lat) < 2e-4 && window.map.getZoom() >= 17",
        arg=[address.lat, address.lon],
        timeout=TIMEOUT_MS,
    )
    settle(page)
    snap(page, f"{name}-found")

    # 3. A tap fine-tunes it, 20 m to the north, at street level: the map does not jump.
    target = (address.lat + 0.00018, address.lon)
    tap_map_at(page, frame, *target, touch)
    wait_for_pin_near(page, *target, lang, metres=6)

    # 4. The report itself.
    choose(page, t("report.feeling_option.otrygg", lang), touch)
    choose(page, "💡", touch)  # poor lighting, whatever the language
    choose(page, label("time_of_day", "kvall", lang), touch)
    press(page, t("report.preview", lang), touch)
    press(page, t("report.confirm", lang), touch)

    # 5. The code: large, focused, with a copy button in the resident's language and a link.
    code_box = page.locator("output").first
    code_box.wait_for(timeout=TIMEOUT_MS)
    code = code_box.inner_text().strip()
    assert CODE_RE.match(code), code
    page.wait_for_function(
        """() => { let e = document.activeElement;
            while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement;
            return e && e.tagName === 'OUTPUT'; }""",
        timeout=TIMEOUT_MS,
    )
    copy = page.get_by_role("button", name=t("report.copy", lang))
    assert copy.is_visible(), "the copy button must show without hovering (touch screens)"
    page.get_by_text(t("report.code_save", lang)).wait_for(timeout=TIMEOUT_MS)  # beside the code, a moment later
    snap(page, f"{name}-sent")
    copy.tap() if touch else copy.click()
    page.get_by_text(
        re.compile(f"{re.escape(t('report.copied', lang))}|{re.escape(t('report.copy_select', lang))}")
    ).wait_for(timeout=TIMEOUT_MS)
    store = Store.open(app.database_url)
    try:
        stored = store.report_by_ref(code)
    finally:
        store.close()
    assert stored is not None and abs(stored["lat"] - target[0]) * 111_000 < 6, stored

    # 6. The link opens the code's status page (in a new tab, so the code stays on screen).
    link = page.get_by_role("link", name=t("report.follow", lang, code=code))
    with browsing.context.expect_page() as opened:
        link.tap() if touch else link.click()
    status = opened.value
    status.get_by_role("heading", name=t("status.title", lang)).wait_for(timeout=TIMEOUT_MS)
    status.get_by_text(t("status.pending", lang)).wait_for(timeout=TIMEOUT_MS)
    assert status.get_by_text(label("status", "ny", lang), exact=True).count() >= 1
    assert f"ref={code}" in status.url
    snap(status, f"{name}-status")
    assert browsing.external_requests == []
    browsing.context.close()


def test_issue_14_refused_location_is_explained_and_the_resident_can_go_on(app: RunningApp, browser: Browser) -> None:
    browsing = open_context(browser, **PHONE)  # no permission granted: the browser refuses
    page = browsing.page
    open_report(page, app.url, "ar")
    page.get_by_role("button", name=t("report.locate", "ar")).tap()
    page.get_by_text(t("report.locate_error.denied", "ar")).wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_role("combobox", name=t("report.search", "ar")).is_visible()
    snap(page, "report-phone-ar-location-refused")
    assert browsing.external_requests == []
    browsing.context.close()


def test_issue_14_the_first_visit_after_start_opens_rapportera_cleanly(app: RunningApp) -> None:
    assert not FIRST_VISIT["page_not_found"], FIRST_VISIT
    assert FIRST_VISIT["heading"] == t("report.title", "sv"), FIRST_VISIT


def log_in(page: Page, lang: str) -> None:
    """Log in from the sidebar (opened first on a phone), then go to Granskning by its link."""
    sidebar = page.locator("[data-testid='stSidebar']")
    opener = page.locator("[data-testid='stExpandSidebarButton'], [data-testid='stSidebarCollapsedControl'] button")
    if not sidebar.get_by_text(t("auth.staff_login", lang)).is_visible() and opener.count():
        opener.first.click()
    sidebar.get_by_text(t("auth.staff_login", lang)).click()
    sidebar.get_by_role("textbox", name=t("auth.username", lang)).fill("moderator")
    sidebar.get_by_role("textbox", name=t("auth.password", lang)).fill(PASSWORD)
    sidebar.get_by_role("button", name=t("auth.login", lang)).click()
    sidebar.get_by_role("button", name=t("auth.logout", lang)).wait_for(timeout=TIMEOUT_MS)
    sidebar.get_by_role("link", name=t("nav.moderation", lang)).click()
    page.get_by_role("heading", name=t("moderation.title", lang)).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    collapse = page.locator("[data-testid='stSidebarCollapseButton'] button, [data-testid='stSidebarCollapseButton']")
    if page.viewport_size and page.viewport_size["width"] < 700 and sidebar.is_visible() and collapse.count():
        collapse.first.click()  # on a phone the open sidebar covers the page
        page.wait_for_timeout(500)


def picker(page: Page, lang: str) -> Locator:
    return page.locator("[data-testid='stMain'] [data-testid='stMultiSelect']").filter(
        has_text=t("moderation.choose", lang)
    )


def choose_report(page: Page, code: str, lang: str) -> None:
    """Choose the queued report ``code`` in the report picker, by typing its code."""
    box = picker(page, lang)
    box.scroll_into_view_if_needed()
    box.get_by_role("combobox").click()
    page.keyboard.type(code)
    page.get_by_role("option", name=re.compile(code)).first.click()
    page.keyboard.press("Escape")
    settle(page)


def chips(page: Page, lang: str) -> list[str]:
    """The chosen reports' chips in the picker, as shown."""
    return picker(page, lang).locator(".react-aria-ComboBox [data-tag]").all_inner_texts()


@pytest.mark.parametrize(
    ("viewport", "lang"),
    [("desktop", "sv"), ("phone", "ar"), ("desktop", "ar"), ("phone", "sv")],
)
def test_issue_14_moderator_publishes_and_rejects_two_reports_in_a_row(
    app: RunningApp, browser: Browser, viewport: str, lang: str
) -> None:
    browsing: Browsing = open_context(browser, **VIEWPORTS[viewport])
    page = browsing.page
    name = f"moderation-{viewport}-{lang}"
    page.goto(f"{app.url}/?lang={lang}")
    map_frame(page)
    settle(page)
    log_in(page, lang)
    store = Store.open(app.database_url)
    try:
        queue = store.reports_frame(columns=("id", "ref_code", "text", "moderation"))
    finally:
        store.close()
    waiting = [text for text in MODERATION_TEXTS if (queue[queue["text"] == text]["moderation"] == "pending").any()]
    assert len(waiting) >= 2, "the module's queue holds two pending reports for each run of this journey"
    to_publish, to_reject = waiting[:2]
    codes = dict(zip(queue["text"], queue["ref_code"], strict=True))
    snap(page, f"{name}-queue")

    choose_report(page, codes[to_publish], lang)
    assert len(chips(page, lang)) == 1
    snap(page, f"{name}-chosen")
    press(page, t("moderation.publish", lang), touch=False)
    page.get_by_text(t("moderation.done_published_one", lang)).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert chips(page, lang) == [], "the chip of the published report stayed"
    snap(page, f"{name}-published")

    choose_report(page, codes[to_reject], lang)
    reject = page.locator("[data-testid='stMain']").get_by_role("button", name=t("moderation.reject", lang), exact=True)
    assert reject.is_enabled(), "the buttons stayed grey for the next report"
    reason = page.get_by_role("combobox", name=t("moderation.reason_kind", lang))
    reason.scroll_into_view_if_needed()
    reason.click()
    page.get_by_role("option", name=label("rejection", "personal_data", lang)).click()
    note = page.get_by_role("textbox", name=t("moderation.reason_note", lang))
    note.fill("Namn i texten")
    note.press("Enter")
    settle(page)
    press(page, t("moderation.reject", lang), touch=False)
    page.get_by_text(t("moderation.done_rejected_one", lang)).wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert chips(page, lang) == []
    assert page.get_by_role("textbox", name=t("moderation.reason_note", lang)).input_value() == ""
    kind = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first.inner_text()
    assert label("rejection", "personal_data", lang) not in kind, f"the reason stayed for the next report: {kind}"
    snap(page, f"{name}-rejected")

    store = Store.open(app.database_url)
    try:
        rows = store.reports_frame(columns=("ref_code", "text", "moderation", "status")).set_index("text")
    finally:
        store.close()
    assert rows.loc[to_publish, "moderation"] == "published"
    assert (rows.loc[to_reject, "moderation"], rows.loc[to_reject, "status"]) == ("rejected", "stangd")

    # The resident of the rejected report is told, in their language, that it was not published and why.
    page.goto(f"{app.url}/status?ref={rows.loc[to_reject, 'ref_code']}&lang={lang}")
    reason_text = t("status.rejected_why", lang, reason=label("rejection", "personal_data", lang))
    page.get_by_text(reason_text).wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Namn i texten").count() == 0, "the moderator's note is for staff only"
    snap(page, f"{name}-resident-told")
    assert browsing.external_requests == []
    browsing.context.close()
