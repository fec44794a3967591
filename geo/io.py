"""Import and export of the map's layers: GeoJSON, GeoPackage, zipped Shapefile and CSV.

Layers (`geo.registry`): ``reports``, ``meeting_places``, ``zones`` (platssamverkan and
medborgarlöften), ``boundary`` (the municipality) and ``place_names`` (the gazetteer that
Rapportera's place search uses: villages, places, streets and addresses as points).

**Import** (admins only): `read_source` reads a file into a GeoDataFrame and transforms
whatever CRS the file declares to EPSG:4326 (WGS84 lon/lat degrees). A file that declares
no CRS (a Shapefile without ``.prj``, a CSV of ``wkt``) is refused unless the caller
names one. CSV files carry points as ``lon``/``lat`` (EPSG:4326) or ``x``/``y``,
``e``/``n``, ``easting``/``northing`` (SWEREF 99 TM, EPSG:3006; Swedish surveying
convention puts the northing in ``x``, which is recognised by its size), or any geometry
as ``wkt_epsg<code>`` (or ``wkt`` with a CRS named by the caller); semicolon or comma
separated, decimal comma or point, UTF-8 or Windows-1252. `suggest_mapping` maps the
file's columns to the layer's fields (`geo.registry.Layer.fields`), `preview` shows the result, and
`import_layer` checks every feature (geometry type, validity, values), repairs invalid
geometries with ``make_valid`` when asked to and writes everything in one transaction,
or nothing: any problem raises `ImportRefused` listing each feature and its reason.

**Export**: `export_layer` writes a layer in any of `FORMATS`, in EPSG:4326 or another
CRS (``crs=3006``). The public (`Role.PUBLIC`) gets what the public map shows: published
reports only, each snapped to its 50 m SWEREF 99 TM cell, free text scrubbed. Staff get
exact locations. Contact e-mails never leave. CSV cells that a spreadsheet would run as
a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) get a
leading ``'``; the importer takes it off again.

Messages are catalogue keys (``io.*``) with values, so the page can show them in the
viewer's language and the command line in Swedish.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import math
import re
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo import audit, meeting_places, registry
from geo.auth import User
from geo.config import LOCAL_TIME_ZONE
from geo.i18n import LANGUAGES, translate
from geo.layers import ReportFilter, report_query
from geo.model import (
    SWEREF99TM,
    WGS84,
    Feeling,
    MeetingPlace,
    MeetingPlaceKind,
    Moderation,
    Role,
    Source,
    Status,
    TimeOfDay,
    Zone,
    ZoneKind,
)
from geo.privacy import scrub_text
from geo.reporting import check_pin
from geo.rights import Right, role_allows
from geo.store import Store, max_length

Viewer = User | Role
"""Who imports or exports: a logged-in `User` (checked against `geo.rights` and named in the
audit log), or a bare `Role` for a caller without one (the command line, run by whoever runs
the server), which has that role's rights and is recorded as `geo.audit.SYSTEM`."""

FORMATS: tuple[str, ...] = ("gpkg", "geojson", "shp", "csv")
MODES: tuple[str, ...] = ("append", "replace", "update")
"""How an import meets what is stored: add to it, replace the whole layer, or update by a key column."""
IMPORT_SUFFIXES: tuple[str, ...] = (".geojson", ".json", ".gpkg", ".zip", ".csv", ".txt")
MAX_IMPORT_BYTES = 20 * 1024 * 1024
"""Largest file `import_layer` accepts (20 MiB); a larger one is refused before parsing."""
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
"""Largest total size of the files inside a zipped Shapefile (against zip bombs)."""
MAX_FREE_LENGTH = 4000
"""Longest text taken for a field whose column has no length (a list of languages)."""
"""Timestamps without a zone, and dates, are read as Swedish local time."""

POLYGONAL = registry.POLYGONAL

MEDIA_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
    "shp": "application/zip",
    "csv": "text/csv",
}
SUFFIXES = {"gpkg": ".gpkg", "geojson": ".geojson", "shp": ".zip", "csv": ".csv"}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- messages ------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureProblem:
    """What is wrong with one feature (1-based; for CSV the line number of the file)."""

    feature: int
    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str = "sv") -> str:
        return translate("io.feature", lang, n=self.feature, reason=translate(self.key, lang, **self.values))


