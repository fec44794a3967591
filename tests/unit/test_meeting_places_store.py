"""Meeting places' structured fields in the database and in files (issue #19): saved with a version
check, retired, exported and imported back as OSM writes them, the staff note never public."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.io import ImportRefused, ImportSource, export_layer, import_layer
from geo.model import MeetingPlace, MeetingPlaceKind, Role
from geo.store import StaleEdit, Store

CAFE = MeetingPlace(
    "Språkcafé på Ängens fritidsgård",
    MeetingPlaceKind.LANGUAGE_CAFE,
    13.6,
    56.46,
    address="Storgatan 5",
    opening_hours="Tu 17:00-19:00; Jul off; PH off",
    languages=("sv", "ar", "ti"),
    accessibility="Ramp vid entrén",
    contact="Biblioteket",
    description="Öva svenska över en kopp kaffe.",
    audience=("nyanlanda", "alla"),
    fee="no",
    wheelchair="yes",
    descriptions={"en": "Practise Swedish.", "ar": "تدرّب على السويدية مع فنجان قهوة.", "ti": "ስዊድንኛ ተለማመዱ።"},
    staff_note="Kontaktperson: Anna, privat nummer 070-000 00 00",
)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Store]:
    db = Store.open(f"sqlite:///{tmp_path / 'target.db'}")
    yield db
    db.close()


def test_issue_19_a_place_is_saved_with_a_version_and_retired(store: Store) -> None:
    saved = store.save_meeting_place(CAFE, expected_version=None)
    assert saved.version == 1 and store.meeting_place(CAFE.id) == saved
    edited = store.save_meeting_place(
        MeetingPlace(**{**saved.__dict__, "opening_hours": "Tu 17:00-20:00"}), expected_version=1
    )
    assert edited.version == 2 and store.meeting_place(CAFE.id).opening_hours == "Tu 17:00-20:00"
    with pytest.raises(StaleEdit):  # someone else's edit from version 1 would undo this one
        store.save_meeting_place(saved, expected_version=1)
    store.save_meeting_place(MeetingPlace(**{**edited.__dict__, "active": False}), expected_version=2)
    assert store.meeting_places() == [] and len(store.meeting_places(include_retired=True)) == 1


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "shp"])
def test_issue_19_the_structured_fields_round_trip_a_file(store: Store, target: Store, fmt: str) -> None:
    store.add_meeting_places([CAFE])
    exported = export_layer(store, Role.ADMIN, "meeting_places", fmt)
    import_layer(target, Role.ADMIN, ImportSource(exported.name, exported.data), "meeting_places")
    (back,) = target.meeting_places()
    assert {**back.__dict__, "id": "", "lon": 0, "lat": 0} == {**CAFE.__dict__, "id": "", "lon": 0, "lat": 0}
    assert (back.lon, back.lat) == pytest.approx((CAFE.lon, CAFE.lat))


def test_issue_19_an_osm_extract_imports_with_its_tags(store: Store) -> None:
    osm = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "name": "Läxhjälpen",
                    "opening_hours": "Mo-Th 15:00-17:00; PH off",
                    "wheelchair": "limited",
                    "fee": "no",
                    "description": "Hjälp med läxorna",
                    "description:ar": "مساعدة في الواجبات",
                },
                "geometry": {"type": "Point", "coordinates": [13.6, 56.46]},
            }
        ],
    }
    import_layer(store, Role.ADMIN, ImportSource("osm.geojson", json.dumps(osm).encode()), "meeting_places")
    (place,) = store.meeting_places()
    assert (place.opening_hours, place.wheelchair, place.fee) == ("Mo-Th 15:00-17:00; PH off", "limited", "no")
    assert place.descriptions == {"ar": "مساعدة في الواجبات"}


def test_issue_19_an_import_with_bad_hours_or_languages_says_which_and_writes_nothing(store: Store) -> None:
    rows = "name;opening_hours;languages;wheelchair\r\nCafé;Mån–tors 10–19;sv, xx;kanske\r\n"
    source = ImportSource("places.csv", ("x;y;" + rows.replace("\r\nCafé", "\r\n13.6;56.46;Café")).encode())
    with pytest.raises(ImportRefused) as refused:
        import_layer(store, Role.ADMIN, source, "meeting_places", crs="EPSG:4326")
    text = refused.value.text("en")
    assert "the error starts at “Mån–tors” (character 1)" in text
    assert "“xx” is not a language code" in text and "“kanske”" in text
    assert store.meeting_places() == []


def test_issue_19_public_files_never_carry_the_staff_note(store: Store) -> None:
    store.add_meeting_places([CAFE])
    for fmt in ("geojson", "csv"):
        public = export_layer(store, Role.PUBLIC, "meeting_places", fmt).data.decode()
        assert "staff_note" not in public and "privat nummer" not in public
        assert "تدرّب على السويدية" in public  # the public descriptions are there
    staff = export_layer(store, Role.TEAM, "meeting_places", "geojson").data.decode()
    assert "privat nummer" in staff
