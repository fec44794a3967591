"""Opening the application's database, the same way for the pages and the HTTP API.

`serve.py` runs the Streamlit app and the Open311/GeoJSON routes in one process;
whichever is asked first opens the database, fills an empty one with the demo data
and creates the first admin. Both then share one `Store`: the lock makes sure the
demo is seeded once, even when a page and an API call arrive together.

`start_warm_up` (called by `serve.py` when the server starts) does this in the background
and then locates the reports of the explore map's default view for the public (`POINTS`), so
that the first visitor after a restart does not wait for a million reports to be read and
placed in H3 cells; a visitor arriving during the warm-up waits for it, never repeats it.
"""

from __future__ import annotations

import logging
import threading
import time

from geo.auth import ensure_first_admin
from geo.config import Settings
from geo.demo import seed_demo
from geo.hexagons import PointsCache
from geo.layers import ReportFilter
from geo.model import Role
from geo.store import Store, StoreError

_LOCK = threading.Lock()
_OPEN: dict[tuple[str, int, str | None], Store] = {}
POINTS = PointsCache()
"""The located reports of every store, filter and viewer of this process (pages and warm-up)."""
LOG = logging.getLogger(__name__)


def app_store(settings: Settings) -> Store:
    """The process's store for ``settings``: opened (and, when empty, seeded with
    ``settings.demo_reports`` demo reports) on first use. Raises StoreError."""
    key = (settings.database_url, settings.demo_reports, settings.admin_password)
    with _LOCK:
        store = _OPEN.get(key)
        if store is None:
            store = Store.open(settings.database_url)
            if store.is_empty():
                seed_demo(store, reports=settings.demo_reports)
            ensure_first_admin(store, settings.admin_password)
            _OPEN[key] = store
        return store


def warm_up(settings: Settings) -> float:
    """Open the store and locate the reports of the explore map's default view (every published
    report, as the public sees it) in `POINTS`; the seconds it took."""
    started = time.perf_counter()
    store = app_store(settings)
    points = POINTS.get(store, ReportFilter(), viewer=Role.PUBLIC)
    elapsed = time.perf_counter() - started
    LOG.info("warmed the map: %d published reports located in %.1f s", len(points), elapsed)
    return elapsed


def start_warm_up(settings: Settings) -> threading.Thread:
    """`warm_up` in a background thread, so the server answers at once. A database problem is
    logged and left for the pages to explain (they open the store themselves)."""

    def run() -> None:
        try:
            warm_up(settings)
        except StoreError as error:
            LOG.warning("no warm-up: %s", error)

    thread = threading.Thread(target=run, name="trygg-warm-up", daemon=True)
    thread.start()
    return thread