class ImportRefused(ValueError):
    """The file cannot be imported; nothing was written. ``key`` is the catalogue key of
    the message, ``values`` its placeholders, ``problems`` the features at fault."""

    def __init__(self, key: str, problems: Sequence[FeatureProblem] = (), **values: object) -> None:
        self.key = key
        self.values = values
        self.problems = list(problems)
        super().__init__(self.text("en"))

    def text(self, lang: str = "sv", limit: int = 20) -> str:
        lines = [translate(self.key, lang, **self.values)]
        lines += [problem.text(lang) for problem in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(translate("io.more_problems", lang, n=len(self.problems) - limit))
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportSource:
    """A file to import: its name (the suffix says the format) and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: str | Path) -> ImportSource:
        """Read a file from disk, refusing one larger than `MAX_IMPORT_BYTES` before reading it."""
        path = Path(path)
        check_size(path.stat().st_size)
        return cls(path.name, path.read_bytes())


@dataclass(frozen=True)
class ImportResult:
    """What an import did (``written``) or would do (a dry run): the features ``added``,
    ``changed`` and ``removed``, each by its name (or reference, for reports)."""

    layer: str
    count: int
    repaired: list[FeatureProblem]
    written: bool
    mode: str = "append"
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


Progress = Callable[[float, str], None]
"""``progress(fraction 0..1, catalogue key of the stage)``."""


def _no_progress(_fraction: float, _stage: str) -> None:
    return None


# -- checks ----------------------------------------------------------------------------


def check_layer(layer: str) -> str:
    return registry.get(layer).name


def check_mode(mode: str, layer: str) -> str:
    """``mode`` if ``layer`` takes it: residents' reports are only ever added to, never replaced
    or changed by a file (`ImportRefused` ``io.mode_reports``)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if layer == registry.REPORTS.name and mode != "append":
        raise ImportRefused("io.mode_reports", mode=mode)
    return mode


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    return fmt


def check_size(size: int) -> None:
    """Refuse a file of ``size`` bytes above `MAX_IMPORT_BYTES` (before parsing it)."""
    if size > MAX_IMPORT_BYTES:
        raise ImportRefused("io.too_large", mb=round(size / 1024 / 1024, 1), max_mb=MAX_IMPORT_BYTES // 1024 // 1024)


def parse_crs(value: object) -> CRS:
    """A CRS from ``3006``, ``"3006"``, ``"EPSG:3006"`` or any pyproj input; `ImportRefused`
    (``io.bad_crs``) when it names none."""
    text = str(value).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise ImportRefused("io.bad_crs", crs=text) from None


def _fold(text: object) -> str:
    """``" Löftes-text "`` → ``"loftes_text"``: how column names and enum labels are compared."""
    value = unicodedata.normalize("NFKD", str(text).strip().lower())
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return re.sub(r"[\s\-./]+", "_", value)


# -- reading -----------------------------------------------------------------------------


def read_source(source: ImportSource, *, crs: object = None) -> gpd.GeoDataFrame:
    """The features of ``source`` as a GeoDataFrame in EPSG:4326 (WGS84 lon/lat degrees).

    The CRS the file declares is transformed to EPSG:4326; ``crs`` (an EPSG code or any
    pyproj input) is used for a file that declares none, and overrides the CSV columns'
    implied CRS. Raises `ImportRefused` for a file too large, of an unknown kind, without
    a CRS, or that cannot be read. Geometries are returned as read (not yet checked).
    """
    check_size(len(source.data))
    suffix = Path(source.name).suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise ImportRefused("io.unknown_format", name=source.name, suffixes=", ".join(IMPORT_SUFFIXES))
    given = parse_crs(crs) if crs not in (None, "") else None
    frame = _read_csv(source.data, given) if suffix in (".csv", ".txt") else _read_vector(source, suffix, given)
    frame = frame.reset_index(drop=True)
    frame = frame.set_geometry(shapely.force_2d(frame.geometry.array), crs=frame.crs)
    if frame.crs is None:
        raise ImportRefused("io.no_crs", name=source.name)
    if not frame.crs.equals(CRS.from_user_input(WGS84)):
        try:
            frame = frame.to_crs(WGS84)
        except (shapely.errors.GEOSException, ValueError) as error:  # e.g. an infinite coordinate
            raise ImportRefused("io.unreadable", name=source.name, detail=_short(error)) from error
    return frame


def _read_vector(source: ImportSource, suffix: str, given: CRS | None) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory(prefix="trygg-import-") as tmp:
        folder = Path(tmp)
        if suffix == ".zip":
            path = _unzip_shapefile(source, folder)
        else:
            path = folder / f"upload{suffix}"
            path.write_bytes(source.data)
        try:
            layers = pyogrio.list_layers(path)
            name = str(layers[0][0]) if len(layers) else None
            # on_invalid="fix": a geometry GEOS will not build (a ring holding NaN never closes) becomes
            # None instead of refusing the whole file; `_mark_unbuilt` gives it its own message
            frame = _mark_unbuilt(pyogrio.read_dataframe(path, layer=name, on_invalid="fix"), path, name)
        except Exception as error:  # pyogrio raises several kinds for a broken file
            raise ImportRefused("io.unreadable", name=source.name, detail=_short(error)) from error
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise ImportRefused("io.no_geometry", name=source.name)
    if frame.crs is None and given is not None:
        frame = frame.set_crs(given)  # the file declares none: the caller's choice
    return frame


UNBUILT = shapely.Point(math.inf, math.inf)
"""Stands for a geometry the file holds but GEOS cannot build (coordinates NaN or Infinity): not finite."""


def _mark_unbuilt(frame: gpd.GeoDataFrame, path: Path, layer: str | None) -> gpd.GeoDataFrame:
    """Features whose geometry the file holds but could not be built get `UNBUILT`, so that the
    geometry check lists them as not finite rather than empty."""
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame or frame.empty:
        return frame
    missing = frame.geometry.isna().to_numpy()
    if not missing.any():
        return frame
    wkb = pyogrio.raw.read(path, layer=layer, columns=[])[2]
    held = np.array([value is not None for value in wkb], dtype=bool)
    if len(held) != len(frame):
        return frame
    geometry = frame.geometry.to_numpy().copy()
    geometry[missing & held] = UNBUILT
    return frame.set_geometry(gpd.GeoSeries(geometry, index=frame.index, crs=frame.crs))


def _unzip_shapefile(source: ImportSource, folder: Path) -> Path:
    """Extract the one Shapefile of a zip into ``folder`` (base names only, size-checked)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(source.data))
    except zipfile.BadZipFile as error:
        raise ImportRefused("io.unreadable", name=source.name, detail=_short(error)) from error
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not Path(m.filename).name.startswith(".")]
        if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
            raise ImportRefused("io.too_large_unzipped", max_mb=MAX_UNZIPPED_BYTES // 1024 // 1024)
        shps = [m for m in members if m.filename.lower().endswith(".shp")]
        if len(shps) != 1:
            raise ImportRefused("io.zip_needs_one_shp", name=source.name, n=len(shps))
        stem = Path(shps[0].filename).stem
        for member in members:
            name = Path(member.filename).name
            if Path(name).stem == stem:
                (folder / name).write_bytes(archive.read(member))
    return folder / Path(shps[0].filename).name


# -- CSV ------------------------------------------------------------------------------------

_LON_NAMES = ("lon", "lng", "long", "longitude", "lon_wgs84")
_LAT_NAMES = ("lat", "latitude", "lat_wgs84")
_XY_NAMES = (("e", "n"), ("easting", "northing"), ("ost", "nord"), ("x", "y"))
_SWEREF_NORTHING_MIN = 2_000_000.0
"""Any SWEREF 99 TM northing in Sweden exceeds this; no easting does."""


def decode_text(data: bytes) -> str:
    """Text of a spreadsheet export: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _separator(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max((";", ",", "\t"), key=header.count)


def parse_number(value: object) -> float:
    """``"6 256 543,12"``, ``"13.59"``, ``"−0,5"`` → float; `ValueError` otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("\u2212", "-").replace("\u00a0", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    number = float(text)  # raises ValueError for "abc" and ""
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _read_csv(data: bytes, given: CRS | None) -> gpd.GeoDataFrame:
    text = decode_text(data)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=_separator(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ImportRefused("io.unreadable", name="CSV", detail=_short(error)) from error
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.map(_unneutralise)
    folded = {_fold(c): c for c in frame.columns}
    wkt_column = next((c for f, c in folded.items() if f == "wkt" or re.fullmatch(r"wkt_epsg\d+", f)), None)
    lon = next((folded[n] for n in _LON_NAMES if n in folded), None)
    lat = next((folded[n] for n in _LAT_NAMES if n in folded), None)
    pair = next(((folded[a], folded[b]) for a, b in _XY_NAMES if a in folded and b in folded), None)
    problems: list[FeatureProblem] = []
    if wkt_column is not None:
        implied = re.fullmatch(r"wkt_epsg(\d+)", _fold(wkt_column))
        crs = given or (CRS.from_epsg(int(implied.group(1))) if implied else None)
        geoms = []
        for i, value in enumerate(frame[wkt_column]):
            try:
                geoms.append(shapely.from_wkt(value) if value.strip() else None)
            except shapely.errors.GEOSException:
                problems.append(FeatureProblem(i + 2, "io.problem.bad_wkt", {"column": wkt_column}))
                geoms.append(None)
        used = [wkt_column]
    elif (lon and lat) or pair:
        xcol, ycol = (lon, lat) if lon and lat else pair  # type: ignore[misc]
        crs = given or CRS.from_user_input(WGS84 if lon and lat else SWEREF99TM)
        xs = _numbers(frame[xcol], xcol, problems)
        ys = _numbers(frame[ycol], ycol, problems)
        if not (lon and lat) and crs.equals(CRS.from_user_input(SWEREF99TM)):
            with np.errstate(invalid="ignore"):
                if np.nanmedian(xs) > _SWEREF_NORTHING_MIN > np.nanmedian(ys):
                    xs, ys = ys, xs  # Swedish convention: x is the northing
        geoms = [None if math.isnan(x) or math.isnan(y) else shapely.Point(x, y) for x, y in zip(xs, ys, strict=True)]
        used = [xcol, ycol]
    else:
        raise ImportRefused("io.csv_no_coordinates", columns=", ".join(frame.columns))
    if problems:
        problems.sort(key=lambda p: p.feature)
        raise ImportRefused("io.refused", problems=problems, n=len({p.feature for p in problems}))
    return gpd.GeoDataFrame(frame.drop(columns=used), geometry=gpd.GeoSeries(geoms), crs=crs)


def _numbers(values: pd.Series, column: str, problems: list[FeatureProblem]) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for i, value in enumerate(values):
        try:
            out[i] = parse_number(value)
        except ValueError:
            problems.append(FeatureProblem(i + 2, "io.problem.not_a_number", {"column": column, "value": value}))
    return out


def _unneutralise(value: object) -> object:
    """Undo `neutralise_formula`: ``'=1+2`` → ``=1+2``."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
        return value[1:]
    return value


# -- mapping -----------------------------------------------------------------------------


def suggest_mapping(columns: Iterable[str], layer: str) -> dict[str, str | None]:
    """``{field: column or None}``: for each field of ``layer``, the first column of the
    file whose folded name is one of the field's aliases."""
    folded = {_fold(c): c for c in columns}
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for spec in registry.get(layer).fields:
        found = next((folded[a] for a in spec.aliases if a in folded and folded[a] not in taken), None)
        mapping[spec.name] = found
        if found:
            taken.add(found)
    return mapping


def _check_mapping(mapping: Mapping[str, str | None], layer: str, columns: Sequence[str]) -> None:
    known = {spec.name for spec in registry.get(layer).fields}
    for name, column in mapping.items():
        if name not in known:
            raise ValueError(f"mapping names field {name!r}, which {layer!r} does not have; fields: {sorted(known)}")
        if column is not None and column not in columns:
            raise ImportRefused("io.no_such_column", column=column, columns=", ".join(columns))
    for spec in registry.get(layer).fields:
        if spec.required and not mapping.get(spec.name):
            raise ImportRefused("io.missing_field", field=spec.name, columns=", ".join(columns))


def preview(frame: gpd.GeoDataFrame, layer: str, mapping: Mapping[str, str | None], rows: int = 5) -> pd.DataFrame:
    """The first ``rows`` features as the layer's fields (empty where unmapped), plus the
    geometry type and, for points, lon/lat (EPSG:4326)."""
    head = frame.head(rows)
    out = pd.DataFrame(index=head.index)
    for spec in registry.get(layer).fields:
        column = mapping.get(spec.name)
        out[spec.name] = head[column].map(_cell) if column else ""
    out["geometry"] = [_geometry_label(g) for g in head.geometry]
    return out.reset_index(drop=True)


def _is_null(value: object) -> bool:
    """None, NaN or NaT: a file's empty value."""
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _geometry_label(geom: shapely.Geometry | None) -> str:
    """The geometry type a preview shows; "–" for none, an empty one or one that is not finite."""
    if geom is None or geom.is_empty or not np.isfinite(shapely.get_coordinates(geom)).all():
        return "–"
    return str(geom.geom_type)


def _cell(value: object) -> str:
    if _is_null(value):
        return ""
    if isinstance(value, pd.Timestamp):  # a date field GDAL read as midnight stays a date
        midnight = value.tzinfo is None and value == value.normalize()
        return value.date().isoformat() if midnight else value.isoformat()
    return str(value).strip()


# -- geometry checks ---------------------------------------------------------------------


def check_geometries(
    frame: gpd.GeoDataFrame, layer: str, *, repair: bool = True, first_feature: int = 1
) -> tuple[list[shapely.Geometry | None], list[FeatureProblem], list[FeatureProblem]]:
    """Check the geometries of ``frame`` (EPSG:4326) for ``layer``.

    Returns ``(geometries, problems, repaired)``: a geometry per feature (None where it
    has a problem), the problems (empty, wrong type, invalid when not repairing, outside
    WGS84's range), and the features repaired with ``make_valid`` (with the reason).
    """
    allowed = registry.get(layer).geometry
    out: list[shapely.Geometry | None] = []
    problems: list[FeatureProblem] = []
    repaired: list[FeatureProblem] = []
    for i, geom in enumerate(frame.geometry):
        n = i + first_feature
        if geom is None or geom.is_empty:
            problems.append(FeatureProblem(n, "io.problem.empty"))
            out.append(None)
            continue
        if not np.isfinite(shapely.get_coordinates(geom)).all():  # NaN or Infinity: GEOS cannot test these
            problems.append(FeatureProblem(n, "io.problem.not_finite"))
            out.append(None)
            continue
        if geom.geom_type == "MultiPoint" and allowed == ("Point",) and len(geom.geoms) == 1:
            geom = geom.geoms[0]
        if geom.geom_type not in allowed:
            problems.append(
                FeatureProblem(n, "io.problem.wrong_type", {"found": geom.geom_type, "allowed": "/".join(allowed)})
            )
            out.append(None)
            continue
        if not shapely.is_valid(geom):
            reason = shapely.is_valid_reason(geom)
            fixed = _polygonal(shapely.make_valid(geom)) if repair else None
            if fixed is None:
                problems.append(FeatureProblem(n, "io.problem.invalid", {"reason": reason}))
                out.append(None)
                continue
            repaired.append(FeatureProblem(n, "io.problem.repaired", {"reason": reason}))
            geom = fixed
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            problems.append(FeatureProblem(n, "io.problem.out_of_range"))
            out.append(None)
            continue
        out.append(geom)
    return out, problems, repaired


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygonal part of a ``make_valid`` result, or None when there is none."""
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in POLYGONAL]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if merged.geom_type in POLYGONAL and not merged.is_empty else None


# -- values -------------------------------------------------------------------------------


def _enum_lookup(kind: str, codes: Iterable[str]) -> dict[str, str]:
    """Folded code and folded label in every language → code."""
    lookup: dict[str, str] = {}
    for code in codes:
        lookup[_fold(code)] = code
        for lang in LANGUAGES:
            lookup.setdefault(_fold(translate(f"{kind}.{code}", lang)), code)
    return lookup


def _parse_date(value: object) -> dt.date | None:
    if _is_null(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _cell(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return pd.to_datetime(text, dayfirst=True).date()  # 31/12/2026, 31.12.2026; ValueError if none


def _parse_moment(value: object) -> dt.datetime | None:
    """A time stamp; one without a zone is Swedish local time. Returns UTC."""
    if _is_null(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if not isinstance(value, dt.datetime):
        text = _cell(value)
        if not text:
            return None
        try:
            value = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
        except ValueError:
            value = pd.to_datetime(text, dayfirst=True).to_pydatetime()
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TIME_ZONE)
    return value.astimezone(dt.UTC)


def time_of_day_at(moment: dt.datetime) -> TimeOfDay:
    """Dag 06–18, kväll 18–22, natt 22–06, Swedish local time."""
    hour = moment.astimezone(LOCAL_TIME_ZONE).hour
    if 6 <= hour < 18:
        return TimeOfDay.DAY
    return TimeOfDay.EVENING if 18 <= hour < 22 else TimeOfDay.NIGHT


class _Row:
    """One feature's mapped values, collecting problems instead of raising."""

    def __init__(
        self, n: int, values: Mapping[str, object], problems: list[FeatureProblem], layer: registry.Layer
    ) -> None:
        self.n = n
        self.values = values
        self.problems = problems
        self.layer = layer

    def text(self, name: str) -> str:
        """The field ``name`` as text, at most as long as the schema's column holds."""
        value = _cell(self.values.get(name))
        limit = self.layer.max_length(name) or MAX_FREE_LENGTH
        if len(value) > limit:
            self.problems.append(FeatureProblem(self.n, "io.problem.too_long", {"field": name, "max": limit}))
        return value

    def enum(self, name: str, lookup: Mapping[str, str], default: str | None) -> str | None:
        raw = _cell(self.values.get(name))
        if not raw:
            if default is None:
                self.problems.append(FeatureProblem(self.n, "io.problem.missing", {"field": name}))
            return default
        code = lookup.get(_fold(raw))
        if code is None:
            allowed = ", ".join(sorted(set(lookup.values())))
            self.problems.append(
                FeatureProblem(self.n, "io.problem.bad_value", {"field": name, "value": raw, "allowed": allowed})
            )
        return code

    def convert(self, name: str, parse: Callable[[object], Any]) -> Any:
        try:
            return parse(self.values.get(name))
        except (ValueError, TypeError, OverflowError, pd.errors.ParserError):
            self.problems.append(
                FeatureProblem(
                    self.n,
                    "io.problem.bad_value",
                    {"field": name, "value": _cell(self.values.get(name)), "allowed": "ISO 8601"},
                )
            )
            return None


def _mapped_rows(frame: pd.DataFrame, mapping: Mapping[str, str | None]) -> list[dict[str, object]]:
    columns = {name: column for name, column in mapping.items() if column}
    return [{name: record[column] for name, column in columns.items()} for record in frame.to_dict("records")]


def convert_zones(
    _store: Store,
    rows: list[_Row],
    geoms: Sequence[shapely.Geometry | None],
    default_kind: str | None,
    _now: dt.datetime,
    _file_name: str,
) -> list[Zone]:
    lookup = _enum_lookup("zone_kind", [k.value for k in ZoneKind])
    zones = []
    for row, geom in zip(rows, geoms, strict=True):
        kind = row.enum("kind", lookup, default_kind)
        name = row.text("name")
        if not name:
            row.problems.append(FeatureProblem(row.n, "io.problem.missing", {"field": "name"}))
        start = row.convert("start_date", _parse_date)
        end = row.convert("end_date", _parse_date)
        if start and end and end < start:
            row.problems.append(FeatureProblem(row.n, "io.problem.end_before_start"))
        zone = Zone(
            name=name,
            kind=ZoneKind(kind) if kind else ZoneKind.PLATSSAMVERKAN,
            geometry_wkt=shapely.to_wkt(geom, rounding_precision=-1) if geom is not None else "",
            description=row.text("description"),
            promise_text=row.text("promise_text"),
            police_contact=row.text("police_contact"),
            start_date=start,
            end_date=end,
        )
        zones.append(zone)
    return zones


def convert_meeting_places(
    _store: Store,
    rows: list[_Row],
    geoms: Sequence[shapely.Geometry | None],
    default_kind: str | None,
    _now: dt.datetime,
    _file_name: str,
) -> list[MeetingPlace]:
    lookup = _enum_lookup("meeting_place_kind", [k.value for k in MeetingPlaceKind])
    places = []
    for row, geom in zip(rows, geoms, strict=True):
        kind = row.enum("kind", lookup, default_kind or MeetingPlaceKind.OTHER.value)
        name = row.text("name")
        if not name:
            row.problems.append(FeatureProblem(row.n, "io.problem.missing", {"field": "name"}))
        places.append(
            MeetingPlace(
                name=name,
                kind=MeetingPlaceKind(kind) if kind else MeetingPlaceKind.OTHER,
                lon=geom.x if geom is not None else 0.0,
                lat=geom.y if geom is not None else 0.0,
                address=row.text("address"),
                opening_hours=_place_hours(row),
                languages=_place_languages(row),
                accessibility=row.text("accessibility"),
                contact=row.text("contact"),
                description=row.text("description"),
                audience=_place_value(row, "audience", meeting_places.parse_audience, ()),
                fee=_place_value(row, "fee", meeting_places.parse_fee, ""),
                wheelchair=_place_value(row, "wheelchair", meeting_places.parse_access, ""),
                descriptions=_place_descriptions(row),
                staff_note=row.text("staff_note"),
            )
        )
    return places


def _place_hours(row: _Row) -> str:
    """The row's ``opening_hours`` (OSM's syntax; a problem pointing at the part not understood)."""
    text = row.text("opening_hours")
    problem = meeting_places.check_hours(text)
    if problem is not None:
        values = {"value": text, "part": problem.part, "position": problem.position + 1}
        row.problems.append(FeatureProblem(row.n, "io.problem.bad_hours", values))
    return text


def _place_languages(row: _Row) -> tuple[str, ...]:
    codes = meeting_places.split_codes(row.text("languages"))
    for code in meeting_places.unknown_languages(codes):
        row.problems.append(FeatureProblem(row.n, "io.problem.bad_language", {"value": code}))
    return codes


def _place_value(row: _Row, name: str, parse: Callable[[str], Any], empty: Any) -> Any:
    raw = _cell(row.values.get(name))
    try:
        return parse(raw)
    except ValueError:
        allowed = {"fee": "yes, no", "wheelchair": "yes, limited, no"}.get(name, ", ".join(meeting_places.audiences()))
        row.problems.append(
            FeatureProblem(row.n, "io.problem.bad_value", {"field": name, "value": raw, "allowed": allowed})
        )
        return empty


def _place_descriptions(row: _Row) -> dict[str, str]:
    limit = max_length("meeting_places", "description") or MAX_FREE_LENGTH
    found = {}
    for code in registry.DESCRIPTION_LANGUAGES:
        text = _cell(row.values.get(f"description:{code}"))
        if len(text) > limit:
            row.problems.append(
                FeatureProblem(row.n, "io.problem.too_long", {"field": f"description:{code}", "max": limit})
            )
        if text:
            found[code] = text
    return found


def convert_boundary(
    _store: Store,
    rows: list[_Row],
    geoms: Sequence[shapely.Geometry | None],
    _default_kind: str | None,
    _now: dt.datetime,
    file_name: str,
) -> tuple[str, list[shapely.Geometry | None]]:
    """The boundary's name (the first row's, else the file's) and the file's polygons (their
    union is written)."""
    names = [row.text("name") for row in rows]
    return next((n for n in names if n), Path(file_name).stem), list(geoms)


def convert_simple(
    layer: registry.Layer, rows: list[_Row], geoms: Sequence[shapely.Geometry | None]
) -> list[dict[str, Any]]:
    """A simple layer's rows (`geo.registry.Layer.simple`) as its entry's fields say: each field
    read by its ``kind`` (text within the schema's length, number, enum by code or label, date),
    a required one left empty is a problem; plus a new ``id`` and the ``geometry`` (EPSG:4326)."""
    lookups = {f.name: _field_lookup(f) for f in layer.fields if f.kind == "enum"}
    items = []
    for row, geom in zip(rows, geoms, strict=True):
        item: dict[str, Any] = {"id": str(uuid.uuid4())}
        for spec in layer.fields:
            item[spec.name] = _simple_value(row, spec, lookups.get(spec.name, {}))
        item["geometry"] = geom
        items.append(item)
    return items


def _field_lookup(spec: registry.Field) -> dict[str, str]:
    if spec.labels:
        return _enum_lookup(spec.labels, spec.codes)
    return {_fold(code): code for code in spec.codes}


def _simple_value(row: _Row, spec: registry.Field, lookup: Mapping[str, str]) -> Any:
    if spec.kind == "enum":
        default = spec.default if spec.default is not None else (None if spec.required else "")
        return row.enum(spec.name, lookup, default)
    if spec.kind == "date":
        value = row.convert(spec.name, _parse_date)
    elif spec.kind == "number":
        value = row.convert(spec.name, lambda v: parse_number(v) if _cell(v) else None)
    elif spec.kind == "text":
        value = row.text(spec.name)
    else:
        raise ValueError(f"field {spec.name!r} is {spec.kind!r}: a simple layer takes text, number, enum, date")
    if spec.required and value in (None, ""):
        row.problems.append(FeatureProblem(row.n, "io.problem.missing", {"field": spec.name}))
    return value


def convert_reports(
    store: Store,
    rows: list[_Row],
    geoms: Sequence[shapely.Geometry | None],
    _default_kind: str | None,
    now: dt.datetime,
    _file_name: str,
) -> pd.DataFrame:
    categories = store.categories(include_inactive=True)
    retired = {c.code for c in categories if not c.active}
    found = store.boundary()
    boundary = found[1] if found else None
    category_lookup: dict[str, str] = {}
    for cat in categories:
        category_lookup[_fold(cat.code)] = cat.code
        for text in cat.labels.values():
            category_lookup.setdefault(_fold(text), cat.code)
    feelings = {c.code: c.feeling.value for c in categories}
    feeling_lookup = _enum_lookup("feeling", [f.value for f in Feeling])
    tod_lookup = _enum_lookup("time_of_day", [t.value for t in TimeOfDay])
    status_lookup = _enum_lookup("status", [s.value for s in Status])
    moderation_lookup = _enum_lookup("moderation", [m.value for m in Moderation])
    records = []
    for row, geom in zip(rows, geoms, strict=True):
        category = row.enum("category", category_lookup, None)
        feeling = row.enum("feeling", feeling_lookup, feelings.get(category or "", Feeling.UNSAFE.value))
        if category and feeling and feelings.get(category) != feeling:
            row.problems.append(
                FeatureProblem(row.n, "io.problem.feeling_mismatch", {"category": category, "feeling": feeling})
            )
        _check_report(row, geom, category, retired, boundary)
        created = row.convert("created_at", _parse_moment) or now
        supporters = row.convert("supporters", lambda v: int(parse_number(v)) if _cell(v) else 0) or 0
        records.append(
            {
                "lon": geom.x if geom is not None else 0.0,
                "lat": geom.y if geom is not None else 0.0,
                "category": category,
                "feeling": feeling,
                "time_of_day": row.enum("time_of_day", tod_lookup, time_of_day_at(created).value),
                "text": scrub_text(row.text("text")).text,
                "language": _cell(row.values.get("language")) or "sv",
                "created_at": created,
                "updated_at": created,
                "status": row.enum("status", status_lookup, Status.NEW.value),
                "moderation": row.enum("moderation", moderation_lookup, Moderation.PENDING.value),
                "public_comment": row.text("public_comment"),
                "supporters": max(0, supporters),
                "source": Source.IMPORT.value,
            }
        )
    return pd.DataFrame.from_records(records)


def _check_report(
    row: _Row, geom: shapely.Geometry | None, category: str | None, retired: set[str], boundary: shapely.Geometry | None
) -> None:
    """The form's rules (`geo.reporting`) for one imported report: inside the municipality
    (border included), an active category, text that fits once scrubbed."""
    if geom is not None and (refused := check_pin(geom.x, geom.y, boundary)) is not None:
        row.problems.append(FeatureProblem(row.n, refused.key))
    if category in retired:
        row.problems.append(FeatureProblem(row.n, "report.error.category"))
    raw = _cell(row.values.get("text"))
    limit = row.layer.max_length("text") or MAX_FREE_LENGTH
    stored = len(scrub_text(raw).text)
    if len(raw) <= limit < stored:  # a scrubbed e-mail address can grow; too long as given is reported already
        row.problems.append(FeatureProblem(row.n, "io.problem.too_long", {"field": "text", "max": limit}))


def _role(viewer: Viewer | None) -> Role:
    """The role whose rights ``viewer`` has (nobody: the public)."""
    if viewer is None:
        return Role.PUBLIC
    return viewer.role if isinstance(viewer, User) else Role(viewer)


def _actor(viewer: Viewer) -> User | str:
    return viewer if isinstance(viewer, User) else audit.SYSTEM


def check_import_allowed(viewer: Viewer | None, layer: str) -> None:
    """`PermissionError` unless ``viewer`` may import (``import``) into ``layer``; the
    boundary is the municipality's setting: it needs ``manage_settings`` too."""
    role = _role(viewer)
    if not role_allows(role, Right.IMPORT):
        raise PermissionError(f"{role.value!r} may not import")
    if layer == "boundary" and not role_allows(role, Right.MANAGE_SETTINGS):
        raise PermissionError(f"{role.value!r} may not replace the boundary (a setting)")


def exact_export_allowed(viewer: Viewer) -> bool:
    """Whether ``viewer`` exports layers as stored (``export_exact``), not their public face."""
    return role_allows(_role(viewer), Right.EXPORT_EXACT)


def import_layer(
    store: Store,
    viewer: Viewer,
    source: ImportSource,
    layer: str,
    *,
    crs: object = None,
    mapping: Mapping[str, str | None] | None = None,
    default_kind: str | None = None,
    repair: bool = True,
    dry_run: bool = False,
    mode: str = "append",
    key: str | None = None,
    progress: Progress = _no_progress,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Import every feature of ``source`` into ``layer``, all or nothing.

    ``mode`` (`MODES`): ``append`` adds every feature; ``replace`` removes every stored
    feature of the layer and adds the file's; ``update`` matches the file's ``key`` column
    (``id``, as staff exports carry it, or the column of a field such as the name) to the
    stored features: a match is changed, a feature without one is added, nothing is removed.
    Reports are only appended; the boundary is always replaced. ``dry_run`` checks
    everything and says what would be added, changed and removed, writing nothing.

    Only staff with ``import`` may import (the boundary also needs ``manage_settings``;
    `PermissionError` otherwise); a written import is recorded in the audit log. The file's CRS is transformed
    to EPSG:4326 (``crs`` names one for a file that declares none; see `read_source`).
    ``mapping`` (``{field: column}``, default `suggest_mapping`) says which column feeds
    which field; ``default_kind`` is the zone or meeting place kind of rows without one.
    Invalid geometries are repaired with ``make_valid`` when ``repair`` (and reported in
    the result), else refused. Reports get ``source = import``, scrubbed text and, unless
    the file says otherwise, status ``ny`` and moderation ``pending``; contact e-mails are
    never imported. The boundary layer replaces the municipality boundary with the union
    of the file's polygons.

    Raises `ImportRefused` (nothing written) listing every feature at fault.
    """
    check_layer(layer)
    check_import_allowed(viewer, layer)
    check_mode(mode, layer)
    progress(0.05, "io.stage.read")
    frame = read_source(source, crs=crs)
    if frame.empty:
        raise ImportRefused("io.empty_file", name=source.name)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    mapping = dict(mapping) if mapping is not None else suggest_mapping(columns, layer)
    _check_mapping(mapping, layer, columns)
    first = 2 if Path(source.name).suffix.lower() in (".csv", ".txt") else 1
    progress(0.3, "io.stage.check")
    geoms, problems, repaired = check_geometries(frame, layer, repair=repair, first_feature=first)
    spec = registry.get(layer)
    rows = [_Row(i + first, values, problems, spec) for i, values in enumerate(_mapped_rows(frame, mapping))]
    progress(0.5, "io.stage.convert")
    now = now or dt.datetime.now(dt.UTC)
    if spec.convert is not None:
        items: Any = spec.convert(store, rows, geoms, default_kind, now, source.name)
    else:
        items = convert_simple(spec, rows, geoms)
    keys = _key_values(frame, key, mapping, layer, mode)
    plan = _plan(store, layer, items, mode, keys, rows, problems) if not problems else _Plan()
    if problems:
        problems.sort(key=lambda p: p.feature)
        raise ImportRefused("io.refused", problems=problems, n=len({p.feature for p in problems}))
    result = ImportResult(
        layer, len(frame), repaired, not dry_run, mode, plan.added_names, plan.changed_names, plan.removed_names
    )
    if dry_run:
        progress(1.0, "io.stage.done")
        return result
    progress(0.7, "io.stage.write")
    if layer == "reports":
        store.add_reports_frame(items)
    elif layer == "boundary":
        name, polygons = items
        store.set_boundary(name, shapely.union_all([g for g in polygons if g is not None]))
    elif spec.simple:
        store.import_features(spec.table, add=plan.add, update=plan.update, replace=plan.replace)
    else:
        store.import_places(spec.table, add=plan.add, update=plan.update, replace=plan.replace)
    _record_import(store, viewer, result)
    progress(1.0, "io.stage.done")
    return result


def _record_import(store: Store, viewer: Viewer, result: ImportResult) -> None:
    """The audit row of a written import: counts, never the features' names or text."""
    detail = {
        "mode": result.mode,
        "features": str(result.count),
        "added": str(len(result.added)),
        "changed": str(len(result.changed)),
        "removed": str(len(result.removed)),
    }
    audit.record(store, _actor(viewer), "import.layer", result.layer, detail)


@dataclass(frozen=True)
class _Plan:
    """What an import writes: the items to add and to update, whether the layer is emptied first,
    and the names of what is added, changed and removed."""

    add: Sequence[Any] = ()
    update: Sequence[Any] = ()
    replace: bool = False
    added_names: tuple[str, ...] = ()
    changed_names: tuple[str, ...] = ()
    removed_names: tuple[str, ...] = ()


def _key_values(
    frame: gpd.GeoDataFrame, key: str | None, mapping: Mapping[str, str | None], layer: str, mode: str
) -> tuple[str, list[str]] | None:
    """``(field, the key of each feature)`` for an update: the field is ``id`` or the one ``key`` feeds."""
    if mode != "update":
        return None
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    if not key:
        raise ImportRefused("io.key_needed")
    if key not in columns:
        raise ImportRefused("io.no_such_column", column=key, columns=", ".join(columns))
    fed = next((name for name, column in mapping.items() if column == key), None)
    field_name = "id" if _fold(key) == "id" else fed
    if field_name is None:
        fields = ", ".join(f.name for f in registry.get(layer).fields)
        raise ImportRefused("io.key_not_field", column=key, fields=fields)
    return field_name, [_cell(v) for v in frame[key]]


def _plan(
    store: Store,
    layer: str,
    items: Any,
    mode: str,
    keys: tuple[str, list[str]] | None,
    rows: Sequence[_Row],
    problems: list[FeatureProblem],
) -> _Plan:
    if layer == "reports":
        return _Plan(added_names=tuple(f"{row.n}" for row in rows))
    if layer == "boundary":
        stored = store.boundary()
        return _Plan(replace=True, added_names=(items[0],), removed_names=(stored[0],) if stored else ())
    added = tuple(_name(item) for item in items)
    if mode == "append":
        return _Plan(add=items, added_names=added)
    spec = registry.get(layer)
    stored: Sequence[Any]
    if spec.simple:
        stored = store.features(spec.table)
    else:
        stored = {"zones": store.zones, "meeting_places": store.meeting_places}[layer]()
    if mode == "replace":
        return _Plan(add=items, replace=True, added_names=added, removed_names=tuple(_name(s) for s in stored))
    assert keys is not None
    return _update_plan(stored, items, keys, rows, problems)


def _update_plan(
    stored: Sequence[Any],
    items: Sequence[Any],
    keys: tuple[str, list[str]],
    rows: Sequence[_Row],
    problems: list[FeatureProblem],
) -> _Plan:
    """Match each item's key to a stored feature's ``field``: changed where found, added where not."""
    field_name, values = keys
    by_key: dict[str, Any] = {}
    for old in stored:
        value = str(_get(old, field_name))
        if value in by_key:
            raise ImportRefused("io.key_not_unique", field=field_name, value=value)
        by_key[value] = old
    add, update, seen = [], [], set()
    for item, value, row in zip(items, values, rows, strict=True):
        if value and value in seen:
            problems.append(FeatureProblem(row.n, "io.problem.duplicate_key", {"value": value}))
        seen.add(value)
        old = by_key.get(value) if value else None
        if old is None:
            add.append(_with_id(item, value[:36]) if field_name == "id" and value else item)
        elif not _same(_with_id(item, _get(old, "id")), old):
            update.append(_with_id(item, _get(old, "id")))
    return _Plan(
        add=add,
        update=update,
        added_names=tuple(_name(i) for i in add),
        changed_names=tuple(_name(i) for i in update),
    )


def _get(item: Any, name: str) -> Any:
    """A field of an imported or stored item: a `geo.model` object, or a simple layer's row (dict)."""
    return item.get(name) if isinstance(item, dict) else getattr(item, name)


def _with_id(item: Any, ident: str) -> Any:
    return {**item, "id": ident} if isinstance(item, dict) else dataclasses.replace(item, id=ident)


def _name(item: Any) -> str:
    """What an import's summary calls an item: its name, else its id."""
    return str(_get(item, "name") if not isinstance(item, dict) or "name" in item else item.get("id"))


def _same(new: Any, old: Any) -> bool:
    """Whether an imported item equals the stored one (geometry to 1e-9 degrees)."""
    if isinstance(new, dict):
        same_shape = new["geometry"].equals_exact(old["geometry"], 1e-9)
        return same_shape and {k: v for k, v in new.items() if k != "geometry"} == {
            k: v for k, v in old.items() if k != "geometry"
        }
    if isinstance(new, Zone):
        same_shape = shapely.from_wkt(new.geometry_wkt).equals_exact(shapely.from_wkt(old.geometry_wkt), 1e-9)
        return same_shape and dataclasses.replace(new, geometry_wkt="") == dataclasses.replace(old, geometry_wkt="")
    return bool(new == old)


# -- export --------------------------------------------------------------------------------

_REPORT_STAFF = ("id", "ref_code", "category", "feeling", "time_of_day", "status", "moderation", "source",
                 "created_at", "text", "supporters", "public_comment")  # fmt: skip


def layer_frame(
    store: Store, viewer: Viewer, layer: str, *, added: Mapping[str, Callable[[gpd.GeoDataFrame], pd.Series]] = {}
) -> gpd.GeoDataFrame:
    """``layer`` as ``viewer`` may see it, in EPSG:4326, every value text, number or null
    (dates and times as ISO 8601 text; times in UTC with ``+00:00``; an empty value is null).

    Public: the layer's public face (`geo.registry.public_frame`; for reports
    `geo.public.public_reports`: published only, each snapped to the centre of its 50 m cell
    in SWEREF 99 TM, free text scrubbed), without internal ids; a layer without a public face
    raises `PermissionError`. Staff with ``export_exact``: every report not rejected, exact;
    other staff (viewers) get the public face. Never a contact e-mail. ``added``: columns made
    from the frame (with its ids) before the ids are dropped, by name (a promise's page address).
    """
    spec = registry.get(layer)
    exact = exact_export_allowed(viewer)
    if exact:
        frame = _staff_reports(store) if spec is registry.REPORTS else spec.features(store)
    else:
        frame = registry.public_frame(store, layer)
    frame = frame.assign(**{name: make(frame) for name, make in added.items()}) if added else frame
    drop = () if exact else spec.export_drop  # staff exports keep ids: an update by id finds them again
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    if "created_at" in frame.columns:
        frame = frame.sort_values("created_at", kind="stable").reset_index(drop=True)
    return _as_export_values(frame)


def _staff_reports(store: Store) -> gpd.GeoDataFrame:
    columns = (*_REPORT_STAFF, "lon", "lat")
    frame = store.reports_frame(report_query(ReportFilter(), Role.TEAM), columns=columns)
    geometry = gpd.points_from_xy(frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float), crs=WGS84)
    return gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry, crs=WGS84)


def _as_export_values(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every value as text, an integer or null: dates and times as ISO 8601, empty text as null."""
    frame = frame.copy()
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        values = frame[column]
        if pd.api.types.is_integer_dtype(values) or column == "supporters":
            frame[column] = values.fillna(0).astype("int64")
            continue
        frame[column] = pd.Series([_export_value(v) for v in values], index=frame.index, dtype=object)
    return frame


def _export_value(value: object) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return text if text else None


@dataclass(frozen=True)
class ExportFile:
    name: str
    media_type: str
    data: bytes
    count: int


def export_layer(store: Store, viewer: Viewer, layer: str, fmt: str, *, crs: object = WGS84) -> ExportFile:
    """``layer`` as ``viewer`` may see it (see `layer_frame`) in format ``fmt``
    (`FORMATS`), its geometry in ``crs`` (default EPSG:4326; ``3006`` for SWEREF 99 TM).

    GeoPackage, GeoJSON and Shapefile declare their CRS (GeoJSON in EPSG:4326 as RFC 7946
    says; in another CRS with a ``crs`` member, as GDAL writes it). A Shapefile comes
    zipped with its ``.prj`` and ``.cpg`` (UTF-8); long field names are shortened as in
    the layer's short names (`geo.registry.Field.short_name`). CSV has points as
    ``lon``/``lat`` (EPSG:4326) or ``x``/``y``
    (x = easting, other CRS), polygons as ``wkt_epsg<code>``; cells that would start a
    spreadsheet formula are prefixed with ``'``. An exact export (`exact_export_allowed`) is
    recorded in the audit log.
    """
    check_layer(layer)
    check_format(fmt)
    target = parse_crs(crs)
    frame = layer_frame(store, viewer, layer)
    if not target.equals(CRS.from_user_input(WGS84)):
        frame = frame.to_crs(target)
    name = f"{layer}{SUFFIXES[fmt]}"
    if fmt == "csv":
        data = _csv_bytes(frame, target, points=registry.get(layer).points)
    else:
        data = _gdal_bytes(frame, layer, fmt)
    if exact_export_allowed(viewer):
        detail = {"format": fmt, "crs": f"EPSG:{target.to_epsg() or '?'}", "features": str(len(frame))}
        audit.record(store, _actor(viewer), "export.exact", layer, detail)
    return ExportFile(name, MEDIA_TYPES[fmt], data, len(frame))


def _gdal_bytes(frame: gpd.GeoDataFrame, layer: str, fmt: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="trygg-export-") as tmp:
        folder = Path(tmp)
        if fmt == "shp":
            frame = frame.rename(columns=registry.get(layer).short_names())
            path = folder / f"{layer}.shp"
            pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="UTF-8")
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for part in sorted(folder.iterdir()):
                    archive.write(part, part.name)
            return buffer.getvalue()
        if fmt == "gpkg":
            path = folder / f"{layer}.gpkg"
            pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
        else:
            path = folder / f"{layer}.geojson"
            pyogrio.write_dataframe(frame, path, driver="GeoJSON")
        return path.read_bytes()


def neutralise_formula(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_bytes(frame: gpd.GeoDataFrame, crs: CRS, *, points: bool) -> bytes:
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table = table.map(neutralise_formula)
    geometry = frame.geometry
    if points:
        x_name, y_name = ("lon", "lat") if crs.equals(CRS.from_user_input(WGS84)) else ("x", "y")
        table[x_name] = geometry.x.to_numpy()
        table[y_name] = geometry.y.to_numpy()
    else:
        epsg = crs.to_epsg() or 0
        table[f"wkt_epsg{epsg}"] = [shapely.to_wkt(g, rounding_precision=-1) for g in geometry]
    return table.to_csv(index=False).encode("utf-8")


def _short(error: BaseException) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__
