"""The app and its HTTP API open one store, seeded once, whichever asks first."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from geo.config import load_settings
from geo.demo import seed_demo
from geo.hexagons import cells_key, report_points, resolution_for_zoom
from geo.layers import ReportFilter, count_reports
from geo.model import Role
from geo.municipality import current
from geo.startup import COUNTS, LOCATE_NICENESS, POINTS, app_store, locate_aside, start_warm_up
from geo.store import Store


def test_first_opening_seeds_the_demo_once_even_when_two_ask_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    settings = load_settings({"TRYGG_DATABASE_URL": url, "TRYGG_DEMO_REPORTS": "50", "TRYGG_DEMO": "1"})
    opened: list[object] = []
    threads = [threading.Thread(target=lambda: opened.append(app_store(settings))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert opened[0] is opened[1]
    store = app_store(settings)
    assert store.count_reports() == 50
    assert store.categories(), "an API client asking first still finds the services"


def test_issue_17_an_empty_database_gets_the_demo_only_when_asked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bare.db'}"
    store = app_store(load_settings({"TRYGG_DATABASE_URL": url, "TRYGG_DEMO": "0"}))
    assert store.is_empty() and store.boundary() is None, "no demo unless asked: the deployment waits for its set-up"
    assert load_settings({}).demo is False and load_settings({"TRYGG_DEMO": "1"}).demo is True


def test_warm_up_locates_the_default_view_for_the_public_before_anyone_asks(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warm.db'}"
    settings = load_settings({"TRYGG_DATABASE_URL": url, "TRYGG_DEMO_REPORTS": "300", "TRYGG_DEMO": "1"})
    thread = start_warm_up(settings)
    thread.join(timeout=120)
    assert not thread.is_alive()
    store = app_store(settings)
    points = POINTS.peek(store, ReportFilter(), viewer=Role.PUBLIC)
    assert points is not None
    assert len(points) == count_reports(store, ReportFilter(), viewer=Role.PUBLIC) > 0
    town = current(store)
    assert town is not None
    key = cells_key(ReportFilter(), resolution_for_zoom(town.zoom), Role.PUBLIC)
    _, counts = COUNTS.get(store, key, lambda: pytest.fail("the first view's cells were not counted by the warm-up"))
    assert int(counts.sum()) == len(points), "the first view's counts, at hand before anyone asks"


def test_reports_located_in_a_process_of_their_own_are_those_located_here(tmp_path: Path) -> None:
    """What the warm-up of a big database locates at a lower priority (`locate_aside`) is what the
    pages would have located themselves."""
    store = Store.open(f"sqlite:///{tmp_path / 'aside.db'}")
    seed_demo(store, reports=400)
    aside = locate_aside(store)
    here = report_points(store, ReportFilter(), viewer=Role.PUBLIC)
    assert len(aside) == len(here) > 0 and aside.viewer == Role.PUBLIC
    for name in ("lon", "lat", "cells"):
        assert np.array_equal(getattr(aside, name), getattr(here, name)), name


def test_warm_up_of_a_broken_database_leaves_the_explanation_to_the_pages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"garbage, not sqlite" * 500)
    settings = load_settings({"TRYGG_DATABASE_URL": f"sqlite:///{path}"})
    with caplog.at_level(logging.WARNING, logger="geo.startup"):
        start_warm_up(settings).join(timeout=60)
    assert any("no warm-up" in record.getMessage() for record in caplog.records)


SERVER_STOPPED_DURING_WARM_UP = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from geo.startup import _end_with_the_server, _lower_priority

if __name__ == "__main__":
    _lower_priority()  # as the thread that starts the locating process does
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_end_with_the_server)
    child = pool.submit(os.getpid).result()
    pool.submit(time.sleep, 600)  # still locating
    print(child, os.getpriority(os.PRIO_PROCESS, child), flush=True)
    time.sleep(600)
"""


def test_issue_22_the_locating_process_runs_lower_and_ends_with_a_server_stopped_during_warm_up(
    tmp_path: Path,
) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER_STOPPED_DURING_WARM_UP, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    child = 0
    try:
        child, niceness = (int(word) for word in server.stdout.readline().split())  # type: ignore[union-attr]
        assert niceness >= LOCATE_NICENESS, "the locating process competes with the visitors at full priority"
        assert Path(f"/proc/{child}").exists()
        server.send_signal(signal.SIGKILL)  # stopped the hard way, before the warm-up is done
        server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{child}").exists(), "the locating process outlived the server"
    finally:
        server.kill()
        if child and Path(f"/proc/{child}").exists():  # (when the test fails: no process left behind)
            os.kill(child, signal.SIGKILL)
