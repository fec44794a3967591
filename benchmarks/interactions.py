"""What a user feels on Karta after the map is drawn, each as a ratio to a plain Streamlit rerun.

Measured in one browser, on one machine, in the same run (issue #14, "Speed a user feels"):

- **rerun**: a Streamlit page with one button and a counter; from the click until the new count
  shows (the floor of anything that asks the server);
- **feature click**: on the explore page at a village's single reports, from a click on a report
  until its details popup shows (drawn by the browser, no server round trip);
- **filter click**: from choosing "Trygg" in the feeling filter until the map holds only safe reports;
- **layer toggle**: from switching the reports layer off until the map holds no report;
- **statistics filter** (issue #18): on Statistik, from choosing "Trygg" in the feeling filter until
  the page has run again and its key figure "Rapporter" shows the new count; with its floor
  (``floors/statistics_floor.py``: the same filters, figures, tabs, charts and tables from fixed
  data) in rounds with a plain rerun, so that what Streamlit costs for such a page and what ours
  adds to it are seen apart.

Each is the median of `REPEATS` tries; the clock is Python's, around Playwright's real clicks.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.browser import nearest_report

REPEATS = 3
ROUNDS = 5
"""Rounds of a page against its floor and a plain rerun (`rounds`)."""
FLOORS = Path(__file__).resolve().parent / "floors"
"""Floor pages: the same elements as one of ours, from fixed data (served by the bench)."""
VIEWPORT = {"width": 1400, "height": 1000}
RERUN_APP = '''"""Benchmark baseline: a plain Streamlit rerun (one button, one counter)."""
import streamlit as st

st.session_state.setdefault("n", 0)
if st.button("rerun"):
    st.session_state["n"] += 1
st.write(f"count {st.session_state['n']}")
'''
VILLAGE = "z=15&lat=56.462&lon=13.598"
"""Markaryd's centre at zoom 15: single reports up to some 10,000 reports (EPSG:4326)."""
SPARSE = "z=17&lat=56.49&lon=13.62"
"""Between Markaryd and Timsfors at zoom 17: single reports at 100,000 (Markaryd's centre has more
than `geo.hexagons.POINT_LIMIT` reports in its window even at zoom 18 then, so it shows cells)."""
DENSE_FROM = 20_000


def view_for(points: int) -> str:
    """Where the interactions are timed: a view that shows single reports at ``points`` reports."""
    return VILLAGE if points < DENSE_FROM else SPARSE


REPORTS_OF = """(feeling) => { let n = 0; window.map.eachLayer(l => { const p = l.feature && l.feature.properties;
    if (p && p.layer === 'report' && (!feeling || p.feeling === feeling)) n++; }); return n; }"""
TIMEOUT_S = 60.0


def write_rerun_app(directory: Path) -> Path:
    path = directory / "rerun_app.py"
    path.write_text(RERUN_APP, encoding="utf-8")
    return path


def timings(
    browser: Any,
    ours_url: str,
    rerun_url: str,
    points: int = 0,
    statistics_floor_url: str | None = None,
    repeats: int = ROUNDS,
) -> dict[str, float]:
    """Seconds (medians) for a plain rerun and the interactions, and each one's ratio to the
    rerun; Karta's are timed where single reports show at ``points`` reports (`view_for`).

    With ``statistics_floor_url`` (``benchmarks/floors/statistics_floor.py`` served) Statistik is
    also timed on its floor, in rounds with it and a plain rerun (issue #18)."""
    view = view_for(points)
    found = {
        "rerun_s": _median(lambda: _rerun(browser, rerun_url)),
        "feature_click_s": _median(lambda: _feature_click(browser, ours_url, view)),
        "filter_click_s": _median(lambda: _filter_click(browser, ours_url, view)),
        "layer_toggle_s": _median(lambda: _layer_toggle(browser, ours_url, view)),
    }
    if statistics_floor_url is None:
        found["statistics_filter_s"] = _median(lambda: _statistics_filter(browser, ours_url))
    else:
        found |= rounds(
            {
                "statistics_rerun_s": lambda: _rerun(browser, rerun_url),
                "statistics_floor_s": lambda: _statistics_filter(browser, statistics_floor_url, path=""),
                "statistics_filter_s": lambda: _statistics_filter(browser, ours_url),
            },
            repeats,
        )
        found["statistics_floor_ratio"] = found["statistics_filter_s"] / found["statistics_floor_s"]
        found["statistics_floor_rerun_ratio"] = found["statistics_floor_s"] / found["statistics_rerun_s"]
    for name in ("feature_click", "filter_click", "layer_toggle"):
        found[f"{name}_ratio"] = found[f"{name}_s"] / found["rerun_s"]
    # Statistik against the rerun timed in its own rounds, when there are rounds
    found["statistics_filter_ratio"] = found["statistics_filter_s"] / found.get("statistics_rerun_s", found["rerun_s"])
    return found


