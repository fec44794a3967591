"""Opening the application's database, the same way for the pages and the HTTP API.

`serve.py` runs the Streamlit app and the Open311/GeoJSON routes in one process;
whichever is asked first opens the database, fills an empty one with the demo data when
asked to (``TRYGG_DEMO=1``) and creates the first admin. Both then share one `Store`: the lock makes sure the
demo is seeded once, even when a page and an API call arrive together.

`start_warm_up` (called by `serve.py` when the server starts) does this in the background,
loads what a first run would load on first use (catalogues, locale data, holidays), counts the
cells of the explore map's first view (`COUNTS`: what that view shows) and then locates the
reports of its default view for the public (`POINTS`: what zones and zoomed views need) in a
process of its own at a lower priority, so that the first visitor after a restart neither waits
for a million reports to be read and placed nor competes with that for the CPU; a visitor
arriving during the warm-up waits for its result, never repeats it.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from geo import outbox
from geo.auth import ensure_first_admin
from geo.caching import CountsCache
from geo.config import LOCAL_TIME_ZONE, Settings
from geo.demo import seed_demo
from geo.hexagons import PointsCache, ReportPoints, cell_counts, report_points, resolution_for_zoom
from geo.i18n import load_all
from geo.layers import ReportFilter
from geo.meeting_places import holiday_days
from geo.model import Role
from geo.municipality import current
from geo.store import Store, StoreError

_LOCK = threading.Lock()
_OPEN: dict[tuple[str, int, str | None], Store] = {}
POINTS = PointsCache()
"""The located reports of every store, filter and viewer of this process (pages and warm-up)."""
COUNTS = CountsCache()
"""The grouped counts of this process (Karta's first view, counted by the warm-up; Statistik's sessions)."""
LOG = logging.getLogger(__name__)
LOCATE_NICENESS = 10
"""How much lower than the server the process locating the reports at start-up runs (`os.nice`)."""
PR_SET_PDEATHSIG = 1
"""prctl(2): the signal a process gets when the thread that started it ends."""
LOCATE_ASIDE_FROM = 250_000
"""Reports from which the warm-up locates them in a process of its own (`locate_aside`); fewer are
located in a fraction of a second, less than starting that process takes."""


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
    """Load what the first map's run would otherwise load on first use, under the load of this very
    warm-up (0.2–0.9 s each, profiled at 1,000,000 reports): the catalogues and Babel's locale data,
    and this year's public holidays (the ``holidays`` package imports every country on first use);
    then open the store, count the cells of the explore map's default view (every published report,
    as the public sees it, at the municipality's first zoom) in `COUNTS` (what the first view
    shows, half a second at a million reports), and locate those reports in `POINTS` (what zones
    and zoomed views need, seconds); the seconds it took."""
    started = time.perf_counter()
    load_all()
    holiday_days(dt.datetime.now(LOCAL_TIME_ZONE).year)
    store = app_store(settings)
    town = current(store)
    if town is not None:
        cell_counts(store, ReportFilter(), resolution_for_zoom(town.zoom), viewer=Role.PUBLIC, cache=COUNTS)
    aside = store.count_reports() >= LOCATE_ASIDE_FROM
    locate = (lambda: locate_aside(store)) if aside else None
    points = POINTS.get(store, ReportFilter(), viewer=Role.PUBLIC, locate=locate)
    elapsed = time.perf_counter() - started
    LOG.info("warmed the map: %d published reports located in %.1f s", len(points), elapsed)
    return elapsed


def locate_aside(store: Store) -> ReportPoints:
    """The public's located reports (`report_points` of the default view), computed in a process of
    its own at a lower priority: a visitor's page, its script run and the browser keep the CPU
    (and this process's GIL) while a million reports are read and coarsened. SQLite in memory,
    which another process cannot open, is located here."""
    if store.parallel_reads:
        try:
            with (
                ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_end_with_the_server
                ) as pool,
                ThreadPoolExecutor(max_workers=1, initializer=_lower_priority) as starter,
            ):
                # started from a thread of lower priority, the process has it from its very start
                # (Linux: a new process inherits its thread's): its imports, a second or two of
                # CPU, already yield to the visitor's page
                located = starter.submit(pool.submit, _locate_public, store.database_key).result()
                return located.result()
        except (OSError, BrokenProcessPool) as error:  # no process to spare: locate here
            LOG.warning("warm-up in this process: %s", error)
    return report_points(store, ReportFilter(), viewer=Role.PUBLIC)


def _lower_priority() -> None:
    with contextlib.suppress(OSError):  # (a system that refuses it: the process runs as the server)
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOCATE_NICENESS)


def _end_with_the_server() -> None:
    """In the process locating the reports: should the server end first (stopped during its
    warm-up), this process ends too (Linux's parent-death signal), instead of waiting for ever to
    hand a million located reports to no one (measured: 320 MB each, left behind)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _locate_public(url: str) -> ReportPoints:
    store = Store.open(url)
    try:
        return report_points(store, ReportFilter(), viewer=Role.PUBLIC)
    finally:
        store.close()


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
