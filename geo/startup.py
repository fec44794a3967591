"""Opening the application's database, the same way for the pages and the HTTP API.

`serve.py` runs the Streamlit app and the Open311/GeoJSON routes in one process;
whichever is asked first opens the database, fills an empty one with the demo data
and creates the first admin. Both then share one `Store`: the lock makes sure the
demo is seeded once, even when a page and an API call arrive together.
"""

from __future__ import annotations

import threading

from geo.auth import ensure_first_admin
from geo.config import Settings
from geo.demo import seed_demo
from geo.store import Store

_LOCK = threading.Lock()
_OPEN: dict[tuple[str, int, str | None], Store] = {}


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
