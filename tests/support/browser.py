"""Debian's Chromium with the network cut, and waiting for what a user would wait for.

Chromium resolves no host but localhost (``--host-resolver-rules``), so a CDN link
fails to load; every request to another host is also counted, and tests assert the
count is zero. Requests are not routed: with Streamlit, routing stops component
iframes (st_folium) from appearing (shared/TESTING.md).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Browser, BrowserContext, Frame, Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from geo.auth import SESSION_COOKIE
from geo.i18n import translator
from tests.support.serving import ROOT

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


@dataclass
class Browsing:
    context: BrowserContext
    page: Page
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


COUNT_RUNS = """
window.__tryggRuns = 0;
new MutationObserver((changes) => {
  for (const change of changes) if (change.oldValue === "running") window.__tryggRuns += 1;
}).observe(document, {
  subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ["data-test-script-state"],
});
"""
"""Counts the app's finished script runs: Streamlit marks its root ``data-test-script-state``
"running" while one runs, and each change away from "running" is a run that ended (the
first run too, though the root appears already marked). Every page of a context gets it."""


def open_context(browser: Browser, **options: object) -> Browsing:
    context = browser.new_context(**options)
    context.add_init_script(COUNT_RUNS)
    browsing = Browsing(context, context.new_page())

    def count(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        host = urlparse(url).hostname
        if url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
            browsing.external_requests.append(url)

    context.on("request", count)
    browsing.page.on("console", lambda m: browsing.console_errors.append(m.text) if m.type == "error" else None)
    return browsing


def map_frame(page: Page, timeout_s: float = 45.0) -> Frame:
    """The st_folium iframe once Leaflet has drawn at least one vector feature."""
    drawn = ".leaflet-container .leaflet-overlay-pane canvas, .leaflet-overlay-pane path"
    return frame_with(page, drawn, timeout_s)


NEAREST_REPORT = """() => { const map = window.map, c = map.getSize().divideBy(2); let best = null, dist = 1e9;
    map.eachLayer(l => { const p = l.feature && l.feature.properties;
        if (p && p.layer === 'report' && l.getLatLng) { const at = map.latLngToContainerPoint(l.getLatLng());
            const d = at.distanceTo(c); if (d < dist) { dist = d; best = at; } } });
    const r = map.getContainer().getBoundingClientRect(); return {x: r.x + best.x, y: r.y + best.y}; }"""


def nearest_report(frame: Frame) -> tuple[float, float]:
    """Where, in the page (CSS pixels), the report marker nearest the centre of the map in ``frame`` is."""
    target = frame.evaluate(NEAREST_REPORT)
    box = frame.frame_element().bounding_box()
    assert box is not None, "the map's frame is not shown"
    return box["x"] + target["x"], box["y"] + target["y"]


RUNNING = "[data-testid='stStatusWidgetRunningIcon'], [data-testid='stStatusWidgetRunningManIcon']"


def settle(page: Page, timeout_s: float = 20.0) -> None:
    """Wait until Streamlit has shown no "running" indicator for a second, so a click
    is not swallowed by a rerun still in flight; `AssertionError` if it never rests
    within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        if page.locator(RUNNING).count():
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 1.0:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"Streamlit was still running after {timeout_s:g} s")


