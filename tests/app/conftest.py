"""Pointing the app that AppTest runs at a demo database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.demo import seed_demo
from geo.store import Store


def app_on_demo(path: Path, monkeypatch: pytest.MonkeyPatch, *, reports: int) -> str:
    """A SQLite file at ``path`` with the demo and ``reports`` reports, and the app
    (``TRYGG_DATABASE_URL``, no tiles) pointed at it; returns its URL."""
    url = f"sqlite:///{path}"
    store = Store.open(url)
    seed_demo(store, reports=reports)
    store.close()
    monkeypatch.setenv("TRYGG_DATABASE_URL", url)
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    monkeypatch.setenv("TRYGG_DEMO", "1")
    return url


def map_reported(at: AppTest) -> AppTest:
    """The rerun a browser makes once st_folium has drawn the map and reports its view (a map
    page, Karta or Rapportera, sends its first map alone; the rest of the page follows then)."""
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at
