"""The places Rapportera's search knows: the gazetteer an admin imports, meeting places, zones."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from geo.io import ImportSource, export_layer, import_layer
from geo.model import PlaceKind, PlaceName, Role
from geo.places import Place, find_places, known_places
from geo.store import Store

GAZETTEER = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"namn": "Timsfors", "typ": "ort"},
            "geometry": {"type": "Point", "coordinates": [13.609, 56.484]},
        },
        {
            "type": "Feature",
            "properties": {"namn": "Storgatan", "typ": "gata", "postort": "Markaryd"},
            "geometry": {"type": "Point", "coordinates": [13.5972, 56.4611]},
        },
        {
            "type": "Feature",
            "properties": {"namn": "Storgatan 16", "typ": "Adress", "postort": "Markaryd"},
            "geometry": {"type": "Point", "coordinates": [13.5975, 56.4613]},
        },
    ],
}


def test_issue_14_an_admin_imports_a_gazetteer_that_the_search_then_finds(filled_store: Store) -> None:
    source = ImportSource("gatunamn.geojson", json.dumps(GAZETTEER).encode())
    result = import_layer(filled_store, Role.ADMIN, source, "place_names")
    assert result.written and result.count == 3
    stored = {(p.name, p.kind, p.detail) for p in filled_store.place_names()}
    assert stored >= {
        ("Timsfors", PlaceKind.LOCALITY, ""),
        ("Storgatan", PlaceKind.STREET, "Markaryd"),
        ("Storgatan 16", PlaceKind.ADDRESS, "Markaryd"),
    }
    places = known_places(filled_store)
    assert {(p.name, p.kind) for p in places} >= {("Biblioteket", "meeting_place"), ("Centrum", "zone")}
    found = find_places(places, "storgatan markaryd")
    assert [(p.name, p.kind, p.detail) for p in found] == [
        ("Storgatan", "gata", "Markaryd"),
        ("Storgatan 16", "adress", "Markaryd"),
    ]
    assert find_places(places, "  TIMSFORS ") == [Place("Timsfors", "ort", 13.609, 56.484)]
    exported = json.loads(export_layer(filled_store, Role.PUBLIC, "place_names", "geojson").data)
    assert len(exported["features"]) == 5  # and the two the test municipality had


def test_a_zone_is_found_at_a_point_inside_it(filled_store: Store) -> None:
    zone = next(p for p in known_places(filled_store) if p.name == "Stationen")
    assert 13.7 < zone.lon < 13.73 and 56.54 < zone.lat < 56.56


def test_accents_and_case_are_forgiven() -> None:
    places = [Place("Strömsnäsbruk", "ort", 13.72, 56.55), Place("Markaryd", "ort", 13.6, 56.46)]
    assert [p.name for p in find_places(places, "stromsnas")] == ["Strömsnäsbruk"]
    assert find_places(places, "") == []


@given(text=st.text(max_size=60))
def test_any_search_text_finds_names_or_nothing_without_error(text: str) -> None:
    places = [Place("Strömsnäsbruk", "ort", 13.72, 56.55), Place("Storgatan 16", "adress", 13.6, 56.46, "Markaryd")]
    found = find_places(places, text)
    assert all(isinstance(p, Place) for p in found) and len(found) <= 2


def test_store_round_trips_gazetteer_entries(store: Store) -> None:
    store.add_place_names([PlaceName("Hinneryd", PlaceKind.LOCALITY, 13.623, 56.637)])
    assert [(p.name, p.kind, p.lon, p.lat) for p in store.place_names()] == [
        ("Hinneryd", PlaceKind.LOCALITY, 13.623, 56.637)
    ]
