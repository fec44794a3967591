"""Rapportera and Följ din rapport on a phone in Debian's Chromium, with the network cut.

A resident taps the map, fills the form by touch, sees the scrubbed preview, sends the
report and looks its reference code up; the same page in Arabic reads right to left and
keeps the pin when a field is missing; the whole form also works from the keyboard.
Every test ends by checking that nothing left localhost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Frame, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from geo.store import REF_CODE_ALPHABET, REF_CODE_LENGTH, Store
from tests.conftest import NO_SMTP_SERVER
from tests.support.app import RunningApp, demo_app
from tests.support.browser import Browsing, map_frame, open_context, script_runs, settle, wait_for_runs

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
MARKARYD = (56.4612, 13.5971)
"""Markaryd town (lat, lon, EPSG:4326), inside the demo municipality."""
PERSONAL_TEXT = "Lampan vid busshållplatsen är trasig. Jag heter 19121212-1212, ring 070-123 45 67."
"""A personnummer that passes the Luhn check and a mobile number: both must be scrubbed."""
FEELING_ERROR_AR = "اختر هل المكان غير آمن أم آمن."
NO_PIN_ERROR_AR = "انقر على الخريطة لاختيار المكان."
REF_CODE_RE = re.compile(f"^[{REF_CODE_ALPHABET}]{{{REF_CODE_LENGTH}}}$")
TIMEOUT_MS = 30_000

UNLABELLED_CONTROLS = """() => {
    const named = (e) => {
        const aria = (e.getAttribute('aria-label') || '').trim();
        const by = (e.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
            .map(id => (document.getElementById(id) || {}).textContent || '').join('').trim();
        const labels = [...(e.labels || [])].map(l => l.textContent).join('').trim();
        return Boolean(aria || by || labels);
    };
    // Rendered, not hidden by CSS or a closed expander, and not in the slid-away sidebar.
    const visible = (e) => {
        if (!e.checkVisibility({checkVisibilityCSS: true})) return false;
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && r.right > 0 && r.left < window.innerWidth;
    };
    // Streamlit draws radios and checkboxes as visually hidden inputs inside a label.
    const shown = (e) => visible(e) || (e.closest('label') && visible(e.closest('label')));
    const controls = [...document.querySelectorAll('input:not([type=hidden]), textarea, select')].filter(shown);
    const buttons = [...document.querySelectorAll('button')].filter(visible);
    return {
        controls: controls.length,
        unlabelled: controls.filter(e => !named(e)).map(e => e.outerHTML.slice(0, 200)),
        unnamed_buttons: buttons.filter(e => !named(e) && !e.textContent.trim()).map(e => e.outerHTML.slice(0, 200)),
    };
}"""

FOCUSED = """() => {
    const e = document.activeElement;
    if (!e) return {tag: null};
    return {
        tag: e.tagName, type: e.type || null, text: (e.innerText || '').trim().slice(0, 80),
        option: (e.closest('[data-testid=stRadioOption]') || {}).innerText || null,
        honeypot: Boolean(e.closest('.st-key-report_website')),
    };
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("e2e-report")
    # e-mail set up (no server listens: nothing is sent here), so the form asks for an address
    env = {"TRYGG_SMTP_URL": NO_SMTP_SERVER}
    with demo_app(tmp, f"sqlite:///{tmp / 'report.db'}", reports=50, extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def first_visit(app: RunningApp, browser: Browser) -> dict[str, object]:
    """The server's first session opens /rapportera directly, as a shared link would.

    Streamlit (issue #8860) answered the first deep link after start with a "Page not
    found" dialog (serve.py now tells it the app navigates with st.navigation alone).
    Doing it once here keeps the other tests independent of which runs first, and
    records what was seen.
    """
    browsing = open_context(browser, **PHONE)
    page = browsing.page
    page.goto(f"{app.url}/rapportera")
    map_frame(page)
    page.wait_for_timeout(1_000)
    assert browsing.external_requests == []
    seen = {
        "page_not_found": page.get_by_text("Page not found").count() > 0,
        "url": page.url,
    }
    browsing.context.close()
    return seen


@pytest.fixture
def phone(app: RunningApp, browser: Browser, first_visit: dict[str, object]) -> Iterator[Browsing]:
    browsing = open_context(browser, **PHONE)
    yield browsing
    browsing.context.close()


# -- helpers -------------------------------------------------------------------


def open_report_page(page: Page, url: str) -> Frame:
    """Open the report page and wait for its map with the municipal boundary drawn."""
    page.goto(url)
    page.get_by_role("heading", level=1).wait_for(timeout=TIMEOUT_MS)
    frame = map_frame(page)
    frame.wait_for_function("() => window.map && window.map.getZoom() !== undefined", timeout=TIMEOUT_MS)
    assert frame.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count() > 0
    # a session's first view sends the map alone; the form follows in the rerun the map asks for
    page.locator(".st-key-report_feeling [data-testid='stRadioOption']").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)  # the form's other fields come in the same rerun, on a loaded machine a moment later
    return frame


def tap_map_at(page: Page, frame: Frame, lat: float, lon: float) -> None:
    """Tap the map (touch) where (lat, lon) is drawn."""
    frame.frame_element().scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    point = frame.evaluate(
        """([lat, lon]) => {
            const c = window.map.latLngToContainerPoint([lat, lon]);
            const r = window.map.getContainer().getBoundingClientRect();
            return {x: r.left + c.x, y: r.top + c.y, w: r.width, h: r.height};
        }""",
        [lat, lon],
    )
    box = frame.frame_element().bounding_box()
    assert box is not None
    x, y = box["x"] + point["x"], box["y"] + point["y"]
    assert box["x"] < x < box["x"] + box["width"] and box["y"] < y < box["y"] + box["height"], (point, box)
    assert 0 < y < PHONE["viewport"]["height"], "the tap point is off screen"  # type: ignore[index]
    page.touchscreen.tap(x, y)


def radio_option(page: Page, text: str) -> Locator:
    return page.locator("[data-testid='stRadioOption']", has_text=text)


def choose(page: Page, text: str) -> None:
    """Tap the radio option whose label contains ``text`` and wait until it is checked."""
    wait_until_idle(page, quiet_ms=400)  # a tap during a rerun may land on an element being replaced
    option = radio_option(page, text)
    option.wait_for(timeout=TIMEOUT_MS)
    option.tap()
    page.wait_for_function(
        """(text) => [...document.querySelectorAll("[data-testid='stRadioOption']")]
            .some(o => o.innerText.includes(text) && o.querySelector('input').checked)""",
        arg=text,
        timeout=TIMEOUT_MS,
    )


def reference_code(page: Page) -> str:
    code_block = page.locator("output").first  # the reference-code component (pages/_browser.py)
    code_block.wait_for(timeout=TIMEOUT_MS)
    code = code_block.inner_text().strip()
    assert REF_CODE_RE.match(code), f"not a reference code: {code!r}"
    return code


def assert_every_control_is_labelled(page: Page) -> None:
    """Every visible input, textarea, select and button has an accessible name."""
    found = page.evaluate(UNLABELLED_CONTROLS)
    # At least: two feelings, three times of day, the text, the e-mail and the consent.
    assert found["controls"] >= 8, found
    assert found["unlabelled"] == [], f"form controls without an accessible label: {found}"
    assert found["unnamed_buttons"] == [], f"buttons without an accessible name: {found}"
    honeypot = page.locator(".st-key-report_website input")
    assert honeypot.count() == 1
    assert not honeypot.is_visible(), "the honeypot field is visible to people"
    focusable = honeypot.evaluate("e => { e.focus(); return document.activeElement === e; }")
    assert not focusable, "the honeypot field can be focused"
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


def tab_until(page: Page, wanted: str, *, limit: int = 80) -> dict:
    """Press Tab until the focused element matches the JS predicate ``wanted`` (on FOCUSED's result)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert not focused["honeypot"], "Tab reached the hidden honeypot field"
        if page.evaluate(f"(f) => ({wanted})(f)", focused):
            return focused
    raise AssertionError(f"Tab never reached {wanted}; last focus {page.evaluate(FOCUSED)}")


def wait_until_idle(page: Page, quiet_ms: int = 700, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait until Streamlit has shown no running-script indicator for ``quiet_ms``."""
    quiet = 0
    for _ in range(timeout_ms // 100):
        running = page.locator("[data-testid='stStatusWidget']").count() > 0
        quiet = 0 if running else quiet + 100
        if quiet >= quiet_ms:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the app kept running")


def page_state(page: Page) -> dict:
    """What the resident sees, for assertion messages."""
    return page.evaluate(
        """() => ({
            headings: [...document.querySelectorAll('h1, h2, h3')].map(e => e.innerText.trim()),
            alerts: [...document.querySelectorAll("[data-testid='stAlert']")].map(e => e.innerText.trim()),
            buttons: [...document.querySelectorAll("[data-testid='stMain'] button")].map(e => e.innerText.trim()),
            texts: [...document.querySelectorAll("[data-testid='stText']")].map(e => e.innerText.trim()),
            running: Boolean(document.querySelector("[data-testid='stStatusWidget']")),
            exceptions: [...document.querySelectorAll("[data-testid='stException']")].map(e => e.innerText),
        })"""
    )


def button(page: Page, name: str) -> Locator:
    """The main area's button called ``name``, once it is shown (else say what is shown)."""
    found = page.locator("[data-testid='stMain']").get_by_role("button", name=name, exact=True)
    try:
        found.wait_for(timeout=TIMEOUT_MS)
    except PlaywrightTimeoutError:
        raise AssertionError(f"no button {name!r}; the page shows {page_state(page)}") from None
    return found


def stored_report(database_url: str, ref_code: str) -> list[dict]:
    store = Store.open(database_url)
    try:
        frame = store.reports_frame(
            columns=("id", "ref_code", "text", "moderation", "status", "category", "feeling", "time_of_day")
        )
    finally:
        store.close()
    return frame[frame["ref_code"] == ref_code].to_dict("records")


# -- tests -----------------------------------------------------------------------


def test_report_by_touch_then_follow_it_by_code(app: RunningApp, phone: Browsing) -> None:
    page = phone.page
    frame = open_report_page(page, f"{app.url}/rapportera")
    assert_every_control_is_labelled(page)
    assert page.get_by_text("Ingen plats vald ännu.").is_visible()

    tap_map_at(page, frame, *MARKARYD)
    caption = page.get_by_text(re.compile(r"Vald plats: 56\.46\d*, 13\.59\d*"))
    caption.wait_for(timeout=TIMEOUT_MS)
    frame.wait_for_function(  # the pin is drawn where the resident tapped
        "() => { let n = 0; window.map.eachLayer(l => { if (l.getRadius && l.getRadius() === 11) n++; }); return n; }",
        timeout=TIMEOUT_MS,
    )

    choose(page, "😟 Otrygg")
    choose(page, "Dålig belysning")
    choose(page, "Kväll")
    text = page.get_by_role("textbox", name="Berätta mer (frivilligt)", exact=True)
    text.tap()
    text.fill(PERSONAL_TEXT)
    assert_every_control_is_labelled(page)

    button(page, "Förhandsgranska").tap()
    page.get_by_role("heading", name="Kontrollera och skicka").wait_for(timeout=TIMEOUT_MS)
    preview = page.locator("[data-testid='stText']", has_text="[borttaget]")
    preview.wait_for(timeout=TIMEOUT_MS)
    shown = preview.inner_text()
    assert shown.count("[borttaget]") == 2, shown
    assert "1212" not in shown and "070" not in shown, shown
    assert page.get_by_text("Vi har tagit bort uppgifter som kan visa vem någon är.").is_visible()
    assert caption.is_visible(), "the pin caption vanished in the preview"

    button(page, "Skicka rapporten").tap()
    page.get_by_text("Tack! Din rapport är sparad.").wait_for(timeout=TIMEOUT_MS)
    code = reference_code(page)

    page.goto(f"{app.url}/status")
    field = page.get_by_role("textbox", name="Referenskod", exact=True)
    field.wait_for(timeout=TIMEOUT_MS)
    field.tap()
    field.fill(code)
    button(page, "Visa status").tap()
    page.locator("[data-testid='stText']", has_text=re.compile(r"^Ny$")).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("väntar på granskning").wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("Ärendet är öppet.").is_visible()
    assert page.get_by_text(PERSONAL_TEXT[:20]).count() == 0, "the status page shows the report's text"

    rows = stored_report(app.database_url, code)
    assert len(rows) == 1, rows
    stored = rows[0]
    assert stored["text"].count("[borttaget]") == 2, stored
    assert "1212" not in stored["text"] and "070" not in stored["text"], stored
    chosen = (stored["feeling"], stored["category"], stored["time_of_day"])
    assert chosen == ("otrygg", "dalig_belysning", "kvall"), stored
    assert (stored["status"], stored["moderation"]) == ("ny", "pending"), stored
    assert phone.external_requests == []


def test_arabic_reads_right_to_left_and_keeps_the_pin_when_the_reason_is_missing(
    app: RunningApp, phone: Browsing
) -> None:
    page = phone.page
    frame = open_report_page(page, f"{app.url}/rapportera?lang=ar")
    page.get_by_role("heading", name="أبلِغ عن مكان").wait_for(timeout=TIMEOUT_MS)
    directions = page.evaluate(
        """() => ({
            app: getComputedStyle(document.querySelector('.stApp')).direction,
            main: getComputedStyle(document.querySelector('[data-testid=stMain]')
                || document.querySelector('section.main')).direction,
            iframe: getComputedStyle(document.querySelector('iframe')).direction,
        })"""
    )
    assert (directions["app"], directions["main"], directions["iframe"]) == ("rtl", "rtl", "ltr"), directions
    assert frame.evaluate("() => getComputedStyle(window.map.getContainer()).direction") == "ltr"
    assert_every_control_is_labelled(page)

    tap_map_at(page, frame, *MARKARYD)
    caption = page.get_by_text(re.compile(r"المكان المختار: 56\.46"))
    caption.wait_for(timeout=TIMEOUT_MS)
    choose(page, "😟 غير آمن")
    radio_option(page, "إضاءة ضعيفة").wait_for(timeout=TIMEOUT_MS)  # the reasons are offered, none chosen

    button(page, "معاينة").tap()
    error = page.locator("[data-testid='stAlert']", has_text="اختر السبب.")
    error.wait_for(timeout=TIMEOUT_MS)
    assert caption.is_visible(), "the pin was lost when the form was refused"
    assert page.get_by_role("button", name="أرسل البلاغ").count() == 0, "a refused form offered to send"
    for other in (FEELING_ERROR_AR, NO_PIN_ERROR_AR):
        assert page.locator("[data-testid='stAlert']", has_text=other).count() == 0, other
    assert phone.external_requests == []


def test_the_whole_form_works_from_the_keyboard(app: RunningApp, phone: Browsing) -> None:
    page = phone.page
    frame = open_report_page(page, f"{app.url}/rapportera")
    page.wait_for_timeout(500)
    assert_every_control_is_labelled(page)

    # The map takes keyboard focus (Tab into the iframe); the arrow keys pan it.
    centre_before = frame.evaluate("() => window.map.getCenter()")
    tab_until(page, "f => f.tag === 'IFRAME'")
    for _ in range(20):
        if frame.evaluate("() => document.activeElement === window.map.getContainer()"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("Tab never focused the Leaflet map")
    runs = script_runs(page)
    page.keyboard.press("ArrowDown")
    frame.wait_for_function(
        "(lat) => window.map.getCenter().lat < lat - 1e-4", arg=centre_before["lat"], timeout=TIMEOUT_MS
    )
    wait_for_runs(page, runs + 1)  # the pan animates; st_folium reports it when it ends, and the app reruns
    wait_until_idle(page)
    centre_after = frame.evaluate("() => window.map.getCenter()")
    assert centre_after["lat"] < centre_before["lat"] - 0.01, (centre_before, centre_after)

    focused = tab_until(page, "f => f.tag === 'BUTTON' && f.text === 'Sätt punkten i kartans mitt'")
    page.keyboard.press("Enter")
    caption = page.get_by_text(re.compile(r"Vald plats: \d+\.\d+, \d+\.\d+"))
    caption.wait_for(timeout=TIMEOUT_MS)
    lat_shown = float(re.search(r"Vald plats: ([\d.]+)", caption.inner_text()).group(1))
    assert abs(lat_shown - centre_after["lat"]) < 1e-3, (lat_shown, centre_before, centre_after)

    # Feeling, reason and time: Tab into each radio group, Space picks the focused option,
    # the arrow keys move the choice.
    focused = tab_until(page, "f => f.type === 'radio'")
    assert "Otrygg" in focused["option"], focused
    page.keyboard.press("Space")
    radio_option(page, "Dålig belysning").wait_for(timeout=TIMEOUT_MS)
    assert page.evaluate(FOCUSED)["type"] == "radio", "focus was lost when the reasons appeared"

    focused = tab_until(page, "f => f.type === 'radio' && f.option.includes('belysning')")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid='stRadioOption']")]
            .some(o => o.innerText.includes('Dålig belysning') && o.querySelector('input').checked)""",
        timeout=TIMEOUT_MS,
    )

    focused = tab_until(page, "f => f.type === 'radio' && f.option.startsWith('Dag')")
    page.keyboard.press("ArrowRight")  # Dag → Kväll
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-testid='stRadioOption']")]
            .some(o => o.innerText.trim() === 'Kväll' && o.querySelector('input').checked)""",
        timeout=TIMEOUT_MS,
    )

    tab_until(page, "f => f.tag === 'TEXTAREA'")
    page.keyboard.type("Mörkt vid stationen, ring 070-123 45 67")
    tab_until(page, "f => f.tag === 'BUTTON' && f.text === 'Förhandsgranska'")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Kontrollera och skicka").wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stText']", has_text="Mörkt vid stationen, ring [borttaget]").wait_for(
        timeout=TIMEOUT_MS
    )

    tab_until(page, "f => f.tag === 'BUTTON' && f.text === 'Skicka rapporten'")
    page.keyboard.press("Enter")
    code = reference_code(page)
    rows = stored_report(app.database_url, code)
    assert len(rows) == 1, rows
    assert (rows[0]["feeling"], rows[0]["category"], rows[0]["time_of_day"]) == ("otrygg", "dalig_belysning", "kvall")
    assert rows[0]["text"] == "Mörkt vid stationen, ring [borttaget]", rows
    assert phone.external_requests == []


def test_issue_14_the_first_visit_after_start_opens_the_linked_page_cleanly(first_visit: dict[str, object]) -> None:
    assert not first_visit["page_not_found"], first_visit
    assert str(first_visit["url"]).endswith("/rapportera"), first_visit
