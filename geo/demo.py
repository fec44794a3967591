"""Demo data for Markaryds kommun (Kronobergs län), made by the project.

Everything here is ILLUSTRATIVE. None of it is a real report, and none of it was
fetched from anywhere: the municipal boundary, the town centres, the hotspots and
the roads are approximate coordinates typed by hand from general knowledge of the
area; the meeting places, addresses, opening hours, zones and promise texts are
plausible inventions written for the demo (a real church or library may stand
somewhere else and keep other hours). The safety reports come from a deterministic
random generator (`generate_reports`), so the same seed and ``now`` always give the
same rows; their free texts are written for the demo and contain no personal data.
`seed_demo` places the demo's two years before the day it is seeded (`demo_now`), so
that "the last 90 days" (Open311's default window, the nearby reports on Rapportera)
always holds reports; the same seed on the same day gives the same data.

Coordinates are WGS84 (EPSG:4326) longitude/latitude in degrees everywhere in this
module's interface. Where metres are needed (spreading points around a centre,
walking along a road, sizing a zone) the work is done in SWEREF 99 TM (EPSG:3006)
and transformed back.

``python -m geo seed-demo`` calls `seed_demo`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from geo.categories import DEFAULT_CATEGORIES
from geo.config import TIME_ZONE
from geo.crs import to_sweref99tm, to_wgs84
from geo.model import (
    Feeling,
    MeetingPlace,
    MeetingPlaceKind,
    Moderation,
    PlaceKind,
    PlaceName,
    Source,
    Status,
    TimeOfDay,
    Zone,
    ZoneKind,
)

if TYPE_CHECKING:
    from geo.store import Store

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MUNICIPALITY_NAME = "Markaryds kommun"
DEFAULT_SEED = 20261123
DEFAULT_NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
"""The fixed "now" of `generate_reports` when none is given (tests of the generator)."""
LOCAL_TZ = TIME_ZONE

DEMO_TEXTS: Mapping[str, Mapping[str, str]] = {
    "open311_contact": {
        "sv": "Markaryds kommun, trygghetsgruppen, via kontaktcenter (kommunens växel)",
        "en": "Markaryd municipality, the safety team, through the contact centre (the municipal switchboard)",
        "ar": "بلدية ماركاريد، فريق الأمان، عبر مركز الاتصال (مقسم البلدية)",
    },
    "privacy_contact": {
        "sv": "Markaryds kommun, dataskyddsombudet, via kontaktcenter (kommunens växel)",
        "en": "Markaryd municipality, the data protection officer, through the contact centre",
        "ar": "بلدية ماركاريد، مسؤول حماية البيانات، عبر مركز الاتصال",
    },
    "accessibility_contact": {
        "sv": "Markaryds kommun, kontaktcenter (kommunens växel)",
        "en": "Markaryd municipality, the contact centre (the municipal switchboard)",
        "ar": "بلدية ماركاريد، مركز الاتصال (مقسم البلدية)",
    },
}
"""The demo municipality's contacts (`geo.municipality.TEXT_KEYS`; invented like the rest of the
demo, no real address). Its title is the app's own name (the catalogue's)."""

_ID_NAMESPACE = uuid.UUID("6f1f8e2a-4c1b-5d7e-9a43-2b0c7e5d9f10")
"""Namespace of the demo's stable ids (uuid5 of the name), so reseeding keeps ids."""


# -- geography (hand-typed, approximate) -------------------------------------

# Approximate outline of Markaryds kommun, counter-clockwise from the south-west
# corner at the borders of Halland and Skåne, as (lon, lat) in EPSG:4326. Typed by
# hand: it encloses about 546 km² (the real kommun is about 533 km²) and runs
# along Halland (Laholm, Halmstad, Hylte) in the west, Ljungby in the north and
# east, Älmhult in the south-east and Skåne (Osby, Östra Göinge, Hässleholm,
# Örkelljunga) in the south. Illustrative only: not a surveyed border.
_BOUNDARY_LON_LAT: tuple[tuple[float, float], ...] = (
    (13.464, 56.441),
    (13.491, 56.436),
    (13.518, 56.433),
    (13.542, 56.428),
    (13.566, 56.430),
    (13.588, 56.424),
    (13.609, 56.419),
    (13.633, 56.412),
    (13.657, 56.409),
    (13.684, 56.414),
    (13.711, 56.423),
    (13.736, 56.434),
    (13.758, 56.448),
    (13.776, 56.465),
    (13.797, 56.481),
    (13.819, 56.496),
    (13.835, 56.511),
    (13.853, 56.527),
    (13.867, 56.545),
    (13.873, 56.564),
    (13.860, 56.583),
    (13.840, 56.601),
    (13.819, 56.617),
    (13.799, 56.634),
    (13.775, 56.648),
    (13.752, 56.658),
    (13.731, 56.669),
    (13.707, 56.678),
    (13.684, 56.675),
    (13.662, 56.681),
    (13.639, 56.687),
    (13.615, 56.682),
    (13.593, 56.670),
    (13.573, 56.655),
    (13.554, 56.642),
    (13.536, 56.627),
    (13.526, 56.609),
    (13.511, 56.594),
    (13.501, 56.579),
    (13.487, 56.565),
    (13.482, 56.549),
    (13.468, 56.535),
    (13.458, 56.519),
    (13.467, 56.504),
    (13.453, 56.489),
    (13.442, 56.474),
    (13.447, 56.457),
)


@functools.cache
def markaryd_boundary() -> shapely.Polygon:
    """An approximate, hand-typed boundary of Markaryds kommun: a valid Polygon in
    WGS84 (EPSG:4326) lon/lat degrees, 47 vertices. Illustrative, not surveyed.
    """
    polygon = shapely.Polygon(_BOUNDARY_LON_LAT)
    shapely.prepare(polygon)
    return polygon


@dataclass(frozen=True)
class Town:
    """A locality of the kommun. ``lon``/``lat``: centre in WGS84 (EPSG:4326).

    ``weight`` is the town's relative share of the demo's reports (about its
    inhabitants in thousands); ``radius_m`` is how far reports spread around the
    centre (one standard deviation, metres in SWEREF 99 TM).
    """

    name: str
    lon: float
    lat: float
    population: int
    weight: float
    radius_m: float


TOWNS: tuple[Town, ...] = (
    Town("Markaryd", 13.5965, 56.4610, population=4_000, weight=4.0, radius_m=650.0),
    Town("Strömsnäsbruk", 13.7210, 56.5520, population=2_000, weight=2.0, radius_m=480.0),
    Town("Timsfors", 13.6090, 56.4840, population=800, weight=0.8, radius_m=320.0),
    Town("Traryd", 13.7430, 56.5800, population=600, weight=0.6, radius_m=300.0),
    Town("Hinneryd", 13.6230, 56.6370, population=150, weight=0.15, radius_m=220.0),
)
"""The towns of the demo, largest first (approximate centres and inhabitants)."""


@dataclass(frozen=True)
class Hotspot:
    """A place where reports cluster, with its own mix of categories.

    ``lon``/``lat`` in WGS84 (EPSG:4326); ``radius_m`` in metres (SWEREF 99 TM);
    ``weight`` is its share of all reports in per cent; ``categories`` maps a
    category code to a relative weight.
    """

    name: str
    town: str
    lon: float
    lat: float
    radius_m: float
    weight: float
    categories: Mapping[str, float]


