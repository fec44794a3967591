"""Shared fixtures: a real database per test on both backends, and a small hand-made data set.

``store`` (and ``filled_store``, built on it) runs every test twice: on a SQLite file and
on a fresh database of a real PostgreSQL + PostGIS server that the session starts in a
temporary directory (`tests.postgis`). A missing server fails the tests: run `make test`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import shapely

from geo.model import Category, Feeling, MeetingPlace, MeetingPlaceKind, PlaceKind, PlaceName, Zone, ZoneKind
from geo.store import Store
from tests.postgis import PostgisServer, start_server
from tests.support.smtp import SmtpServer

NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def pytest_configure(config: pytest.Config) -> None:
    """The app fills an empty database with the Markaryd demo only when asked (``TRYGG_DEMO=1``,
    as ``make run`` asks): the suite asks for it, for the apps it runs in this process (AppTest)
    and the servers it starts. A test of a deployment without the demo sets ``TRYGG_DEMO=0``."""
    os.environ["TRYGG_DEMO"] = "1"


SQUARE_WKT = "POLYGON ((13.59 56.45, 13.61 56.45, 13.61 56.47, 13.59 56.47, 13.59 56.45))"
"""A zone around Markaryd centrum, EPSG:4326."""


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[PostgisServer]:
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def postgis_url(postgis_server: PostgisServer) -> str:
    """The URL of a PostGIS database holding the schema at the newest migration and no rows."""
    return postgis_server.emptied_database()


@pytest.fixture(params=["sqlite", "postgis"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend: a SQLite file, then a PostGIS database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgis_url")


@pytest.fixture(scope="module", params=["sqlite", "postgis"])
def app_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database (schema at the newest migration) for a module that runs the whole
    app against it, once on each backend: a SQLite file, then a database of its own on
    the session's PostGIS server, dropped after the module."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('app-db') / 'app.db'}"
        return
    server: PostgisServer = request.getfixturevalue("postgis_server")
    url = server.create_database()
    yield url
    server.drop_database(url)


NO_SMTP_SERVER = "smtp://127.0.0.1:9"
"""``TRYGG_SMTP_URL`` for tests that need e-mail configured (so that an address is kept and
messages are queued) but send nothing: no server listens there."""
PUBLIC_URL = "https://trygghet.example.se"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd in a thread) that the app is configured to send through."""
    server = SmtpServer()
    server.start()
    monkeypatch.setenv("TRYGG_SMTP_URL", server.url)
    monkeypatch.setenv("TRYGG_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.setenv("TRYGG_MAIL_FROM", "trygghet@kommun.example.se")
    yield server
    server.stop()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    db = Store.open(database_url)
    yield db
    db.close()


def small_categories() -> list[Category]:
    return [
        Category("dalig_belysning", Feeling.UNSAFE, {"sv": "Dålig belysning", "en": "Poor lighting", "ar": "إضاءة"}),
        Category("trafik", Feeling.UNSAFE, {"sv": "Trafik", "en": "Traffic", "ar": "حركة المرور"}),
        Category("bra_belysning", Feeling.SAFE, {"sv": "Bra belysning", "en": "Good lighting", "ar": "إضاءة جيدة"}),
    ]


def small_reports() -> pd.DataFrame:
    """Six reports: four inside SQUARE_WKT (one exactly on its border), two outside."""
    rows = [
        # lon, lat, category, feeling, time, status, moderation, days ago
        (13.600, 56.460, "dalig_belysning", "otrygg", "kvall", "ny", "published", 5),
        (13.605, 56.455, "trafik", "otrygg", "dag", "bekraftad", "published", 40),
        (13.595, 56.465, "bra_belysning", "trygg", "natt", "atgardad", "pending", 100),
        (13.610, 56.460, "dalig_belysning", "otrygg", "natt", "ny", "published", 200),  # on the border
        (13.720, 56.550, "trafik", "otrygg", "kvall", "stangd", "published", 300),
        (13.745, 56.580, "dalig_belysning", "otrygg", "dag", "ny", "rejected", 10),
    ]
    return pd.DataFrame(
        [
            {
                "lon": lon,
                "lat": lat,
                "category": cat,
                "feeling": feeling,
                "time_of_day": tod,
                "status": status,
                "moderation": moderation,
                "created_at": NOW - dt.timedelta(days=days),
                "text": f"rapport {i}",
                "source": "web",
            }
            for i, (lon, lat, cat, feeling, tod, status, moderation, days) in enumerate(rows)
        ]
    )


@pytest.fixture
def filled_store(store: Store) -> Store:
    store.upsert_categories(small_categories())
    store.set_boundary("Testkommun", shapely.box(13.3, 56.3, 14.0, 56.8))
    store.add_zones(
        [
            Zone(
                "Centrum", ZoneKind.MEDBORGARLOFTE, SQUARE_WKT, promise_text="Vi lovar", start_date=dt.date(2026, 1, 1)
            ),
            Zone(
                "Stationen",
                ZoneKind.PLATSSAMVERKAN,
                "POLYGON ((13.7 56.54, 13.73 56.54, 13.73 56.56, 13.7 56.56, 13.7 56.54))",
            ),
        ]
    )
    store.add_meeting_places([MeetingPlace("Biblioteket", MeetingPlaceKind.LIBRARY, 13.601, 56.461)])
    store.add_place_names(
        [
            PlaceName("Testby", PlaceKind.LOCALITY, 13.62, 56.47),
            PlaceName("Storgatan", PlaceKind.STREET, 13.6005, 56.4605, "Testby"),
        ]
    )
    store.add_reports_frame(small_reports())
    return store


# Property-based tests: a CI profile sized for the 2-core CI machine (and the whole suite's
# 45-minute budget); HYPOTHESIS_PROFILE=dev for a longer local search.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile("dev", max_examples=400, deadline=None)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))
