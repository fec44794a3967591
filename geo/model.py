"""Domain model: the vocabulary every other module of `geo` speaks.

Stable codes (ASCII, lower case) are stored in the database and used in URLs; the
words a person reads come from the translation catalogue (`geo.i18n`), keyed by
``<enum name>.<code>``, so the same status reads "åtgärd planerad", "action planned"
or its Arabic form depending on the viewer's language.

Coordinates are WGS84 (EPSG:4326) longitude/latitude in degrees throughout.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

WGS84 = "EPSG:4326"
"""CRS of everything stored and drawn: longitude/latitude in degrees."""
SWEREF99TM = "EPSG:3006"
"""CRS for measuring: SWEREF 99 TM, metres."""


class Feeling(enum.StrEnum):
    """How the place feels to the person reporting it."""

    UNSAFE = "otrygg"
    SAFE = "trygg"


class TimeOfDay(enum.StrEnum):
    DAY = "dag"
    EVENING = "kvall"
    NIGHT = "natt"


class Status(enum.StrEnum):
    """Case status of a report (DESIGN.md §2), each mapped to Open311 open/closed."""

    NEW = "ny"
    CONFIRMED = "bekraftad"
    ACTION_PLANNED = "atgard_planerad"
    FIXED = "atgardad"
    CANNOT_FIX = "kan_inte_atgardas"
    DUPLICATE = "dubblett"
    CLOSED = "stangd"

    @property
    def is_open(self) -> bool:
        return self in _OPEN_STATUSES

    @property
    def open311(self) -> str:
        return "open" if self.is_open else "closed"


_OPEN_STATUSES = frozenset({Status.NEW, Status.CONFIRMED, Status.ACTION_PLANNED})


class Moderation(enum.StrEnum):
    """Whether the public may see a report."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"


class Rejection(enum.StrEnum):
    """The kind of reason a report was not published, as the resident is told it (in their
    language, on the status page); a moderator's own note stays with the staff."""

    PERSONAL_DATA = "personal_data"
    OFFENSIVE = "offensive"
    NOT_A_PLACE = "not_a_place"
    OUTSIDE = "outside"
    DUPLICATE = "duplicate"
    OTHER = "other"


class Source(enum.StrEnum):
    WEB = "web"
    OPEN311 = "open311"
    IMPORT = "import"
    DEMO = "demo"


class ZoneKind(enum.StrEnum):
    PLATSSAMVERKAN = "platssamverkan"
    MEDBORGARLOFTE = "medborgarlofte"


class MeetingPlaceKind(enum.StrEnum):
    LIBRARY = "bibliotek"
    LANGUAGE_CAFE = "sprakcafe"
    ASSOCIATION = "forening"
    YOUTH_CENTRE = "fritidsgard"
    HOMEWORK_HELP = "laxhjalp"
    CHURCH = "kyrka"
    SPORTS = "idrott"
    OTHER = "annat"


class Audience(enum.StrEnum):
    """Who a meeting place is for (its ``audience``; none given means everyone)."""

    EVERYONE = "alla"
    YOUTH = "unga"
    WOMEN = "kvinnor"
    FAMILIES = "familjer"
    SENIORS = "seniorer"
    NEWCOMERS = "nyanlanda"


class Access(enum.StrEnum):
    """OpenStreetMap's answer for ``wheelchair`` (and the like): yes, limited, no or not known."""

    YES = "yes"
    LIMITED = "limited"
    NO = "no"
    UNKNOWN = ""


class PlaceKind(enum.StrEnum):
    """What a gazetteer entry names."""

    LOCALITY = "ort"
    PLACE = "plats"
    STREET = "gata"
    ADDRESS = "adress"


class Role(enum.StrEnum):
    """Who is looking. Anonymous residents are the public."""

    PUBLIC = "public"
    VIEWER = "viewer"
    """Staff who only look (politicians, partners in platssamverkan): `geo.rights`."""
    TEAM = "team"
    POLICE = "police"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.PUBLIC


@dataclass(frozen=True)
class Category:
    """A report category. Categories are data: an admin can add and retire them.

    ``labels`` and ``help`` map a language code (``sv``, ``en``, ``ar``) to text.
    ``feeling`` says whether the category describes an unsafe place or a reason a
    place feels safe.
    """

    code: str
    feeling: Feeling
    labels: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    icon: str = ""
    sort_order: int = 0
    active: bool = True

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("sv") or self.code


def category_labels(categories: Iterable[Category], lang: str) -> dict[str, str]:
    """Category code -> its icon and label in ``lang``, as lists, maps and charts show it."""
    return {c.code: f"{c.icon} {c.label(lang)}".strip() for c in categories}


@dataclass(frozen=True)
class MeetingPlace:
    """A mötesplats. ``lon``/``lat`` are EPSG:4326 degrees.

    ``opening_hours`` is OpenStreetMap's ``opening_hours`` syntax (``Mo-Th 10:00-19:00; PH off``),
    read by `geo.meeting_places`; ``languages`` ISO 639 codes spoken there; ``audience``
    `Audience` codes (empty: everyone); ``fee`` OSM's ``fee`` (``no``: free of charge, ``yes``,
    ``""`` not known); ``wheelchair`` an `Access` code; ``description`` the Swedish description
    and ``descriptions`` those in other languages (``{"en": ..., "ar": ...}``); ``staff_note`` is
    for the team only (never public); ``active`` False once retired (kept, not shown);
    ``version`` counts the edits (it keys caches and catches two people editing at once)."""

    name: str
    kind: MeetingPlaceKind
    lon: float
    lat: float
    address: str = ""
    opening_hours: str = ""
    languages: tuple[str, ...] = ()
    accessibility: str = ""
    contact: str = ""
    description: str = ""
    audience: tuple[str, ...] = ()
    fee: str = ""
    wheelchair: str = ""
    descriptions: dict[str, str] = field(default_factory=dict)
    staff_note: str = ""
    active: bool = True
    version: int = 1
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def description_in(self, lang: str) -> tuple[str, str]:
        """The description in ``lang`` where the team wrote one, else the Swedish one: ``(text,
        language of the text)``; ``("", "sv")`` when there is none at all."""
        if lang != "sv" and self.descriptions.get(lang, "").strip():
            return self.descriptions[lang], lang
        if self.description.strip():
            return self.description, "sv"
        other = next(((code, text) for code, text in sorted(self.descriptions.items()) if text.strip()), None)
        return (other[1], other[0]) if other else ("", "sv")


@dataclass(frozen=True)
class PlaceName:
    """A gazetteer entry: a village, place, street or address as one point (``lon``/``lat``,
    EPSG:4326 degrees; a street's point is one along it). ``detail`` tells entries of one
    name apart (a street's locality)."""

    name: str
    kind: PlaceKind
    lon: float
    lat: float
    detail: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class Zone:
    """A platssamverkan zone or a medborgarlöfte area.

    ``geometry_wkt`` is a Polygon or MultiPolygon in EPSG:4326.
    """

    name: str
    kind: ZoneKind
    geometry_wkt: str
    description: str = ""
    promise_text: str = ""
    police_contact: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