def rounds(measures: dict[str, Callable[[], float]], repeats: int = ROUNDS) -> dict[str, float]:
    """Each measure's median over ``repeats`` rounds, each round timing every measure once in
    turn, so that the machine's slow moments fall on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(repeats):
        for name, measure in measures.items():
            times[name].append(measure())
    return {name: statistics.median(values) for name, values in times.items()}


def _median(measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(REPEATS))


def _rerun(browser: Any, url: str) -> float:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url)
    page.get_by_text("count 0").wait_for(timeout=TIMEOUT_S * 1000)
    started = time.perf_counter()
    page.get_by_role("button", name="rerun").click()
    page.get_by_text("count 1").wait_for(timeout=TIMEOUT_S * 1000)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def _map(page: Any) -> Any:
    """The explore map's frame once its single reports are drawn and the page has settled."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!window.map") and frame.evaluate(REPORTS_OF, None) > 0:
                    page.get_by_text("Kategori").first.wait_for(timeout=TIMEOUT_S * 1000)  # the rerun has come
                    _settle(page)
                    return frame
            except Exception:  # frames come and go while Streamlit renders
                continue
        page.wait_for_timeout(100)
    raise RuntimeError("the explore map drew no single report")


def _settle(page: Any) -> None:
    running = "[data-testid='stStatusWidgetRunningIcon'], [data-testid='stStatusWidgetRunningManIcon']"
    quiet = time.monotonic()
    while time.monotonic() - quiet < 1.0:
        if page.locator(running).count():
            quiet = time.monotonic()
        page.wait_for_timeout(100)


def _choose_safe(page: Any) -> float:
    """Choose "Trygg" in the sidebar's feeling filter (Upplevelse); the clock's reading at the click.

    On a loaded machine a late rerun (the map reporting its bounds) may close the list between its
    opening and the click: the list is opened again once Streamlit is quiet, up to three times."""
    option = page.get_by_role("option", name="Trygg", exact=True)
    for attempt in range(3):
        _settle(page)
        page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").nth(1).click()
        try:
            option.wait_for(timeout=TIMEOUT_S * 1000 / 3)
            started = time.perf_counter()
            option.click(timeout=5_000)
            return started
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    raise AssertionError("unreachable")


@contextmanager
def _village_map(browser: Any, url: str, view: str = VILLAGE) -> Iterator[tuple[Any, Any]]:
    """A fresh browser context on Karta around the village, once its map has drawn: (page, map frame)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{url}/?{view}")
        yield page, _map(page)
    finally:
        context.close()


def _feature_click(browser: Any, url: str, view: str = VILLAGE) -> float:
    with _village_map(browser, url, view) as (page, frame):
        x, y = nearest_report(frame)
        started = time.perf_counter()
        page.mouse.click(x, y)
        frame.locator(".leaflet-popup .trygg-popup").last.wait_for(timeout=TIMEOUT_S * 1000)
        return time.perf_counter() - started


def _filter_click(browser: Any, url: str, view: str = VILLAGE) -> float:
    with _village_map(browser, url, view) as (page, frame):
        started = _choose_safe(page)
        frame.wait_for_function(
            f"() => {{ const f = {REPORTS_OF}; return f(null) > 0 && f('otrygg') === 0; }}", timeout=TIMEOUT_S * 1000
        )
        return time.perf_counter() - started


def _layer_toggle(browser: Any, url: str, view: str = VILLAGE) -> float:
    with _village_map(browser, url, view) as (page, frame):
        toggle = page.locator("[data-testid='stSidebar'] [data-testid='stCheckbox']").first  # Rapporter
        started = time.perf_counter()
        toggle.click()
        frame.wait_for_function(f"() => ({REPORTS_OF})(null) === 0", timeout=TIMEOUT_S * 1000)
        return time.perf_counter() - started


def _statistics_filter(browser: Any, url: str, path: str = "/statistik") -> float:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{url}{path}")
        figure = page.locator("[data-testid='stMetricValue']").first
        figure.wait_for(timeout=TIMEOUT_S * 1000)
        page.get_by_role("heading", name="Rapporter per månad").wait_for(timeout=TIMEOUT_S * 1000)  # the first tab
        _settle(page)
        before = figure.inner_text()
        started = _choose_safe(page)
        page.wait_for_function(
            "(before) => { const f = document.querySelector('[data-testid=stMetricValue]');"
            " const idle = document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state')"
            " === 'notRunning'; return idle && f && f.innerText !== before; }",
            arg=before,
            timeout=TIMEOUT_S * 1000,
        )
        return time.perf_counter() - started
    finally:
        context.close()