HOTSPOTS: tuple[Hotspot, ...] = (
    Hotspot(
        "Resecentrum och stationen",
        "Markaryd",
        13.5925,
        56.4590,
        110.0,
        4.5,
        {
            "odsligt": 14,
            "berusade_droger": 18,
            "stokigt_beteende": 16,
            "klotter_skadegorelse": 12,
            "dalig_belysning": 10,
            "nedskrapning": 8,
            "daligt_underhall": 4,
            "trafik": 4,
            "buskage_skymd_sikt": 3,
            "annat": 3,
            "gangtunnel_passage": 2,
            "folk_i_rorelse": 3,
            "bra_belysning": 2,
            "vuxennarvaro": 1,
        },
    ),
    Hotspot(
        "Torget",
        "Markaryd",
        13.5968,
        56.4612,
        90.0,
        3.5,
        {
            "stokigt_beteende": 20,
            "berusade_droger": 15,
            "nedskrapning": 12,
            "trafik": 8,
            "klotter_skadegorelse": 6,
            "dalig_belysning": 4,
            "odsligt": 4,
            "annat": 3,
            "folk_i_rorelse": 16,
            "bra_belysning": 6,
            "vuxennarvaro": 5,
            "annat_tryggt": 1,
        },
    ),
    Hotspot(
        "Stadsparken",
        "Markaryd",
        13.6005,
        56.4628,
        140.0,
        3.0,
        {
            "buskage_skymd_sikt": 22,
            "dalig_belysning": 22,
            "berusade_droger": 12,
            "nedskrapning": 10,
            "odsligt": 10,
            "stokigt_beteende": 6,
            "klotter_skadegorelse": 5,
            "daligt_underhall": 4,
            "annat": 2,
            "folk_i_rorelse": 3,
            "bra_belysning": 2,
            "vuxennarvaro": 2,
        },
    ),
    Hotspot(
        "Gångtunneln under järnvägen",
        "Markaryd",
        13.5905,
        56.4570,
        55.0,
        2.0,
        {
            "gangtunnel_passage": 40,
            "klotter_skadegorelse": 18,
            "dalig_belysning": 18,
            "odsligt": 8,
            "daligt_underhall": 8,
            "nedskrapning": 4,
            "annat": 2,
        },
    ),
    Hotspot(
        "Skateparken vid idrottsplatsen",
        "Markaryd",
        13.6045,
        56.4565,
        75.0,
        2.0,
        {
            "stokigt_beteende": 22,
            "nedskrapning": 18,
            "klotter_skadegorelse": 16,
            "berusade_droger": 8,
            "dalig_belysning": 6,
            "vuxennarvaro": 12,
            "folk_i_rorelse": 10,
            "bra_belysning": 3,
        },
    ),
    Hotspot(
        "Strömsnäsbruk centrum",
        "Strömsnäsbruk",
        13.7215,
        56.5515,
        110.0,
        3.0,
        {
            "stokigt_beteende": 18,
            "odsligt": 16,
            "berusade_droger": 14,
            "klotter_skadegorelse": 8,
            "nedskrapning": 8,
            "dalig_belysning": 8,
            "daligt_underhall": 8,
            "trafik": 4,
            "folk_i_rorelse": 5,
            "vuxennarvaro": 3,
        },
    ),
    Hotspot(
        "Gångvägen längs Lagan",
        "Strömsnäsbruk",
        13.7170,
        56.5550,
        150.0,
        2.0,
        {
            "dalig_belysning": 28,
            "buskage_skymd_sikt": 25,
            "odsligt": 18,
            "daligt_underhall": 8,
            "nedskrapning": 4,
            "bra_belysning": 2,
            "folk_i_rorelse": 2,
        },
    ),
    Hotspot(
        "Gångtunneln vid bruket",
        "Timsfors",
        13.6110,
        56.4830,
        60.0,
        1.5,
        {
            "gangtunnel_passage": 35,
            "dalig_belysning": 20,
            "daligt_underhall": 15,
            "klotter_skadegorelse": 12,
            "odsligt": 10,
        },
    ),
    Hotspot(
        "Skolvägen och genomfarten",
        "Traryd",
        13.7455,
        56.5790,
        120.0,
        1.5,
        {
            "trafik": 55,
            "dalig_belysning": 10,
            "daligt_underhall": 10,
            "vuxennarvaro": 8,
            "bra_belysning": 5,
        },
    ),
)
"""Illustrative hotspots: places in the towns where certain categories dominate."""

ROADS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    (
        "E4",
        (
            (13.535, 56.433),
            (13.575, 56.450),
            (13.588, 56.468),
            (13.625, 56.495),
            (13.665, 56.520),
            (13.700, 56.543),
            (13.728, 56.575),
            (13.752, 56.610),
            (13.778, 56.638),
        ),
    ),
    (
        "Markaryd–Timsfors–Strömsnäsbruk–Traryd",
        (
            (13.5965, 56.4610),
            (13.6090, 56.4840),
            (13.6350, 56.5020),
            (13.6700, 56.5260),
            (13.7210, 56.5520),
            (13.7430, 56.5800),
        ),
    ),
    ("Traryd–Hinneryd", ((13.7430, 56.5800), (13.7100, 56.6000), (13.6700, 56.6200), (13.6230, 56.6370))),
    ("Markaryd–Halland (längs Lagan)", ((13.5965, 56.4610), (13.5500, 56.4680), (13.5000, 56.4760))),
    ("Markaryd–Skåne", ((13.5965, 56.4610), (13.6300, 56.4450), (13.6700, 56.4300))),
)
"""Main roads as polylines of (lon, lat) in WGS84 (EPSG:4326), approximate."""

TOWN_SHARE = 0.70
"""Share of the demo's reports spread around the town centres."""
ROAD_SHARE = 0.07
"""Share of the demo's reports along the main roads between the towns."""


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(parts)))


# -- meeting places -----------------------------------------------------------

_ACCESSIBLE = "Entré utan trappsteg, hörslinga och tillgänglig toalett."
_COMMUNE_CONTACT = "Markaryds kommun, kontaktcenter (kommunens växel)"


