"""The municipality a deployment serves: its name and boundary, and what it names (the app's
title, the contact in the Open311 discovery document, the privacy and accessibility
contacts), all data in the database, none of it in code.

A deployment is *set up* once it has a boundary: ``python -m geo setup`` or the set-up page
(`set_up`) writes it with the name, the texts and the default categories in one transaction;
``python -m geo seed-demo`` writes the Markaryd demo's (`geo.demo`). `current` reads it back
as a `Municipality`, or None while the deployment is not set up: the pages then show the
set-up to an admin and a plain "not set up yet" page to everyone else.

The map's first view follows the boundary: its centre is the middle of the boundary's box,
its zoom the largest at which the whole box fits a phone's map (`fit_zoom`). Geometry is
WGS84 (EPSG:4326, lon/lat degrees) in and out; a boundary file may be in any declared CRS
(SWEREF 99 TM, EPSG:3006, is typical) and is transformed on reading (`read_boundary`).
"""

from __future__ import annotations

import io
import math
import threading
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import shapely

from geo import audit
from geo.auth import User
from geo.categories import DEFAULT_CATEGORIES
from geo.i18n import DEFAULT_LANGUAGE, LANGUAGES, normalize_language, translate
from geo.io import ImportRefused, ImportSource, check_geometries, check_size, read_source
from geo.rights import Right, require
from geo.store import Connection, Store, max_length

TEXT_KEYS: tuple[str, ...] = ("title", "open311_contact", "privacy_contact", "accessibility_contact")
"""The settings a municipality words, each stored as ``{language: text}`` (Swedish at least)."""
TEXT_MAX_LENGTH = 300
"""The most characters of one setting's text in one language."""
NAME_MAX_LENGTH = max_length("boundaries", "name") or 200
BOUNDARY_SUFFIXES: tuple[str, ...] = (".gpkg", ".geojson", ".json", ".zip", ".shp")
"""Files a boundary is read from: GeoPackage, GeoJSON, a Shapefile (its ``.shp`` beside its
``.shx``/``.dbf``/``.prj``, or all of them zipped)."""
FIT_WIDTH_PX, FIT_HEIGHT_PX = 360, 480
"""The map the first view's zoom is fitted to: a phone's (a desktop shows a little more around it)."""
MIN_ZOOM, MAX_ZOOM = 3, 17
TILE_PX = 256


@dataclass(frozen=True)
class Municipality:
    """The municipality a deployment serves. ``boundary`` is a Polygon or MultiPolygon in
    EPSG:4326; ``texts`` maps each of `TEXT_KEYS` to its words by language."""

    name: str
    boundary: shapely.Geometry
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def text(self, key: str, lang: str = DEFAULT_LANGUAGE) -> str | None:
        """The setting ``key`` in ``lang``, else in Swedish, else None (not set)."""
        words = self.texts.get(key) or {}
        return words.get(normalize_language(lang)) or words.get(DEFAULT_LANGUAGE) or None

    def title(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The app's title in ``lang``: the municipality's, else the catalogue's."""
        return self.text("title", lang) or translate("explore.title", lang)

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) of the boundary, EPSG:4326 degrees."""
        minx, miny, maxx, maxy = self.boundary.bounds
        return float(minx), float(miny), float(maxx), float(maxy)

    @cached_property
    def center(self) -> tuple[float, float]:
        """(lat, lon) in EPSG:4326 degrees: the middle of the boundary's box, where the map opens."""
        minx, miny, maxx, maxy = self.bounds
        return (miny + maxy) / 2, (minx + maxx) / 2

    @cached_property
    def zoom(self) -> int:
        """The map's first zoom: the whole boundary on a phone's map (`fit_zoom`)."""
        return fit_zoom(self.bounds)

    @property
    def home(self) -> tuple[tuple[float, float], int]:
        """((lat, lon), zoom): where the map opens."""
        return self.center, self.zoom


