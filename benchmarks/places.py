"""Mötesplatser's "open now near me" against a plain Streamlit rerun (issue #19, "Speed").

Measured in one browser, on one machine, in the same run:

- **rerun**: `benchmarks.interactions`' plain page (one button, one counter), click to new count;
- **open now near me**: on /motesplatser with `PLACES` meeting places (the demo's and generated
  ones with real ``opening_hours``), once "near me" is set (Markaryd, by the place search): from a click on
  "Öppet nu" until the list's heading shows the open places' count.

- **floor**: ``floors/places_floor.py``, the finder's elements from fixed data in a fragment, the
  same click timed the same way (without the place search).

Each is the median of `benchmarks.interactions.ROUNDS` rounds, each round timing all in turn.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import interactions
from geo.demo import seed_demo
from geo.model import MeetingPlace, MeetingPlaceKind
from geo.store import Store

PLACES = 1_000
HOURS = (
    "Mo-Th 10:00-19:00; Fr 10:00-16:00; Sa 10:00-13:00; PH off",
    "Tu 17:00-19:00; Jul off; PH off",
    "Mo-Fr 15:00-21:00; Fr 15:00-23:00; PH off",
    "24/7",
    "Mo-Su 07:00-22:00",
    "We 18:00-21:00; PH off",
    "Sa,Su 10:00-16:00",
    "Fr 22:00-02:00",
    "Mo[1] 18:00-20:00",
    "May-Sep Su 13:00-16:00",
)
LANGUAGES = ("sv", "ar", "ti", "so", "fa", "uk", "en")
CENTRE = (13.598, 56.462)
"""Markaryd (EPSG:4326): the generated places lie around it."""
TIMEOUT_S = interactions.TIMEOUT_S


def seed_places(path: Path, places: int = PLACES, seed: int = 19) -> None:
    """A SQLite file at ``path``: the demo without reports, and meeting places up to ``places``
    in all, spread over about 8 km around Markaryd (EPSG:4326)."""
    store = Store.open(f"sqlite:///{path}")
    try:
        seed_demo(store, reports=0)
        have = len(store.meeting_places())
        rng = np.random.default_rng(seed)
        kinds = list(MeetingPlaceKind)
        made = [
            MeetingPlace(
                name=f"Mötesplats {number:04d}",
                kind=kinds[number % len(kinds)],
                lon=CENTRE[0] + float(rng.normal(0, 0.06)),
                lat=CENTRE[1] + float(rng.normal(0, 0.035)),
                opening_hours=HOURS[number % len(HOURS)],
                languages=("sv", *rng.choice(LANGUAGES, size=2, replace=False).tolist()),
                fee="no" if number % 3 else "yes",
                wheelchair=("yes", "limited", "no", "")[number % 4],
            )
            for number in range(max(0, places - have))
        ]
        store.add_meeting_places(made)
    finally:
        store.close()


def timings(
    browser: Any, url: str, rerun_url: str, floor_url: str | None = None, repeats: int = interactions.ROUNDS
) -> dict[str, float]:
    """Seconds (medians) for a plain rerun and for "open now near me", and the ratio; with
    ``floor_url`` (``floors/places_floor.py`` served) also the floor's, all three in rounds."""
    measures = {
        "places_rerun_s": lambda: interactions._rerun(browser, rerun_url),
        "open_now_near_me_s": lambda: _open_now_near_me(browser, url),
    }
    if floor_url is not None:
        measures["places_floor_s"] = lambda: _floor_open_now(browser, floor_url)
    found = interactions.rounds(measures, repeats)
    found["open_now_near_me_ratio"] = found["open_now_near_me_s"] / found["places_rerun_s"]
    if floor_url is not None:
        found["places_floor_ratio"] = found["open_now_near_me_s"] / found["places_floor_s"]
        found["places_floor_rerun_ratio"] = found["places_floor_s"] / found["places_rerun_s"]
    return found


def _open_now_near_me(browser: Any, url: str) -> float:
    context = browser.new_context(viewport=interactions.VIEWPORT)
    try:
        page = context.new_page()
        page.goto(f"{url}/motesplatser")
        heading = page.get_by_role("heading", name="Mötesplatser (", exact=False).last
        heading.wait_for(timeout=TIMEOUT_S * 1000)
        _map(page)
        search = page.get_by_role("combobox", name="Eller sök en plats", exact=True)
        search.click()
        search.fill("Markaryd")
        page.get_by_role("option").first.click(timeout=TIMEOUT_S * 1000)
        page.get_by_text("Närmast platsen du valde först.").wait_for(timeout=TIMEOUT_S * 1000)
        interactions._settle(page)
        return _time_open_now(page, heading.inner_text())
    finally:
        context.close()


def _floor_open_now(browser: Any, url: str) -> float:
    """The floor's "Öppet nu", timed as `_open_now_near_me` times ours (without the place search)."""
    context = browser.new_context(viewport=interactions.VIEWPORT)
    try:
        page = context.new_page()
        page.goto(url)
        heading = page.get_by_role("heading", name="Mötesplatser (", exact=False).last
        heading.wait_for(timeout=TIMEOUT_S * 1000)
        _map(page)
        interactions._settle(page)
        return _time_open_now(page, heading.inner_text())
    finally:
        context.close()


def _time_open_now(page: Any, before: str) -> float:
    """From a click on "Öppet nu" until the count's heading differs from ``before``."""
    started = time.perf_counter()
    page.locator("[data-testid='stRadioOption']", has_text="Öppet nu").first.click()
    page.wait_for_function(
        """(before) => { const h = [...document.querySelectorAll('h2, h3')].map(e => e.innerText)
            .find(text => text.startsWith('Mötesplatser (')); return h && h !== before; }""",
        arg=before,
        timeout=TIMEOUT_S * 1000,
    )
    return time.perf_counter() - started


def _map(page: Any) -> Any:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!(window.map && window.map.getZoom() !== undefined)"):
                    interactions._settle(page)
                    return frame
            except Exception:  # frames come and go while Streamlit renders
                continue
        page.wait_for_timeout(100)
    raise RuntimeError("the finder's map did not draw")
