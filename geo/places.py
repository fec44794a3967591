"""Places the app knows, for "find a place" on Rapportera: no outside geocoder.

`known_places` gathers, in one list sorted by name: the gazetteer (village and place
names, streets and addresses that an admin imports as the ``place_names`` layer, or the
demo's), the meeting places and the zones. Every place is one point in EPSG:4326 (a
zone's is a point inside it, `shapely.Geometry.representative_point`), with a kind so
the list can say what each is. `find_places` matches a typed text against the names,
forgiving case, accents and extra spaces.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import shapely

from geo.store import Store


@dataclass(frozen=True)
class Place:
    """A named point: ``lon``/``lat`` in EPSG:4326 degrees; ``kind`` is a catalogue suffix
    (``place_kind.<kind>``): a gazetteer kind (``ort``, ``gata``, ``adress``, ``plats``),
    ``meeting_place`` or ``zone``."""

    name: str
    kind: str
    lon: float
    lat: float
    detail: str = ""
    """What tells two places of one name apart (a meeting place's address, a street's locality)."""


def known_places(store: Store) -> list[Place]:
    """Every named place of the gazetteer, the meeting places and the zones, by name."""
    places = [Place(p.name, str(p.kind), p.lon, p.lat, p.detail) for p in store.place_names()]
    places += [Place(m.name, "meeting_place", m.lon, m.lat, m.address) for m in store.meeting_places()]
    for zone in store.zones():
        point = shapely.from_wkt(zone.geometry_wkt).representative_point()
        places.append(Place(zone.name, "zone", point.x, point.y))
    return sorted(places, key=lambda p: (_fold(p.name), p.kind, p.detail))


def find_places(places: list[Place], text: str, *, limit: int = 20) -> list[Place]:
    """The places whose name (or detail) holds every word of ``text``; names that begin
    with it first. Case, accents and spacing are forgiven; an empty text finds nothing."""
    words = _fold(text).split()
    if not words:
        return []
    found = [p for p in places if all(w in _fold(f"{p.name} {p.detail}") for w in words)]
    found.sort(key=lambda p: (not _fold(p.name).startswith(words[0]), _fold(p.name)))
    return found[:limit]


def _fold(text: str) -> str:
    """Lower case without accents (``Strömsnäsbruk`` → ``stromsnasbruk``), spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())