def choose(page: Page, label: str, option: str, within: Locator | None = None, renamed: str | None = None) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label`` (the first one, or the one
    inside ``within`` when the sidebar holds a filter of the same name). ``renamed``: the box's
    label once the pick has run (the language picker's, in the language picked); a fast rerun
    may rename it before the pick is checked.

    Typing filters the list (whatever part of it is scrolled into view). A rerun that lands
    while the list is open closes it, so the pick is retried until the box shows ``option``."""
    labels = [label] if renamed is None else [label, renamed]
    box = (within or page).get_by_role("combobox", name=label, exact=True).first
    for _ in range(4):
        settle(page)
        box.click()
        box.fill(option)
        try:
            page.get_by_role("option", name=option, exact=True).first.click(timeout=8_000)
            page.wait_for_function(
                "([labels, option]) => [...document.querySelectorAll('input[role=combobox]')]"
                ".some(e => labels.includes(e.getAttribute('aria-label')) && e.value === option)",
                arg=[labels, option],
                timeout=8_000,
            )
            return
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def open_menu(page: Page) -> None:
    """On a phone the menu is folded away: open it (on a desktop it is open already)."""
    expand = page.locator("[data-testid='stExpandSidebarButton']")
    if expand.is_visible():
        expand.click()
        page.locator("section[data-testid='stSidebar'][data-collapsed='false']").wait_for(timeout=45_000)


def log_in_as_staff(page: Page, username: str, password: str, lang: str = "sv") -> None:
    """Log in from the sidebar, in the page's language ``lang``, as a member of staff would.
    Tried three times: a rerun still in flight (the map's first, when st_folium reports its
    bounds) can swallow a click; `AssertionError` if the log-out button never shows."""
    t = translator(lang)
    sidebar = page.locator("[data-testid='stSidebar']")
    logout = sidebar.get_by_role("button", name=t("auth.logout"))
    for _ in range(3):
        settle(page)
        open_menu(page)
        if logout.is_visible():
            return  # already logged in, or the previous click went through after all
        name = sidebar.get_by_role("textbox", name=t("auth.username"))
        if not name.is_visible():
            sidebar.get_by_text(t("auth.staff_login")).click()
        name.fill(username)
        sidebar.get_by_role("textbox", name=t("auth.password")).fill(password)
        sidebar.get_by_role("button", name=t("auth.login"), exact=True).click()
        try:
            logout.wait_for(timeout=15_000)
            return
        except PlaywrightTimeoutError:
            continue
    raise AssertionError(f"could not log in as {username}")


def wait_for_session_cookie(page: Page) -> None:
    """Wait until the browser holds the staff session cookie (typed addresses find the session by it)."""
    for _ in range(60):
        if any(c["name"] == SESSION_COOKIE for c in page.context.cookies()):
            return
        page.wait_for_timeout(250)
    raise AssertionError("the browser got no session cookie after logging in")


IDLE = "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"


def script_runs(page: Page) -> int:
    """How many runs of the app's script have ended in this page so far."""
    return int(page.evaluate("() => window.__tryggRuns || 0"))


def wait_for_runs(page: Page, at_least: int, timeout_s: float = 30.0) -> None:
    """Wait until ``at_least`` runs of the script have ended in this page and none runs:
    "one more rerun" (st_folium reporting the map's bounds, a widget's change) has happened
    and finished. Read `script_runs` before the action that causes the rerun, and wait for
    one more. Playwright's `TimeoutError` when it does not come."""
    page.wait_for_function(
        f"(n) => (window.__tryggRuns || 0) >= n && ({IDLE})()", arg=at_least, timeout=timeout_s * 1000
    )


SCREENSHOTS = ROOT / "docs" / "screenshots"
"""Where `snap` writes when ``TRYGG_SCREENSHOTS=1`` (``scripts/screenshots.sh`` runs the journeys so)."""


def snap(page: Page, name: str) -> Path | None:
    """A screenshot of what the user sees at this step of a journey: always to the test's
    temporary folder for looking at, and to ``docs/screenshots/NAME.png`` when the journeys run
    to regenerate the README's pictures (``TRYGG_SCREENSHOTS=1``). Names are
    ``<journey>-<viewport>-<lang>-<step>``, e.g. ``report-phone-ar-sent``."""
    target_dir = SCREENSHOTS if os.environ.get("TRYGG_SCREENSHOTS") == "1" else Path("/tmp/trygg-journeys")
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
"""The two viewports every journey runs on (open_context(browser, **PHONE))."""


AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core from the npm registry (package.json's devDependencies, installed by
``scripts/install_vendor.py``): a test asset, never copied to static/ nor served to residents."""
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
"""EN 301 549 asks for WCAG 2.1 levels A and AA."""
_AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, iframes: false});
    return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").slice(0, 160)),
        count: v.nodes.length,
    }));
}"""


def component_frames(page: Page) -> list[Frame]:
    """The frames of Streamlit components on the page (the maps of st_folium)."""
    return [frame for frame in page.frames if "/component/" in frame.url and frame is not page.main_frame]


def frame_with(page: Page, selector: str, timeout_s: float = 45.0) -> Frame:
    """The first component frame (a map of st_folium) holding ``selector``, waited for up to
    ``timeout_s``; `AssertionError` if none appears."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in component_frames(page):
            try:
                if frame.query_selector(selector):
                    return frame
            except Exception:  # frames come and go while Streamlit renders
                continue
        page.wait_for_timeout(250)
    raise AssertionError(f"no map frame with {selector!r} appeared on {page.url}")


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations in the page's main document and in every map
    frame, as one line each (rule, impact, how many elements, the first few of them).

    Waits for Streamlit to rest first: during a rerun it fades the previous run's elements,
    which axe would rightly count as too little contrast (a download button reruns the page)."""
    settle(page)
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run scripts/install_vendor.py (npm ci), as make test does")
    found: list[str] = []
    for frame in [page.main_frame, *component_frames(page)]:
        where = "page" if frame is page.main_frame else "map frame"
        if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
            frame.add_script_tag(path=str(AXE_JS))
        for v in frame.evaluate(_AXE_RUN, list(AXE_TAGS)):
            found.append(f"{where}: {v['id']} ({v['impact']}, {v['count']}×) {v['help']}: {' | '.join(v['nodes'])}")
    return found