def demo_meeting_places() -> list[MeetingPlace]:
    """Illustrative mötesplatser in the towns of the kommun. ``lon``/``lat`` are
    WGS84 (EPSG:4326). Names follow the kind of place a kommun lists; addresses,
    hours and details are plausible inventions, not a directory.
    """
    L = MeetingPlaceKind
    rows: list[tuple[str, MeetingPlaceKind, float, float, str, str, tuple[str, ...], str, str, str]] = [
        (
            "Markaryds bibliotek",
            L.LIBRARY,
            13.5958,
            56.4618,
            "Storgatan 16, 285 31 Markaryd",
            "Mo-Th 10:00-19:00; Fr 10:00-16:00; Sa 10:00-13:00; PH off",
            ("sv", "en", "ar"),
            _ACCESSIBLE,
            "Biblioteket, via kommunens växel",
            "Lån av böcker på många språk, datorer, wifi och tidningar. Personalen hjälper till med "
            "e-tjänster och blanketter.",
        ),
        (
            "Språkcafé på Markaryds bibliotek",
            L.LANGUAGE_CAFE,
            13.5960,
            56.4619,
            "Storgatan 16, 285 31 Markaryd",
            "Tu 17:00-19:00; Jul off; PH off",
            ("sv", "ar", "ti", "so", "fa", "uk", "en"),
            _ACCESSIBLE,
            "Biblioteket, via kommunens växel",
            "Öva svenska över en kopp kaffe tillsammans med volontärer. Alla nivåer är välkomna och det "
            "kostar ingenting.",
        ),
        (
            "Fritidsgården i Markaryd",
            L.YOUTH_CENTRE,
            13.5940,
            56.4632,
            "Skolgatan 4, 285 32 Markaryd",
            "Mo-Th 15:00-21:00; Fr 15:00-23:00; PH off",
            ("sv", "ar", "ti", "so", "en"),
            "Entré i markplan. Tillgänglig toalett finns.",
            "Fritidsgården, via kommunens växel",
            "Mötesplats för unga med pingis, spel, musikrum och läxhjälp. Vuxna fritidsledare finns alltid på plats.",
        ),
        (
            "Markaryds kyrka",
            L.CHURCH,
            13.5990,
            56.4640,
            "Kyrkvägen 2, 285 31 Markaryd",
            "Mo-Fr 09:00-15:00; Su 10:30-12:30",
            ("sv", "en"),
            "Ramp vid sidoingången. Hörslinga i kyrkorummet.",
            "Svenska kyrkan i Markaryd, pastorsexpeditionen",
            "Kyrkan är öppen för den som vill sitta i stillhet. Kyrkans café på torsdagar är öppet för alla.",
        ),
        (
            "Idrottsplatsen i Markaryd",
            L.SPORTS,
            13.6055,
            56.4555,
            "Idrottsvägen 1, 285 33 Markaryd",
            "Mo-Su 07:00-22:00",
            ("sv", "en"),
            "Grusade gångar fram till läktaren. Tillgänglig toalett i omklädningsbyggnaden.",
            "Markaryds IF, via föreningens kansli",
            "Fotboll, friidrott och löparspår. Föreningen har prova-på-träningar för nyanlända barn och unga.",
        ),
        (
            "Sporthallen i Markaryd",
            L.SPORTS,
            13.6030,
            56.4575,
            "Idrottsvägen 3, 285 33 Markaryd",
            "Mo-Fr 16:00-22:00; Sa,Su 09:00-18:00; PH off",
            ("sv",),
            "Hiss till läktaren. Tillgängliga omklädningsrum.",
            _COMMUNE_CONTACT,
            "Hall för innebandy, handboll och gymnastik. Öppen idrott för unga fredagskvällar.",
        ),
        (
            "Röda Korsets second hand och mötesplats",
            L.OTHER,
            13.5975,
            56.4600,
            "Storgatan 9, 285 31 Markaryd",
            "Tu-Fr 11:00-17:00; Sa 10:00-14:00; PH off",
            ("sv", "ar", "en"),
            "En tröskel vid entrén, personalen hjälper gärna till.",
            "Röda Korsets lokalförening i Markaryd",
            "Second hand-butik med café. Här kan du träffa andra, få hjälp med frågor och bli volontär.",
        ),
        (
            "Lärcentrum Markaryd (SFI och vuxenutbildning)",
            L.OTHER,
            13.5950,
            56.4598,
            "Järnvägsgatan 5, 285 31 Markaryd",
            "Mo-Fr 08:00-16:00; PH off",
            ("sv", "ar", "ti", "so", "fa", "uk", "en"),
            _ACCESSIBLE,
            "Lärcentrum, via kommunens växel",
            "Svenska för invandrare, studie- och yrkesvägledning och en öppen studiehall med datorer.",
        ),
        (
            "Markaryds hembygdsförening, hembygdsgården",
            L.ASSOCIATION,
            13.5880,
            56.4665,
            "Hembygdsvägen 7, 285 34 Markaryd",
            "May-Sep Su 13:00-16:00",
            ("sv",),
            "Grusad gård och trappsteg in till stugorna.",
            "Föreningens styrelse, via kommunens föreningsregister",
            "Gamla byggnader, sommarcafé och berättarkvällar om bygdens historia. Alla är välkomna.",
        ),
        (
            "Kulturföreningen i Markaryd",
            L.ASSOCIATION,
            13.5985,
            56.4622,
            "Torggatan 3, 285 31 Markaryd",
            "We 18:00-21:00; PH off",
            ("sv", "en", "ar"),
            "Lokalen ligger i markplan.",
            "Föreningens styrelse, via kommunens föreningsregister",
            "Konserter, film och skapande verkstad. Föreningen välkomnar nya medlemmar och idéer.",
        ),
        (
            "Internationella kvinnocaféet",
            L.LANGUAGE_CAFE,
            13.5945,
            56.4605,
            "Järnvägsgatan 5, 285 31 Markaryd (Lärcentrums café)",
            "Th 13:00-15:00; PH off",
            ("sv", "ar", "ti", "so", "fa", "uk"),
            _ACCESSIBLE,
            "Lärcentrum, via kommunens växel",
            "Träffpunkt för kvinnor att prata, fika och öva svenska. Barn är välkomna.",
        ),
        (
            "Strömsnäsbruks bibliotek",
            L.LIBRARY,
            13.7205,
            56.5520,
            "Storgatan 21, 287 32 Strömsnäsbruk",
            "Mo 13:00-19:00; We 10:00-17:00; Fr 10:00-14:00; PH off",
            ("sv", "en", "ar"),
            _ACCESSIBLE,
            "Biblioteket, via kommunens växel",
            "Filialbibliotek med böcker, datorer och läxhjälp för skolbarn på onsdagar.",
        ),
        (
            "Fritidsgården i Strömsnäsbruk",
            L.YOUTH_CENTRE,
            13.7230,
            56.5505,
            "Skolvägen 2, 287 33 Strömsnäsbruk",
            "Tu-Th 15:00-21:00; Fr 15:00-23:00; PH off",
            ("sv", "ar", "so", "en"),
            "Entré i markplan.",
            "Fritidsgården, via kommunens växel",
            "Spel, musik, matlagning och utflykter. Fritidsledarna är också ute på byn på fredagskvällar.",
        ),
        (
            "Läxhjälp på Strömsnäsbruks bibliotek",
            L.HOMEWORK_HELP,
            13.7207,
            56.5522,
            "Storgatan 21, 287 32 Strömsnäsbruk",
            "We 15:00-17:00; Jun-Aug off; PH off",
            ("sv", "ar", "so", "en"),
            _ACCESSIBLE,
            "Biblioteket, via kommunens växel",
            "Volontärer hjälper skolbarn med läxorna. Kom som du är, ingen anmälan behövs.",
        ),
        (
            "Strömsnäsbruks IF, idrottsplatsen",
            L.SPORTS,
            13.7260,
            56.5540,
            "Idrottsvägen 10, 287 34 Strömsnäsbruk",
            "Apr-Oct Mo-Fr 17:30-20:30",
            ("sv", "en"),
            "Asfalterad väg fram till klubbstugan.",
            "Strömsnäsbruks IF, via föreningens kansli",
            "Fotboll för barn, unga och vuxna. Ingen anmälan behövs för att prova på.",
        ),
        (
            "Strömsnäs kyrka",
            L.CHURCH,
            13.7190,
            56.5535,
            "Kyrkvägen 1, 287 32 Strömsnäsbruk",
            "We 14:00-16:00; PH off",
            ("sv",),
            "Ramp vid huvudingången.",
            "Svenska kyrkan, pastorsexpeditionen",
            "Onsdagscafé, babyrytmik och samtal med präst eller diakon för den som behöver.",
        ),
        (
            "Timsfors byalag, Folkets hus",
            L.ASSOCIATION,
            13.6085,
            56.4845,
            "Brukvägen 6, 285 40 Timsfors",
            "Mo[1] 18:00-20:00",
            ("sv",),
            "Två trappsteg vid entrén, ramp finns på baksidan.",
            "Byalaget, via kommunens föreningsregister",
            "Byalaget ordnar loppis, trygghetsvandringar och gemensamma städdagar i Timsfors.",
        ),
        (
            "Traryds kyrka",
            L.CHURCH,
            13.7445,
            56.5810,
            "Kyrkbacken 1, 287 31 Traryd",
            "Jun-Aug 10:00-16:00",
            ("sv",),
            "Grusad väg och ett trappsteg vid porten.",
            "Svenska kyrkan, pastorsexpeditionen",
            "Medeltida kyrka. Sommarkonserter och öppen kyrka juni–augusti.",
        ),
        (
            "Traryds bygdegård",
            L.ASSOCIATION,
            13.7420,
            56.5795,
            "Bygdegårdsvägen 3, 287 31 Traryd",
            'Mo-Su unknown "vid aktiviteter, se anslagstavlan"',
            ("sv", "en"),
            "Entré i markplan och tillgänglig toalett.",
            "Bygdegårdsföreningen, via kommunens föreningsregister",
            "Samlingslokal för fester, studiecirklar och föreningsmöten. Kan hyras av privatpersoner.",
        ),
        (
            "Hinneryds kyrka",
            L.CHURCH,
            13.6235,
            56.6375,
            "Hinneryd 101, 287 91 Strömsnäsbruk",
            "Su[1] 10:00-12:00",
            ("sv",),
            "Grusad kyrkogårdsgång, trappsteg vid entrén.",
            "Svenska kyrkan, pastorsexpeditionen",
            "Landsortskyrka som också används för konserter och byträffar.",
        ),
    ]
    return [
        MeetingPlace(
            name=name,
            kind=kind,
            lon=lon,
            lat=lat,
            address=address,
            opening_hours=hours,
            languages=languages,
            accessibility=accessibility,
            contact=contact,
            description=description,
            id=_stable_id("meeting_place", name),
            **_PLACE_DETAILS.get(name, {}),
        )
        for name, kind, lon, lat, address, hours, languages, accessibility, contact, description in rows
    ]