def fit_zoom(
    bounds: tuple[float, float, float, float], width_px: int = FIT_WIDTH_PX, height_px: int = FIT_HEIGHT_PX
) -> int:
    """The largest web-map zoom at which ``bounds`` (min lon, min lat, max lon, max lat;
    EPSG:4326 degrees) fits ``width_px`` × ``height_px`` in Web Mercator, between `MIN_ZOOM`
    and `MAX_ZOOM`."""
    minx, miny, maxx, maxy = bounds
    span_x = max((maxx - minx) / 360.0, 1e-9)
    span_y = max((_mercator_y(maxy) - _mercator_y(miny)) / (2 * math.pi), 1e-9)
    zoom = math.floor(min(math.log2(width_px / (TILE_PX * span_x)), math.log2(height_px / (TILE_PX * span_y))))
    return max(MIN_ZOOM, min(MAX_ZOOM, zoom))


def _mercator_y(lat: float) -> float:
    lat = max(-85.0, min(85.0, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


# -- reading ---------------------------------------------------------------------------------

_LOCK = threading.Lock()
_CACHE: dict[str, tuple[int, Municipality | None]] = {}


def current(store: Store) -> Municipality | None:
    """The municipality of ``store``'s deployment, or None while it is not set up (no boundary).
    Read once per data version (every change moves it)."""
    version = store.data_version()
    key = store.database_key
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    found = _read(store)
    with _LOCK:
        _CACHE[key] = (version, found)
    return found


def _read(store: Store) -> Municipality | None:
    boundary = store.boundary()
    if boundary is None:
        return None
    values = store.setting_values()
    texts = {key: _words(values.get(key)) for key in TEXT_KEYS}
    return Municipality(boundary[0], boundary[1], {k: v for k, v in texts.items() if v})


def _words(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = {DEFAULT_LANGUAGE: value}
    if not isinstance(value, Mapping):
        return {}
    return {lang: str(text).strip() for lang, text in value.items() if lang in LANGUAGES and str(text).strip()}


# -- the set-up --------------------------------------------------------------------------------


class SetupRefused(ValueError):
    """The set-up cannot be done as asked; nothing was written. ``key`` is the catalogue key
    of the message, ``values`` its placeholders."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(self.text("en"))

    def text(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return translate(self.key, lang, **self.values)


def check_name(name: str) -> str:
    """The municipality's name, trimmed; `SetupRefused` when empty or too long."""
    name = " ".join(str(name).split())
    if not name:
        raise SetupRefused("setup.error.name_missing")
    if len(name) > NAME_MAX_LENGTH:
        raise SetupRefused("setup.error.name_too_long", limit=NAME_MAX_LENGTH)
    return name


def check_texts(texts: Mapping[str, Mapping[str, str] | str | None]) -> dict[str, dict[str, str] | None]:
    """``texts`` (key of `TEXT_KEYS` → text by language, or one text for Swedish) cleaned for
    storing: blank texts dropped, a key with none removed (None). `SetupRefused` for an unknown
    key or a text longer than `TEXT_MAX_LENGTH`."""
    cleaned: dict[str, dict[str, str] | None] = {}
    for key, value in texts.items():
        if key not in TEXT_KEYS:
            raise ValueError(f"key must be one of {TEXT_KEYS}, got {key!r}")
        words = _words(value)
        for text in words.values():
            if len(text) > TEXT_MAX_LENGTH:
                raise SetupRefused("setup.error.text_too_long", limit=TEXT_MAX_LENGTH)
        cleaned[key] = words or None
    return cleaned


def boundary_source(path: str | Path) -> ImportSource:
    """The boundary file at ``path`` to read: a ``.shp`` is taken with the files beside it that
    share its name (``.shx``, ``.dbf``, ``.prj``, ``.cpg``), zipped. `SetupRefused` for a file
    that is missing or of another kind; `ImportRefused` for one too large."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in BOUNDARY_SUFFIXES:
        raise SetupRefused("setup.error.format", name=path.name, suffixes=", ".join(BOUNDARY_SUFFIXES))
    if not path.is_file():
        raise SetupRefused("setup.error.missing_file", name=str(path))
    if suffix != ".shp":
        return ImportSource.from_path(path)
    parts = [p for p in path.parent.iterdir() if p.is_file() and p.stem == path.stem]
    check_size(sum(p.stat().st_size for p in parts))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in parts:
            archive.write(part, part.name)
    return ImportSource(f"{path.stem}.zip", buffer.getvalue())


def read_boundary(source: ImportSource, *, crs: object = None) -> shapely.Geometry:
    """The union of the polygons of ``source`` (GeoPackage, GeoJSON or zipped Shapefile, in the
    CRS it declares, or ``crs`` for one that declares none), as a valid Polygon or MultiPolygon
    in EPSG:4326. Invalid rings are repaired (``make_valid``).

    Raises `SetupRefused` for a file of another kind, `ImportRefused` (with the catalogue key
    of the message) for one that is too large, unreadable, without a CRS, empty, or holding
    no polygon or a broken one; never anything else for what a file holds."""
    suffix = Path(source.name).suffix.lower()
    if suffix not in BOUNDARY_SUFFIXES or suffix == ".shp":
        raise SetupRefused("setup.error.format", name=source.name, suffixes=", ".join(BOUNDARY_SUFFIXES))
    frame = read_source(source, crs=crs)
    if frame.empty:
        raise ImportRefused("io.empty_file", name=source.name)
    geoms, problems, _repaired = check_geometries(frame, "boundary")
    if problems:
        problems.sort(key=lambda p: p.feature)
        raise ImportRefused("setup.error.features", problems=problems, n=len({p.feature for p in problems}))
    merged = shapely.make_valid(shapely.union_all([g for g in geoms if g is not None]))
    polygonal = shapely.union_all([g for g in shapely.get_parts(merged) if g.geom_type in ("Polygon", "MultiPolygon")])
    if polygonal.is_empty or polygonal.geom_type not in ("Polygon", "MultiPolygon"):
        raise SetupRefused("setup.error.no_polygon", name=source.name)
    return polygonal


@dataclass(frozen=True)
class SetupResult:
    municipality: Municipality
    categories_added: bool


def set_up(
    store: Store,
    actor: User | None,
    *,
    name: str,
    boundary: shapely.Geometry,
    texts: Mapping[str, Mapping[str, str] | str | None] | None = None,
) -> SetupResult:
    """Set the deployment up (or set it up anew): the municipality's ``name`` and ``boundary``
    (Polygon or MultiPolygon, EPSG:4326), its ``texts`` (`TEXT_KEYS`; keys left out are kept)
    and, when it has none yet, the default categories (`geo.categories`; an admin edits them
    later), all in one transaction with its line in the audit log (``settings.setup``: which
    settings, never their words). ``actor`` is the admin doing it (None: the command line, run
    by whoever runs the server). `PermissionError` for anyone without
    `geo.rights.Right.MANAGE_SETTINGS`; `SetupRefused` for a bad name or text."""
    if actor is not None:
        require(actor, Right.MANAGE_SETTINGS)
    name = check_name(name)
    values = check_texts(texts or {})
    if boundary is None or boundary.is_empty or boundary.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"boundary must be a Polygon or MultiPolygon in EPSG:4326, got {boundary!r}")
    detail = {"boundary": "replaced", "texts": ",".join(sorted(values)) or "-"}
    added = store.set_up_municipality(
        name, boundary, values, DEFAULT_CATEGORIES, also=_audit(store, actor, "settings.setup", name, detail)
    )
    found = current(store)
    assert found is not None  # just written
    return SetupResult(found, added)


def update_texts(
    store: Store, actor: User | None, texts: Mapping[str, Mapping[str, str] | str | None], *, name: str | None = None
) -> Municipality | None:
    """Change the municipality's ``texts`` (keys left out are kept; an empty one is removed) and
    its ``name`` (when given) in one transaction, with its line in the audit log
    (``settings.update``: which settings, never their words); an admin's change
    (`geo.rights.Right.MANAGE_SETTINGS`, `PermissionError` otherwise). The new `current`
    municipality."""
    require(actor, Right.MANAGE_SETTINGS)
    values = check_texts(texts)
    found = current(store)
    detail = {"texts": ",".join(sorted(values)) or "-"}
    if name is not None and found is not None:
        name = check_name(name)
        if name != found.name:
            detail["name"] = "changed"
        also = _audit(store, actor, "settings.update", name, detail)
        store.set_up_municipality(name, found.boundary, values, (), also=also)
    else:
        store.put_settings(values, also=_audit(store, actor, "settings.update", found.name if found else "-", detail))
    return current(store)


def _audit(
    store: Store, actor: User | None, action: str, target: str, detail: Mapping[str, str]
) -> Callable[[Connection], None]:
    """Writes the audit log's line inside the change's own transaction."""

    def write(conn: Connection) -> None:
        audit.record(store, actor if actor is not None else audit.SYSTEM, action, target, detail, conn=conn)

    return write
