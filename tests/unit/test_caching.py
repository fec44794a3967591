"""Results a process shares among its sessions (`geo.caching`): computed once while others wait,
computed again after a failure, and never stale across a change of the data."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

from geo.caching import CountsCache, SharedResults
from geo.demo import seed_demo
from geo.hexagons import cell_counts
from geo.layers import ReportFilter, count_reports
from geo.model import Role
from geo.store import Store


def test_callers_at_once_wait_for_the_first_ones_result() -> None:
    shared: SharedResults[str, list[int]] = SharedResults()
    computed: list[int] = []

    def slow() -> list[int]:
        computed.append(1)
        time.sleep(0.2)
        return [42]

    got: list[list[int]] = []
    threads = [threading.Thread(target=lambda: got.append(shared.get("k", slow))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert computed == [1], "computed once, not once per caller"
    assert len(got) == 5 and all(value is got[0] for value in got)
    assert shared.peek("k") == [42] and shared.peek("other") is None


def test_a_failed_computation_is_tried_again_by_the_next_caller() -> None:
    shared: SharedResults[str, str] = SharedResults()

    def broken() -> str:
        raise OSError("database gone")

    with pytest.raises(OSError, match="database gone"):
        shared.get("k", broken)
    assert shared.peek("k") is None
    assert shared.get("k", lambda: "back") == "back"


def test_keeps_the_most_recently_used() -> None:
    shared: SharedResults[int, int] = SharedResults(max_entries=2)
    for key in (1, 2, 1, 3):
        shared.get(key, lambda key=key: key * 10)
    assert len(shared) == 2
    assert shared.peek(2) is None, "the least recently used went"
    assert shared.peek(1) == 10 and shared.peek(3) == 30


def test_a_bad_size_is_named() -> None:
    with pytest.raises(ValueError, match="max_entries must be a positive int, got 0"):
        SharedResults(max_entries=0)


def test_counts_follow_a_new_report(tmp_path: Path) -> None:
    """The first view's counts the warm-up keeps are answered again once a report is written."""
    store = Store.open(f"sqlite:///{tmp_path / 'counts.db'}")
    seed_demo(store, reports=200)
    cache = CountsCache()
    before = cell_counts(store, ReportFilter(), 7, viewer=Role.TEAM, cache=cache)
    assert cell_counts(store, ReportFilter(), 7, viewer=Role.TEAM, cache=cache)[1] is before[1], "kept"
    store.add_report(
        {
            "lon": 13.6,
            "lat": 56.46,
            "category": "trafik",
            "feeling": "otrygg",
            "time_of_day": "natt",
            "status": "ny",
            "moderation": "pending",
            "text": "",
            "source": "web",
            "created_at": dt.datetime.now(dt.UTC),
        }
    )
    after = cell_counts(store, ReportFilter(), 7, viewer=Role.TEAM, cache=cache)
    assert int(after[1].sum()) == int(before[1].sum()) + 1
    assert int(after[1].sum()) == count_reports(store, ReportFilter(), viewer=Role.TEAM)
    public = cell_counts(store, ReportFilter(), 7, viewer=Role.PUBLIC, cache=cache)
    assert int(public[1].sum()) == count_reports(store, ReportFilter(), viewer=Role.PUBLIC), "each viewer its own"