_FREE_ACCESSIBLE: dict[str, Any] = {"fee": "no", "wheelchair": "yes"}
_PLACE_DETAILS: dict[str, dict[str, Any]] = {
    "Markaryds bibliotek": {
        **_FREE_ACCESSIBLE,
        "audience": ("alla",),
        "descriptions": {
            "en": "Books in many languages, computers, wifi and newspapers. The staff help with e-services and forms.",
            "ar": "كتب بلغات كثيرة وحواسيب وإنترنت لاسلكي وصحف. يساعدك الموظفون في الخدمات الإلكترونية والاستمارات.",
        },
    },
    "Språkcafé på Markaryds bibliotek": {
        **_FREE_ACCESSIBLE,
        "audience": ("nyanlanda", "alla"),
        "descriptions": {
            "en": "Practise Swedish over a cup of coffee with volunteers. All levels are welcome and it is free.",
            "ar": "تدرّب على اللغة السويدية مع فنجان قهوة بصحبة متطوعين. جميع المستويات مرحّب بها والمشاركة مجانية.",
        },
        "staff_note": "Volontärsansvarig: ring bibliotekets personalrum, inte publikt nummer.",
    },
    "Fritidsgården i Markaryd": {
        **_FREE_ACCESSIBLE,
        "audience": ("unga",),
        "descriptions": {
            "en": "A meeting place for young people aged 13–17: table tennis, games, music and homework help."
        },
    },
    "Internationella kvinnocaféet": {
        **_FREE_ACCESSIBLE,
        "audience": ("kvinnor", "nyanlanda"),
        "descriptions": {"ar": "مكان لقاء للنساء للحديث وشرب القهوة وممارسة اللغة السويدية. الأطفال مرحّب بهم."},
    },
    "Lärcentrum Markaryd (SFI och vuxenutbildning)": {"fee": "no", "wheelchair": "yes", "audience": ("nyanlanda",)},
    "Röda Korsets second hand och mötesplats": {"fee": "no", "wheelchair": "limited", "audience": ("alla",)},
    "Kulturföreningen i Markaryd": {"wheelchair": "yes", "fee": "yes", "audience": ("alla",)},
    "Sporthallen i Markaryd": {"wheelchair": "yes", "fee": "yes", "audience": ("unga", "familjer")},
    "Markaryds kyrka": {"fee": "no", "wheelchair": "limited", "audience": ("alla", "seniorer")},
    "Strömsnäsbruks bibliotek": {**_FREE_ACCESSIBLE, "audience": ("alla", "familjer")},
    "Fritidsgården i Strömsnäsbruk": {"fee": "no", "wheelchair": "yes", "audience": ("unga",)},
    "Strömsnäs kyrka": {"fee": "no", "wheelchair": "yes", "audience": ("familjer", "seniorer")},
    "Markaryds hembygdsförening, hembygdsgården": {"fee": "no", "wheelchair": "no", "audience": ("alla", "seniorer")},
    "Läxhjälp på Strömsnäsbruks bibliotek": {
        **_FREE_ACCESSIBLE,
        "audience": ("unga", "familjer"),
        "descriptions": {
            "en": "Volunteers help school children with homework. Just come, no need to sign up.",
            "ar": "يساعد متطوعون تلاميذ المدارس في واجباتهم. تعال فقط، لا حاجة إلى التسجيل.",
        },
    },
}
"""The structured fields of the demo's places (issue #19): who a place is for, whether it is free
and wheelchair accessible (OSM's ``fee`` and ``wheelchair``), descriptions in English and Arabic."""


# -- zones ----------------------------------------------------------------------

_POLICE_CONTACT = "Kommunpolisen i Markaryd, Polisområde Kronoberg (polisens nummer 114 14)"


def _blob_wkt(lon: float, lat: float, radii_m: Sequence[float], rotation_deg: float = 0.0) -> str:
    """An irregular polygon around (lon, lat) in WGS84 (EPSG:4326): one vertex per
    radius, evenly spaced in angle, the radii in metres measured in SWEREF 99 TM
    (EPSG:3006). Returns WKT in EPSG:4326, rounded to 6 decimals (about 0.1 m).
    """
    cx, cy = to_sweref99tm().transform(lon, lat)
    angles = np.deg2rad(rotation_deg + np.arange(len(radii_m)) * 360.0 / len(radii_m))
    radii = np.asarray(radii_m, dtype=np.float64)
    xs, ys = to_wgs84().transform(cx + radii * np.cos(angles), cy + radii * np.sin(angles))
    ring = np.round(np.column_stack([xs, ys]), 6)
    polygon = shapely.Polygon(ring)
    if not polygon.is_valid:  # pragma: no cover - the hand-typed radii give simple rings
        raise ValueError(f"zone polygon around {lon}, {lat} is not valid")
    return shapely.to_wkt(polygon, rounding_precision=6)


