"""Opening the application's database, the same way for the pages and the HTTP API.

`serve.py` runs the Streamlit app and the Open311/GeoJSON routes in one process;
whichever is asked first opens the database, fills an empty one with the demo data when
asked to (``TRYGG_DEMO=1``) and creates the first admin. Both then share one `Store`: the lock makes sure the
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

from geo import outbox
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
    """The process's store for ``settings``: opened on first use and, when empty and the demo
    is asked for (``TRYGG_DEMO=1``), seeded with ``settings.demo_reports`` demo reports; without
    it an empty database waits to be set up (`geo.municipality`). Raises StoreError."""
    key = (settings.database_url, settings.demo_reports, settings.admin_password, settings.demo)
    with _LOCK:
        store = _OPEN.get(key)
        if store is None:
            store = Store.open(settings.database_url)
            if settings.demo and store.is_empty():
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


SEND_EVERY_S = 15.0
"""Seconds between two rounds of the e-mail sender."""
_SENDER: threading.Thread | None = None


def start_mail_sender(settings: Settings, *, every: float = SEND_EVERY_S) -> threading.Thread | None:
    """The e-mail sender (`geo.outbox.run_once` every ``every`` seconds) in a background
    thread, started once per process; None when no e-mail is configured. Several processes may
    each run one: messages are claimed in the database, so each goes at most once."""
    global _SENDER
    if not settings.mail_enabled:
        return None
    with _LOCK:
        if _SENDER is not None and _SENDER.is_alive():
            return _SENDER
        _SENDER = threading.Thread(target=_send_forever, args=(settings, every), name="trygg-mail", daemon=True)
        _SENDER.start()
        return _SENDER


def _send_forever(settings: Settings, every: float) -> None:
    while True:
        try:
            result = outbox.run_once(app_store(settings), settings)
            if result.sent or result.failed:
                LOG.info("mail: %d sent, %d waiting to retry, %d failed", result.sent, result.retrying, result.failed)
        except Exception:  # the sender must outlive any one bad round; the log says why
            LOG.exception("mail: the round failed; trying again in %.0f s", every)
        time.sleep(every)
