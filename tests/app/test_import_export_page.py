"""Import och export through AppTest on a real SQLite file: staff export, only admins import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import StaffSession, User
from geo.demo import seed_demo
from geo.model import Role
from geo.store import Store, utcnow

ROOT = Path(__file__).resolve().parents[2]
RING = [[13.6, 56.46], [13.61, 56.46], [13.61, 56.47], [13.6, 56.46]]
ZONES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"namn": "Torget", "typ": "Medborgarlöfte", "löfte": "Vi går på torget varje fredag"},
            "geometry": {"type": "Polygon", "coordinates": [RING]},
        }
    ],
}


@pytest.fixture
def db(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The demo with 30 reports, on each backend (SQLite file, PostGIS)."""
    seed_demo(store, reports=30)
    monkeypatch.setenv("TRYGG_DATABASE_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    return store


def page(role: Role | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "import_export.py"), default_timeout=60)
    if role is not None:
        at.session_state["staff_session"] = StaffSession(User("person", role), utcnow())
    at.run()
    assert not at.exception
    return at


def test_the_public_is_refused(db: Store) -> None:
    at = page(None)
    assert [e.value for e in at.error] == ["Den här sidan är bara för inloggad personal."]
    assert not at.button and not at.file_uploader


@pytest.mark.parametrize("role", [Role.VIEWER, Role.POLICE])
def test_staff_export_but_do_not_import(db: Store, role: Role) -> None:
    at = page(role)
    assert not at.file_uploader
    assert "Bara kommunens team och administratörer kan importera." in [i.value for i in at.info]
    at.selectbox(key="io_export_layer").set_value("zones").run()
    at.selectbox(key="io_export_format").set_value("geojson").run()
    at.button(key="io_export_make").click().run()
    assert not at.exception
    assert "6 objekt i zones.geojson" in [c.value for c in at.caption]
    assert len(at.get("download_button")) == 1
    assert bool(at.toggle) is (role is Role.POLICE)  # exact exports for police; a viewer's are the public face


def test_issue_17_the_team_imports_zones_but_not_the_boundary(db: Store) -> None:
    at = page(Role.TEAM)
    at.file_uploader(key="io_upload").set_value(("zoner.geojson", json.dumps(ZONES).encode(), "application/geo+json"))
    at.run()
    assert not at.exception
    layers = at.selectbox(key="io_import_layer").options
    assert "Platssamverkan och medborgarlöften" in layers
    assert not any("gräns" in layer.lower() for layer in layers), layers  # the boundary is a setting: the admin's


def test_admin_imports_zones_with_preview_and_progress(db: Store) -> None:
    at = page(Role.ADMIN)
    before = len(db.zones())
    at.file_uploader(key="io_upload").set_value(("zoner.geojson", json.dumps(ZONES).encode(), "application/geo+json"))
    at.selectbox(key="io_import_layer").set_value("zones").run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert shown.loc[0, "name"] == "Torget" and shown.loc[0, "promise_text"] == "Vi går på torget varje fredag"
    at.button(key="io_import_button").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["1 objekt importerades till Platssamverkan och medborgarlöften."]
    assert len(db.zones()) == before + 1
    torget = next(z for z in db.zones() if z.name == "Torget")
    assert torget.kind.value == "medborgarlofte"


def test_admin_sees_why_a_file_is_refused_and_nothing_changes(db: Store) -> None:
    at = page(Role.ADMIN)
    version = db.data_version()
    bad = "namn;lat;lon\nBiblioteket;56,46;13,6\nKyrkan;mitt i byn;13,6\n".encode("cp1252")
    at.file_uploader(key="io_upload").set_value(("platser.csv", bad, "text/csv"))
    at.selectbox(key="io_import_layer").set_value("meeting_places").run()
    assert not at.exception
    assert "Objekt 3: kolumnen lat har ”mitt i byn”, som inte är ett tal" in at.error[0].value
    assert db.data_version() == version