def _months_before(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` calendar months before ``day``'s month."""
    index = day.year * 12 + (day.month - 1) - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = index // 12, index % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def demo_zones(today: dt.date) -> list[Zone]:
    """Illustrative platssamverkan zones and medborgarlöfte areas, polygons in
    WGS84 (EPSG:4326) a few hundred metres across (sized in SWEREF 99 TM).

    Medborgarlöften start 9 to 13 months (on the first of a month) before
    ``today``: one runs for two years, one for one year, one until further notice.
    """
    centrum_start = _months_before(today, 13)
    centrum_end = _add_months(centrum_start, 24) - dt.timedelta(days=1)
    stromsnas_start = _months_before(today, 11)
    stromsnas_end = _add_months(stromsnas_start, 12) - dt.timedelta(days=1)
    timsfors_start = _months_before(today, 9)

    def period(start: dt.date, end: dt.date | None) -> str:
        if end is None:
            return f"från och med {start.year}"
        return f"under {start.year}" if start.year == end.year else f"under {start.year}–{end.year}"

    zones = [
        Zone(
            name="Markaryds resecentrum och stationsområdet",
            kind=ZoneKind.PLATSSAMVERKAN,
            geometry_wkt=_blob_wkt(13.5925, 56.4590, (260, 220, 190, 210, 280, 240, 200, 230), 10),
            description=(
                "Platssamverkan mellan Markaryds kommun, polisen, Region Kronoberg (kollektivtrafiken), "
                "fastighetsägare och näringsidkare kring resecentrum, pendelparkeringen och gångvägen till "
                "centrum. Parterna träffas varannan månad och går igenom lägesbilden."
            ),
            police_contact=_POLICE_CONTACT,
            start_date=_months_before(today, 20),
        ),
        Zone(
            name="Strömsnäsbruk centrum",
            kind=ZoneKind.PLATSSAMVERKAN,
            geometry_wkt=_blob_wkt(13.7215, 56.5515, (320, 280, 250, 300, 350, 290, 260, 310, 300), 0),
            description=(
                "Platssamverkan i Strömsnäsbruks centrum med kommunen, polisen, bostadsbolaget, butikerna runt "
                "torget och Strömsnäsbruks IF. Fokus på belysning, klotter och en levande mötesplats på kvällarna."
            ),
            police_contact=_POLICE_CONTACT,
            start_date=_months_before(today, 16),
        ),
        Zone(
            name="Idrottsplatsen och skateparken i Markaryd",
            kind=ZoneKind.PLATSSAMVERKAN,
            geometry_wkt=_blob_wkt(13.6045, 56.4562, (200, 170, 150, 180, 220, 190, 160, 180), 20),
            description=(
                "Samverkan mellan kommunen, föreningarna på idrottsplatsen, fritidsgården och polisen för att "
                "skateparken och idrottsplatsen ska vara trygga att vara på, också efter att träningarna slutat."
            ),
            police_contact=_POLICE_CONTACT,
            start_date=_months_before(today, 7),
        ),
        Zone(
            name="Markaryds centrum",
            kind=ZoneKind.MEDBORGARLOFTE,
            geometry_wkt=_blob_wkt(13.5975, 56.4615, (420, 380, 340, 360, 450, 400, 350, 390, 430, 380), 5),
            description="Torget, Storgatan, Stadsparken och gångvägen till resecentrum.",
            promise_text=(
                f"Polisen och Markaryds kommun lovar att {period(centrum_start, centrum_end)} arbeta för att "
                "Markaryds centrum ska kännas tryggare, särskilt på kvällar och helger. Det gör vi genom att:\n"
                "• polisen är synlig i centrum fredag och lördag kväll,\n"
                "• kommunen förbättrar belysningen i Stadsparken och på gångvägen mellan torget och resecentrum,\n"
                "• vi gör minst två trygghetsvandringar per år tillsammans med boende, näringsidkare och "
                "föreningar,\n"
                "• fältassistenter och nattvandrare finns på plats under skollov och helger.\n"
                "Vi följer upp löftet varje halvår och berättar om resultatet på kommunens webbplats."
            ),
            police_contact=_POLICE_CONTACT,
            start_date=centrum_start,
            end_date=centrum_end,
        ),
        Zone(
            name="Strömsnäsbruk, gångvägen längs Lagan och parken",
            kind=ZoneKind.MEDBORGARLOFTE,
            geometry_wkt=_blob_wkt(13.7175, 56.5548, (300, 260, 240, 280, 330, 300, 250, 270), 30),
            description="Gångvägen längs Lagan, parken och vägen mellan skolan och centrum.",
            promise_text=(
                f"Polisen och Markaryds kommun lovar att {period(stromsnas_start, stromsnas_end)} minska "
                "otryggheten längs gångvägen vid Lagan och i parken i Strömsnäsbruk. Kommunen röjer buskage och "
                "byter trasig belysning längs gångvägen, och polisen gör regelbundna kvällspatruller i området. "
                "Tillsammans med föreningarna och fritidsgården ordnar vi aktiviteter för unga på "
                "fredagskvällar. Vi följer upp löftet vid ett öppet möte på biblioteket."
            ),
            police_contact=_POLICE_CONTACT,
            start_date=stromsnas_start,
            end_date=stromsnas_end,
        ),
        Zone(
            name="Timsfors",
            kind=ZoneKind.MEDBORGARLOFTE,
            geometry_wkt=_blob_wkt(13.6095, 56.4840, (380, 330, 300, 340, 400, 360, 310, 350), 15),
            description="Genomfarten, gångtunneln vid bruket och vägen till busshållplatsen.",
            promise_text=(
                f"Polisen och Markaryds kommun lovar att {period(timsfors_start, None)} göra det tryggare att "
                "gå och cykla i Timsfors. Polisen gör hastighetskontroller på genomfarten minst en gång i "
                "månaden. Kommunen ser över belysningen i gångtunneln vid bruket och tar bort klotter inom två "
                "arbetsdagar efter att det anmälts. Vi berättar hur arbetet går på byalagets årsmöte."
            ),
            police_contact=_POLICE_CONTACT,
            start_date=timsfors_start,
            end_date=None,
        ),
    ]
    return [dataclasses.replace(zone, id=_stable_id("zone", zone.name)) for zone in zones]


# -- report texts -------------------------------------------------------------

_TEXTS_SV: dict[str, tuple[str, ...]] = {
    "dalig_belysning": (
        "Gatlampan vid gångvägen har varit trasig i flera veckor.",
        "Kolsvart här efter klockan fyra på vintern.",
        "Ingen belysning på cykelvägen, man ser inte vem som kommer.",
    ),
    "buskage_skymd_sikt": (
        "Buskarna har växt så att man inte ser in på stigen.",
        "Höga häckar vid hållplatsen, någon kan stå gömd bakom.",
        "Snåren längs ån borde klippas ner.",
    ),
    "odsligt": (
        "Här går nästan ingen på kvällen, det känns ensamt.",
        "Tomt och tyst när affärerna har stängt.",
        "Undviker att gå här själv, det finns inga hus i närheten.",
    ),
    "klotter_skadegorelse": (
        "Klotter på väggarna och krossade rutor i busskuret.",
        "Någon har sparkat sönder soptunnorna igen.",
        "Mycket klotter, det ser slitet och otryggt ut.",
    ),
    "nedskrapning": (
        "Mycket skräp och glassplitter på marken.",
        "Fimpar, burkar och pizzakartonger överallt efter helgen.",
        "Papperskorgen är alltid full och skräpet blåser runt.",
    ),
    "trafik": (
        "Bilarna kör alldeles för fort förbi skolan.",
        "Bilarna stannar inte vid övergångsstället.",
        "Ingen gång- och cykelbana, man får gå på vägen.",
    ),
    "berusade_droger": (
        "Det sitter ofta berusade personer här på kvällarna.",
        "Har sett droghandel vid bänkarna flera gånger.",
        "Folk dricker här på helgerna och det blir bråkigt.",
    ),
    "stokigt_beteende": (
        "Ungdomar kör moped på gångvägen och skriker åt folk.",
        "Mycket bråk och höga ljud sent på kvällen.",
        "Gäng samlas här och kastar saker efter dem som går förbi.",
    ),
    "gangtunnel_passage": (
        "Tunneln är mörk och lång, man ser inte ut på andra sidan.",
        "Går hellre över vägen än genom tunneln.",
        "Det droppar vatten och luktar illa i passagen.",
    ),
    "daligt_underhall": (
        "Trasigt staket och stora hål i asfalten.",
        "Bänken är sönder och lampan hänger löst.",
        "Trappan är hal och räcket saknas på ena sidan.",
    ),
    "annat": (
        "Lösa hundar springer här ibland.",
        "Känns otryggt men svårt att säga exakt varför.",
        "Snön plogas sent här, svårt att ta sig fram med rullator.",
    ),
    "bra_belysning": (
        "Ny belysning längs gångvägen, nu känns det mycket bättre.",
        "Ljust och öppet även på kvällen.",
        "Bra lampor vid hållplatsen, man ser vem som kommer.",
        "Belysningen i parken har blivit mycket bättre.",
        "Skönt med ljus hela vägen hem från stationen.",
        "Upplyst cykelväg, här cyklar jag gärna.",
        "Lamporna tänds när det blir mörkt, det känns tryggt.",
    ),
    "folk_i_rorelse": (
        "Alltid folk i rörelse här, känns tryggt.",
        "Många som går ut med hunden på kvällarna.",
        "Affärerna har öppet sent så det är liv och rörelse.",
        "Här känner man igen folk och hälsar på varandra.",
        "Mycket barnfamiljer här på dagarna.",
        "Folk som tränar och joggar här hela tiden.",
        "Mycket folk vid uteserveringen på sommaren.",
        "Bussarna går ofta och det finns folk på hållplatsen.",
    ),
    "vuxennarvaro": (
        "Nattvandrarna är ute på fredagar, det märks.",
        "Personalen från fritidsgården är ute och pratar med ungdomarna.",
        "Föräldrar och tränare finns alltid vid planen.",
        "Skönt att polisen syns här oftare nu.",
        "Vuxna från föreningen håller koll på kvällarna.",
        "Fältassistenterna är här på helgerna.",
        "Det finns alltid vuxna i närheten av skolan.",
        "Personalen i butiken ser vad som händer utanför.",
    ),
    "annat_tryggt": (
        "Fint och välskött, man ser att någon bryr sig.",
        "Öppen plats där man ser långt åt alla håll.",
        "Grannarna håller koll på varandra.",
        "Tryggt att gå här även sent.",
        "Nära till hus och människor om något händer.",
        "Mötesplatsen har öppet på kvällarna, skönt att kunna gå in.",
        "Bra skyltat och lätt att hitta hem.",
    ),
}
"""Swedish free texts per category: written for the demo, no personal data."""

_TEXTS_OTHER: dict[tuple[str, Feeling], tuple[str, ...]] = {
    ("en", Feeling.UNSAFE): (
        "I do not feel safe walking here alone.",
        "I avoid this place after dark.",
        "I feel unsafe here in the evening.",
        "My children are afraid to walk here.",
        "This place needs to be fixed.",
        "I take another way home because of this place.",
    ),
    ("en", Feeling.SAFE): (
        "I feel safe here.",
        "A good place to walk, also in the evening.",
        "My children like to play here.",
        "I feel welcome here.",
    ),
    ("ar", Feeling.UNSAFE): (
        "لا أشعر بالأمان عندما أمشي هنا وحدي.",
        "أتجنّب هذا المكان بعد حلول الظلام.",
        "أشعر بعدم الأمان هنا في المساء.",
        "أطفالي يخافون من المشي هنا.",
        "هذا المكان يحتاج إلى إصلاح.",
        "أسلك طريقاً آخر إلى البيت بسبب هذا المكان.",
    ),
    ("ar", Feeling.SAFE): (
        "أشعر بالأمان هنا.",
        "مكان جيد للمشي، حتى في المساء.",
        "أطفالي يحبّون اللعب هنا.",
        "أشعر بأنني مرحَّب بي هنا.",
    ),
}
"""English and Arabic free texts per feeling (they fit any category of it)."""

# -- distributions ------------------------------------------------------------

_TOWN_MIX: dict[str, float] = {
    "dalig_belysning": 16,
    "buskage_skymd_sikt": 9,
    "odsligt": 9,
    "klotter_skadegorelse": 7,
    "nedskrapning": 7,
    "trafik": 10,
    "berusade_droger": 6,
    "stokigt_beteende": 7,
    "gangtunnel_passage": 3,
    "daligt_underhall": 6,
    "annat": 3,
    "bra_belysning": 6,
    "folk_i_rorelse": 6,
    "vuxennarvaro": 4,
    "annat_tryggt": 1.5,
}
_ROAD_MIX: dict[str, float] = {
    "trafik": 50,
    "dalig_belysning": 15,
    "odsligt": 12,
    "daligt_underhall": 10,
    "nedskrapning": 6,
    "buskage_skymd_sikt": 4,
    "annat": 3,
    "bra_belysning": 2,
}

# Seasonal multipliers per month, January first. More reports of poor lighting in
# the dark months (October–February), of bushes and litter in summer.
_SEASON: dict[str, tuple[float, ...]] = {
    "dalig_belysning": (2.2, 1.9, 1.3, 0.7, 0.4, 0.3, 0.3, 0.5, 1.0, 1.7, 2.3, 2.4),
    "bra_belysning": (1.6, 1.5, 1.2, 0.8, 0.6, 0.5, 0.5, 0.7, 1.0, 1.3, 1.6, 1.7),
    "buskage_skymd_sikt": (0.6, 0.6, 0.7, 0.9, 1.3, 1.5, 1.5, 1.4, 1.2, 0.9, 0.7, 0.6),
    "nedskrapning": (0.8, 0.8, 1.0, 1.2, 1.3, 1.3, 1.3, 1.3, 1.0, 0.9, 0.8, 0.9),
    "berusade_droger": (0.9, 0.8, 0.9, 1.0, 1.2, 1.3, 1.3, 1.2, 1.0, 0.9, 0.9, 1.1),
    "stokigt_beteende": (0.9, 0.9, 0.9, 1.0, 1.2, 1.3, 1.2, 1.2, 1.0, 1.0, 1.0, 1.1),
    "odsligt": (1.3, 1.2, 1.0, 0.9, 0.8, 0.8, 0.9, 0.9, 1.0, 1.2, 1.3, 1.3),
    "folk_i_rorelse": (0.8, 0.8, 0.9, 1.0, 1.2, 1.3, 1.3, 1.2, 1.0, 0.9, 0.8, 0.9),
}
_DARK_MONTHS = (1, 2, 10, 11, 12)

# (dag, kväll, natt): when the place feels like this, per category.
_TIME_OF_DAY: dict[str, tuple[float, float, float]] = {
    "dalig_belysning": (0.04, 0.50, 0.46),
    "buskage_skymd_sikt": (0.20, 0.45, 0.35),
    "odsligt": (0.15, 0.45, 0.40),
    "klotter_skadegorelse": (0.45, 0.35, 0.20),
    "nedskrapning": (0.60, 0.30, 0.10),
    "trafik": (0.62, 0.30, 0.08),
    "berusade_droger": (0.10, 0.45, 0.45),
    "stokigt_beteende": (0.12, 0.50, 0.38),
    "gangtunnel_passage": (0.15, 0.45, 0.40),
    "daligt_underhall": (0.60, 0.28, 0.12),
    "annat": (0.35, 0.40, 0.25),
    "bra_belysning": (0.10, 0.60, 0.30),
    "folk_i_rorelse": (0.60, 0.33, 0.07),
    "vuxennarvaro": (0.45, 0.45, 0.10),
    "annat_tryggt": (0.55, 0.35, 0.10),
}
_TIMES = (TimeOfDay.DAY, TimeOfDay.EVENING, TimeOfDay.NIGHT)

# Status by feeling and age (< 14 days, < 90 days, < 365 days, older).
_STATUSES = tuple(Status)
_STATUS_UNSAFE: tuple[dict[Status, float], ...] = (
    {Status.NEW: 75, Status.CONFIRMED: 20, Status.ACTION_PLANNED: 3, Status.DUPLICATE: 2},
    {
        Status.NEW: 30,
        Status.CONFIRMED: 35,
        Status.ACTION_PLANNED: 15,
        Status.FIXED: 10,
        Status.CANNOT_FIX: 4,
        Status.DUPLICATE: 3,
        Status.CLOSED: 3,
    },
    {
        Status.NEW: 8,
        Status.CONFIRMED: 20,
        Status.ACTION_PLANNED: 17,
        Status.FIXED: 33,
        Status.CANNOT_FIX: 8,
        Status.DUPLICATE: 5,
        Status.CLOSED: 9,
    },
    {
        Status.NEW: 3,
        Status.CONFIRMED: 7,
        Status.ACTION_PLANNED: 8,
        Status.FIXED: 50,
        Status.CANNOT_FIX: 12,
        Status.DUPLICATE: 6,
        Status.CLOSED: 14,
    },
)
_STATUS_SAFE: tuple[dict[Status, float], ...] = (
    {Status.NEW: 80, Status.CONFIRMED: 20},
    {Status.NEW: 40, Status.CONFIRMED: 50, Status.CLOSED: 10},
    {Status.NEW: 10, Status.CONFIRMED: 55, Status.CLOSED: 35},
    {Status.NEW: 5, Status.CONFIRMED: 40, Status.CLOSED: 55},
)
_AGE_BUCKETS_DAYS = (14.0, 90.0, 365.0)

_LANGUAGES = ("sv", "ar", "en")
_LANGUAGE_P = (0.88, 0.07, 0.05)
_EMPTY_TEXT_SHARE = 0.4
_REJECTED_SHARE = 0.02

# Relative volume of reports by local hour of submission (0–23) and weekday (Mon–Sun).
_HOUR_PROFILE = (
    0.10, 0.06, 0.04, 0.03, 0.03, 0.06, 0.25, 0.55, 0.70, 0.75, 0.80, 0.85,
    0.95, 0.90, 0.85, 0.90, 1.00, 1.05, 1.15, 1.30, 1.35, 1.25, 0.90, 0.40,
)  # fmt: skip
_WEEKDAY_PROFILE = (1.0, 1.0, 1.0, 1.0, 0.95, 0.85, 1.1)


def _normalise(weights: FloatArray) -> FloatArray:
    return weights / weights.sum(axis=-1, keepdims=True)


def _sample_rows(rng: np.random.Generator, probs: FloatArray, rows: IntArray) -> IntArray:
    """For each i, a column index drawn from the distribution in ``probs[rows[i]]``.

    Vectorised inverse-CDF sampling: the per-row CDFs are laid end to end, row
    ``g`` occupying ``(g, g + 1]``, so one `np.searchsorted` serves every row.
    """
    n_rows, n_cols = probs.shape
    cdf = np.cumsum(_normalise(probs), axis=1)
    cdf[:, -1] = 1.0
    flat = (np.arange(n_rows, dtype=np.float64)[:, None] + cdf).ravel()
    u = rng.random(len(rows)) * (1.0 - 1e-9)
    pos = np.searchsorted(flat, rows.astype(np.float64) + u, side="right")
    return np.minimum(pos - rows * n_cols, n_cols - 1).astype(np.int64)


def _mix_vector(mix: Mapping[str, float], codes: Sequence[str]) -> FloatArray:
    unknown = set(mix) - set(codes)
    if unknown:
        raise ValueError(f"unknown category codes in demo mix: {sorted(unknown)}")
    return np.array([float(mix.get(code, 0.0)) for code in codes])


def _created_at(rng: np.random.Generator, n: int, now: pd.Timestamp, months: int) -> tuple[IntArray, IntArray]:
    """Submission times over ``months`` calendar months before ``now`` (UTC).

    The window is cut into hourly bins, weighted by a growing trend, a winter
    peak, an autumn campaign, the local hour and the weekday; a bin is drawn per
    report and a second within it. Returns (offset in seconds before ``now``,
    local month 1–12).
    """
    start = now - pd.DateOffset(months=months)
    hours = int((now - start) / pd.Timedelta(hours=1))
    k = np.arange(hours, dtype=np.int64)  # bin k covers [now - (k+1) h, now - k h)
    bin_start = pd.DatetimeIndex(now - pd.to_timedelta(k + 1, unit="h")).tz_convert(LOCAL_TZ)
    month = bin_start.month.to_numpy(dtype=np.int64)
    day_of_year = bin_start.day_of_year.to_numpy(dtype=np.float64)
    elapsed = 1.0 - k / max(hours, 1)
    weight = (0.5 + elapsed) * (1.0 + 0.25 * np.cos(2 * np.pi * (day_of_year - 15) / 365.25))
    weight *= np.where((month == 10) & (bin_start.day.to_numpy() <= 14), 1.6, 1.0)
    weight *= np.asarray(_HOUR_PROFILE)[bin_start.hour.to_numpy()]
    weight *= np.asarray(_WEEKDAY_PROFILE)[bin_start.day_of_week.to_numpy()]
    cdf = np.cumsum(weight)
    cdf /= cdf[-1]
    bins = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), hours - 1).astype(np.int64)
    seconds = (bins + 1) * 3600 - rng.integers(0, 3600, size=n)  # in ((k) h, (k+1) h]
    return seconds, month[bins]


def _road_segments() -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """All road segments in SWEREF 99 TM: start x/y, end x/y and cumulative length share."""
    x0: list[float] = []
    y0: list[float] = []
    x1: list[float] = []
    y1: list[float] = []
    for _name, line in ROADS:
        xs, ys = to_sweref99tm().transform([p[0] for p in line], [p[1] for p in line])
        x0 += list(xs[:-1])
        y0 += list(ys[:-1])
        x1 += list(xs[1:])
        y1 += list(ys[1:])
    ax0, ay0, ax1, ay1 = (np.asarray(v, dtype=np.float64) for v in (x0, y0, x1, y1))
    lengths = np.hypot(ax1 - ax0, ay1 - ay0)
    cum = np.cumsum(lengths) / lengths.sum()
    return ax0, ay0, ax1, ay1, cum


def _positions(
    rng: np.random.Generator,
    comp: IntArray,
    centre_x: FloatArray,
    centre_y: FloatArray,
    sigma: FloatArray,
    heavy_tail: npt.NDArray[np.bool_],
    road: int,
) -> tuple[FloatArray, FloatArray]:
    """Positions in SWEREF 99 TM metres for reports of the given components:
    Gaussian around a centre (towns with a wider tail), or along a road."""
    n = len(comp)
    scale = sigma[comp] * np.where(heavy_tail[comp] & (rng.random(n) < 0.2), 2.5, 1.0)
    x = centre_x[comp] + rng.standard_normal(n) * scale
    y = centre_y[comp] + rng.standard_normal(n) * scale
    on_road = np.flatnonzero(comp == road)
    if len(on_road):
        x0, y0, x1, y1, cum = _road_segments()
        seg = np.minimum(np.searchsorted(cum, rng.random(len(on_road)), side="right"), len(cum) - 1)
        t = rng.random(len(on_road))
        dx, dy = x1[seg] - x0[seg], y1[seg] - y0[seg]
        length = np.hypot(dx, dy)
        side = rng.standard_normal(len(on_road)) * 40.0  # metres off the centre line
        x[on_road] = x0[seg] + t * dx - dy / length * side
        y[on_road] = y0[seg] + t * dy + dx / length * side
    return x, y


def generate_reports(
    n: int,
    *,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
    months: int = 24,
) -> pd.DataFrame:
    """``n`` illustrative (not real) safety reports in Markaryds kommun.

    Fully vectorised and deterministic for a given ``n``, ``seed`` and ``now``
    (default `DEFAULT_NOW`, 2026-11-01T12:00Z). ``lon``/``lat`` are WGS84
    (EPSG:4326) degrees, all inside `markaryd_boundary`; spreads are drawn in
    metres in SWEREF 99 TM (EPSG:3006). ``created_at`` is UTC-aware and falls in
    the ``months`` calendar months before ``now``.

    Rows come oldest first. Columns: lon, lat, category, feeling, time_of_day,
    text, language, created_at, status, moderation, source, supporters.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if months < 1:
        raise ValueError("months must be at least 1")
    now_ts = pd.Timestamp(now if now is not None else DEFAULT_NOW)
    if now_ts.tzinfo is None:
        raise ValueError("now must carry a time zone")
    now_ts = now_ts.tz_convert("UTC")
    rng = np.random.default_rng(seed)

    codes = [c.code for c in DEFAULT_CATEGORIES]
    n_cat = len(codes)
    cat_feeling = np.array([c.feeling is Feeling.SAFE for c in DEFAULT_CATEGORIES], dtype=np.int64)

    # When: submission time, its local month and its age.
    seconds, month = _created_at(rng, n, now_ts, months)
    order = np.argsort(-seconds, kind="stable")  # oldest first, as reports arrive
    seconds, month = seconds[order], month[order]
    age_days = seconds / 86_400.0
    dark = np.isin(month, _DARK_MONTHS).astype(np.int64)

    # Where: a component per report (towns, hotspots, roads), then a position.
    n_towns, n_hot = len(TOWNS), len(HOTSPOTS)
    road = n_towns + n_hot
    town_w = np.array([t.weight for t in TOWNS])
    hot_w = np.array([h.weight for h in HOTSPOTS])
    comp_p = np.concatenate(
        [TOWN_SHARE * town_w / town_w.sum(), (1 - TOWN_SHARE - ROAD_SHARE) * hot_w / hot_w.sum(), [ROAD_SHARE]]
    )
    comp = np.minimum(np.searchsorted(np.cumsum(comp_p), rng.random(n), side="right"), road).astype(np.int64)

    centres_lon = np.array([t.lon for t in TOWNS] + [h.lon for h in HOTSPOTS] + [TOWNS[0].lon])
    centres_lat = np.array([t.lat for t in TOWNS] + [h.lat for h in HOTSPOTS] + [TOWNS[0].lat])
    centre_x, centre_y = (np.asarray(v) for v in to_sweref99tm().transform(centres_lon, centres_lat))
    sigma = np.array([t.radius_m for t in TOWNS] + [h.radius_m for h in HOTSPOTS] + [0.0])
    heavy_tail = np.arange(road + 1) < n_towns

    boundary = markaryd_boundary()
    x, y = _positions(rng, comp, centre_x, centre_y, sigma, heavy_tail, road)
    lon, lat = (np.round(np.asarray(v), 6) for v in to_wgs84().transform(x, y))
    outside = np.flatnonzero(~shapely.contains_xy(boundary, lon, lat))
    for _round in range(20):
        if not len(outside):
            break
        x2, y2 = _positions(rng, comp[outside], centre_x, centre_y, sigma, heavy_tail, road)
        lon2, lat2 = (np.round(np.asarray(v), 6) for v in to_wgs84().transform(x2, y2))
        lon[outside], lat[outside] = lon2, lat2
        outside = outside[~shapely.contains_xy(boundary, lon2, lat2)]
    if len(outside):  # pragma: no cover - practically unreachable: fall back to the town centre
        lon[outside], lat[outside] = TOWNS[0].lon, TOWNS[0].lat

    # What: category by component mix and season, feeling from the category.
    mix_index = np.where(comp < n_towns, 0, np.where(comp == road, n_hot + 1, comp - n_towns + 1))
    mixes = np.vstack(
        [_mix_vector(_TOWN_MIX, codes)]
        + [_mix_vector(h.categories, codes) for h in HOTSPOTS]
        + [_mix_vector(_ROAD_MIX, codes)]
    )
    season = np.ones((12, n_cat))
    for code, factors in _SEASON.items():
        season[:, codes.index(code)] = factors
    cat_probs = (mixes[:, None, :] * season[None, :, :]).reshape(-1, n_cat)
    category = _sample_rows(rng, cat_probs, mix_index * 12 + (month - 1))
    safe = cat_feeling[category]

    # When it feels like this: per category; in the dark months, evening starts in the afternoon.
    tod = np.array([_TIME_OF_DAY[code] for code in codes])
    tod_dark = tod.copy()
    unsafe_rows = cat_feeling == 0
    tod_dark[unsafe_rows, 1] += 0.4 * tod[unsafe_rows, 0]
    tod_dark[unsafe_rows, 0] *= 0.6
    time_of_day = _sample_rows(rng, np.stack([tod, tod_dark], axis=1).reshape(-1, 3), category * 2 + dark)

    # Language and free text (~40 % leave the text empty).
    language = np.searchsorted(np.cumsum(_LANGUAGE_P), rng.random(n) * (1 - 1e-9), side="right")
    pools: list[tuple[str, ...]] = [_TEXTS_SV[code] for code in codes]
    for lang in _LANGUAGES[1:]:
        pools += [_TEXTS_OTHER[(lang, Feeling.UNSAFE)], _TEXTS_OTHER[(lang, Feeling.SAFE)]]
    sizes = np.array([len(p) for p in pools], dtype=np.int64)
    offsets = 1 + np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat_texts = [""] + [text for pool in pools for text in pool]
    pool = np.where(language == 0, category, n_cat + 2 * (language - 1) + safe)
    pick = offsets[pool] + np.minimum((rng.random(n) * sizes[pool]).astype(np.int64), sizes[pool] - 1)
    text_index = np.where(rng.random(n) < _EMPTY_TEXT_SHARE, 0, pick)

    # Case status by age and feeling; moderation (recent ones may still wait).
    bucket = np.searchsorted(np.asarray(_AGE_BUCKETS_DAYS), age_days, side="right")
    status_table = np.array(
        [[table.get(s, 0.0) for s in _STATUSES] for table in _STATUS_UNSAFE + _STATUS_SAFE], dtype=np.float64
    )
    status = _sample_rows(rng, status_table, safe * len(_STATUS_UNSAFE) + bucket)
    p_pending = np.select([age_days < 3, age_days < 14, age_days < 30], [0.7, 0.25, 0.08], 0.0)
    u = rng.random(n)
    pending = u < p_pending
    rejected = ~pending & (u > 1.0 - _REJECTED_SHARE)
    moderation = np.where(pending, 1, np.where(rejected, 2, 0))  # published, pending, rejected
    status = np.where(pending, _STATUSES.index(Status.NEW), status)
    status = np.where(rejected, _STATUSES.index(Status.CLOSED), status)

    # Supporters ("me too"): mostly 0, more in hotspots and for older published reports.
    lam = np.where((comp >= n_towns) & (comp < road), 0.8, 0.25) * np.where(safe == 1, 0.5, 1.0)
    lam = lam * (0.3 + 0.7 * np.minimum(age_days / 90.0, 1.0)) * (moderation == 0)
    supporters = rng.poisson(lam).astype(np.int64)

    created_ns = now_ts.value - seconds * 1_000_000_000
    created_at = pd.DatetimeIndex(created_ns.astype("datetime64[ns]")).tz_localize("UTC").as_unit("us")

    return pd.DataFrame(
        {
            "lon": lon.astype(np.float64),
            "lat": lat.astype(np.float64),
            "category": _strings(codes, category),
            "feeling": _strings([str(Feeling.UNSAFE), str(Feeling.SAFE)], safe),
            "time_of_day": _strings([str(t) for t in _TIMES], time_of_day),
            "text": _strings(flat_texts, text_index),
            "language": _strings(_LANGUAGES, language),
            "created_at": created_at,
            "status": _strings([str(s) for s in _STATUSES], status),
            "moderation": _strings(
                [str(Moderation.PUBLISHED), str(Moderation.PENDING), str(Moderation.REJECTED)], moderation
            ),
            "source": _strings([str(Source.DEMO)], np.zeros(n, dtype=np.int64)),
            "supporters": supporters,
        }
    )


def _strings(values: Sequence[str], index: IntArray) -> pd.api.extensions.ExtensionArray:
    """``values[index]`` as a pandas ``str`` array, built without a Python object per row where
    pyarrow is available (about 4× faster for a million rows)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pandas falls back to its Python string storage
        return pd.array(np.array(list(values), dtype=object)[index], dtype="str")
    return pd.array(pa.array(list(values), type=pa.string()).take(index), dtype="str")


def demo_now(day: dt.date | None = None) -> dt.datetime:
    """The "now" of a demo seeded on ``day`` (a Swedish local day; default today): the
    midnight that begins it, in UTC. Every report lies before it, and seeding twice on
    one day gives the same data."""
    day = day or pd.Timestamp.now(tz=LOCAL_TZ).date()
    return pd.Timestamp(day).tz_localize(LOCAL_TZ).tz_convert("UTC").to_pydatetime()


def demo_place_names() -> list[PlaceName]:
    """The demo's gazetteer (EPSG:4326): its towns as localities, and the streets and
    addresses of its meeting places (``Storgatan 16, 285 31 Markaryd`` gives the street
    Storgatan and the address Storgatan 16, both in Markaryd, at the meeting place)."""
    names = [PlaceName(t.name, PlaceKind.LOCALITY, t.lon, t.lat, id=_stable_id("ort", t.name)) for t in TOWNS]
    streets: set[tuple[str, str]] = set()
    addresses: set[tuple[str, str]] = set()
    for place in demo_meeting_places():
        found = re.match(r"\s*(?P<street>[^\d,]+?)\s+(?P<number>\d+\w?)\s*,.*?(?P<town>[^\d,]+)$", place.address)
        if not found:
            continue
        street, number = found["street"].strip(), found["number"]
        town = re.sub(r"\s*\(.*\)$", "", found["town"]).strip()  # "Markaryd (Lärcentrums café)"
        if (street, town) not in streets and street not in {t.name for t in TOWNS}:  # "Hinneryd 101": a farm
            streets.add((street, town))
            names.append(
                PlaceName(street, PlaceKind.STREET, place.lon, place.lat, town, _stable_id("gata", street, town))
            )
        address = f"{street} {number}"
        if (address, town) not in addresses:
            addresses.add((address, town))
            names.append(
                PlaceName(address, PlaceKind.ADDRESS, place.lon, place.lat, town, _stable_id("adress", address, town))
            )
    return names


def seed_demo(
    store: Store,
    *,
    reports: int = 600,
    seed: int = DEFAULT_SEED,
    now: dt.datetime | None = None,
    replace: bool = True,
) -> dict[str, int]:
    """Fill ``store`` with the Markaryd demo: categories, boundary and the municipality's
    contacts (`DEMO_TEXTS`), meeting places, zones and ``reports`` generated reports (see `generate_reports`; all
    geometry WGS84, EPSG:4326). With ``replace`` the store is emptied first;
    without it, meeting places and zones already present (same stable id) are
    kept and not added again. ``now`` defaults to the start of today (`demo_now`): the
    reports cover the two years up to it and the zones' dates are counted from it.

    Returns how many rows of each kind this call wrote.
    """
    now = now if now is not None else demo_now()
    frame = generate_reports(reports, seed=seed, now=now)  # first: it checks ``now``, and nothing is deleted yet
    today = pd.Timestamp(now).tz_convert(LOCAL_TZ).date()
    places = demo_meeting_places()
    zones = demo_zones(today)
    place_names = demo_place_names()
    if replace:
        store.clear()
    store.upsert_categories(DEFAULT_CATEGORIES)
    store.set_boundary(MUNICIPALITY_NAME, markaryd_boundary())
    store.put_settings(DEMO_TEXTS)
    if not replace:
        known_places = {p.id for p in store.meeting_places()}
        known_zones = {z.id for z in store.zones()}
        known_names = {p.id for p in store.place_names()}
        places = [p for p in places if p.id not in known_places]
        zones = [z for z in zones if z.id not in known_zones]
        place_names = [p for p in place_names if p.id not in known_names]
    store.add_meeting_places(places)
    store.add_zones(zones)
    store.add_place_names(place_names)
    added = store.add_reports_frame(frame)
    return {
        "categories": len(DEFAULT_CATEGORIES),
        "boundaries": 1,
        "settings": len(DEMO_TEXTS),
        "meeting_places": len(places),
        "zones": len(zones),
        "place_names": len(place_names),
        "reports": added,
    }


def boundary_area_km2() -> float:
    """Area of `markaryd_boundary`, measured in SWEREF 99 TM (EPSG:3006), in km²."""
    return float(shapely.area(shapely.transform(markaryd_boundary(), _project_xy))) / 1e6


def _project_xy(coords: FloatArray) -> FloatArray:
    """(lon, lat) rows in EPSG:4326 to (x, y) rows in SWEREF 99 TM (EPSG:3006)."""
    xs, ys = to_sweref99tm().transform(coords[:, 0], coords[:, 1])
    return np.column_stack([xs, ys])


__all__ = [
    "DEFAULT_NOW",
    "DEFAULT_SEED",
    "DEMO_TEXTS",
    "HOTSPOTS",
    "MUNICIPALITY_NAME",
    "ROADS",
    "TOWNS",
    "Hotspot",
    "Town",
    "boundary_area_km2",
    "demo_meeting_places",
    "demo_zones",
    "generate_reports",
    "markaryd_boundary",
    "seed_demo",
]
