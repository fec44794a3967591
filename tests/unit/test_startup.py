"""The app and its HTTP API open one store, seeded once, whichever asks first."""

from __future__ import annotations

import threading
from pathlib import Path

from geo.config import load_settings
from geo.startup import app_store


def test_first_opening_seeds_the_demo_once_even_when_two_ask_at_once(tmp_path: Path) -> None:
    settings = load_settings({"TRYGG_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "TRYGG_DEMO_REPORTS": "50"})
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
