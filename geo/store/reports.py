"""Reports: one resident's report in, reports out as frames asked for with a
`ReportQuery` (filters, box, zone, order, paging), counted, or located (lon/lat).

"Inside the box" and "inside a zone" (border included) are answered on either backend
the same way for the caller: on PostGIS in SQL with the GiST index of ``reports.geom``;
on SQLite the SQL narrows to the bounding box and shapely tests the candidates,
vectorised against the prepared polygon. Callers never ask which backend they have."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.cells import as_stored, report_cells
from geo.store import codes
from geo.store.base import StoreBase
from geo.store.engine import StoreError
from geo.store.tables import check_lengths, report_contacts, reports, zones

BBox = tuple[float, float, float, float]
"""min lon, min lat, max lon, max lat in EPSG:4326 degrees, edges included."""
FloatArray = npt.NDArray[np.float64]
CellArray = npt.NDArray[np.uint64]
_POSITION = np.dtype([("lon", np.float64), ("lat", np.float64), ("cell", np.int64)])
_ID_CHUNK = 500
"""Ids per ``IN (...)`` query (below SQLite's oldest variable limit, 999)."""
_MOMENTS = ("created_at", "updated_at")


@dataclass(frozen=True)
class CellCounts:
    """Reports per H3 cell: ``cells`` as ``uint64``, sorted, with their ``counts``."""

    cells: CellArray
    counts: npt.NDArray[np.int64]


@dataclass(frozen=True)
class ReportQuery:
    """Which reports, in what order, how many: every field narrows (an empty tuple or
    None means "any"); hashable, so it can key a cache.

    Moments are time-zone aware (`ValueError` for naive ones): ``created_from`` is
    inclusive, ``created_before`` exclusive, ``created_until`` inclusive. ``bbox`` is in
    EPSG:4326 degrees, edges included; ``zone_id`` keeps the reports inside that zone,
    its border included (an unknown zone keeps none). ``newest_first`` orders by
    ``created_at`` then ``id``, both descending (a total order); ``offset`` and ``limit``
    page it. ``after`` is a keyset cursor for that order, the ``(created_at, id)`` of the
    last row of the previous page: the page starts right after it, so a later page costs
    what the first does and a report added meanwhile shifts nothing.
    """

    ids: tuple[str, ...] = ()
    ref_codes: tuple[str, ...] = ()
    moderation: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    feelings: tuple[str, ...] = ()
    times_of_day: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    created_from: dt.datetime | None = None
    created_before: dt.datetime | None = None
    created_until: dt.datetime | None = None
    bbox: BBox | None = None
    zone_id: str | None = None
    newest_first: bool = False
    after: tuple[dt.datetime, str] | None = None
    limit: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit is not None and (not isinstance(self.limit, int) or self.limit < 0):
            raise ValueError(f"limit must be a non-negative int or None, got {self.limit!r}")
        if not isinstance(self.offset, int) or self.offset < 0:
            raise ValueError(f"offset must be a non-negative int, got {self.offset!r}")
        if self.after is not None and not self.newest_first:
            raise ValueError("after (a keyset cursor) needs newest_first=True")
        if self.bbox is not None and len(self.bbox) != 4:
            raise ValueError(f"bbox must be (min lon, min lat, max lon, max lat), got {self.bbox!r}")


class ReportStore(StoreBase):
    """Reading and writing reports (mixed into `geo.store.Store`)."""

    def add_report(
        self,
        row: dict[str, Any],
        *,
        email: str | None = None,
        attempts: int = 5,
        then: Callable[[Connection, str, str], None] | None = None,
    ) -> tuple[str, str]:
        """Insert one report (``row`` holds the ``reports`` columns; ``lon``/``lat``
        EPSG:4326, ``created_at`` time-zone aware) and, apart from it, the optional
        contact e-mail. A fresh reference code is drawn; on the unlikely collision
        with an existing code, another is drawn. ``then(conn, id, ref_code)`` runs in the
        same transaction (the confirmation e-mail, `geo.outbox`). Returns ``(id, ref_code)``
        once the row is committed.
        """
        import uuid

        values = dict(row)
        check_lengths("reports", values)
        cell, public_cell = report_cells(np.array([values["lon"]], dtype=float), np.array([values["lat"]], dtype=float))
        values["cell"], values["public_cell"] = int(as_stored(cell)[0]), int(as_stored(public_cell)[0])
        if email:
            check_lengths("report_contacts", {"email": email})
        values.setdefault("id", str(uuid.uuid4()))
        values.setdefault("updated_at", values["created_at"])
        for attempt in range(attempts):
            values["ref_code"] = codes.new_ref_code()
            try:
                with self.transaction() as conn:
                    conn.execute(reports.insert().values(**values))
                    if email:
                        conn.execute(report_contacts.insert().values(report_id=values["id"], email=email))
                    if then is not None:
                        then(conn, values["id"], values["ref_code"])
                return values["id"], values["ref_code"]
            except StoreError as error:
                # transaction() turns every database error into StoreError; only a clash of
                # reference codes (UNIQUE on ref_code) is worth another draw.
                clash = isinstance(error.__cause__, sa.exc.IntegrityError) and "ref_code" in str(error.__cause__)
                if not clash or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def report_by_ref(self, ref_code: str) -> dict[str, Any] | None:
        """The report with this reference code (exact, upper case), or None. Moments are UTC-aware."""
        with self.reading() as conn:
            row = conn.execute(sa.select(reports).where(reports.c.ref_code == ref_code)).mappings().first()
        return None if row is None else dict(row)

    def report_contact(self, report_id: str) -> str | None:
        with self.reading() as conn:
            return conn.execute(
                sa.select(report_contacts.c.email).where(report_contacts.c.report_id == report_id)
            ).scalar()

    def add_supporter(self, report_id: str) -> int:
        """Count one more resident who reports the same thing; returns the new count."""
        with self.transaction() as conn:
            conn.execute(reports.update().where(reports.c.id == report_id).values(supporters=reports.c.supporters + 1))
            count = conn.execute(sa.select(reports.c.supporters).where(reports.c.id == report_id)).scalar()
        if count is None:
            raise KeyError(report_id)
        return int(count)

    def first_report_at(self) -> dt.datetime | None:
        """When the oldest report was made (UTC-aware), or None when there are none."""
        with self.reading() as conn:
            first = conn.execute(sa.select(sa.type_coerce(sa.func.min(reports.c.created_at), sa.String))).scalar()
        # SQLite answers an aggregate of a DateTime as text; PostgreSQL's text is ISO 8601 too.
        return None if first is None else dt.datetime.fromisoformat(str(first)).replace(tzinfo=dt.UTC)

    def count_reports(self, query: ReportQuery | None = None) -> int:
        """How many reports match ``query`` (all of them when None), ``offset``/``limit``
        ignored: ``COUNT(*)`` in SQL; on SQLite with a zone, the bounding box's candidates
        tested in shapely."""
        query = query or ReportQuery()
        plan = self._plan(query)
        if plan is None:
            return 0
        conditions, zone = plan
        if zone is not None:
            lon, lat = self._lonlat(conditions)
            return int(_inside(zone, lon, lat).sum())
        with self.reading() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(reports).where(*conditions)).scalar() or 0)

    def report_locations(self, query: ReportQuery | None = None) -> tuple[FloatArray, FloatArray]:
        """lon and lat (EPSG:4326 degrees) of the reports matching ``query``, as two float
        arrays, in no particular order (``offset``/``limit``/order ignored): two float
        columns in one query, no frame (about 1.2 s for a million rows on SQLite)."""
        plan = self._plan(query or ReportQuery())
        if plan is None:
            empty = np.empty(0, dtype=float)
            return empty, empty.copy()
        conditions, zone = plan
        lon, lat = self._lonlat(conditions)
        if zone is not None and lon.size:
            inside = _inside(zone, lon, lat)
            lon, lat = lon[inside], lat[inside]
        return lon, lat

    def report_positions(
        self, query: ReportQuery | None = None, *, public: bool
    ) -> tuple[FloatArray, FloatArray, CellArray]:
        """lon, lat (EPSG:4326 degrees, exact) and the H3 cell stored with each report matching
        ``query`` (`geo.cells`: ``public_cell``, of the position the public sees, when ``public``;
        else ``cell``, of the exact one), in no particular order: three columns in one query."""
        plan = self._plan(query or ReportQuery())
        if plan is None:
            empty = np.empty(0, dtype=float)
            return empty, empty.copy(), np.empty(0, dtype=np.uint64)
        conditions, zone = plan
        cell = reports.c.public_cell if public else reports.c.cell
        with self.reading() as conn:
            result = conn.execute(sa.select(reports.c.lon, reports.c.lat, cell).where(*conditions))
            # the driver's own rows (tuples made in C), not SQLAlchemy's: 1.1 s against 1.9 s at a million
            rows = np.fromiter(result.cursor, dtype=_POSITION, count=-1)
        lon, lat = np.ascontiguousarray(rows["lon"]), np.ascontiguousarray(rows["lat"])
        cells = np.ascontiguousarray(rows["cell"]).view(np.uint64)
        if zone is not None and lon.size:
            inside = _inside(zone, lon, lat)
            lon, lat, cells = lon[inside], lat[inside], cells[inside]
        return lon, lat, cells

    def cell_counts(self, query: ReportQuery, keep: int, bits: int, *, public: bool) -> CellCounts:
        """Reports matching ``query`` per parent cell, counted in SQL (``GROUP BY``) from the cells
        stored with them (``public_cell`` when ``public``, else ``cell``; a parent is
        ``(cell & keep) | bits``, `geo.cells.parent_bits`); the public's published reports are
        counted along the index on (``public_cell``, ``moderation``) alone. A zone is tested in SQL on
        PostGIS; on SQLite, as `count_reports` does, the cells of the candidates in the zone's
        bounding box are read, tested in shapely and grouped here."""
        plan = self._plan(query)
        if plan is None:
            return CellCounts(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64))
        conditions, zone = plan
        if zone is not None:
            *_, cells = self.report_positions(query, public=public)
            parents = (cells & np.uint64(keep)) | np.uint64(bits)
            found, counts = np.unique(parents, return_counts=True)
            return CellCounts(found, counts.astype(np.int64))
        cell = reports.c.public_cell if public else reports.c.cell
        # the numbers inline (ints made by geo.cells, never input): PostgreSQL must see the same
        # expression in the SELECT and the GROUP BY, which two sets of bound parameters are not
        parent = cell.op("&")(sa.literal_column(str(int(keep)))).op("|")(sa.literal_column(str(int(bits))))
        parent = parent.label("parent")
        with self.reading() as conn:
            rows = conn.execute(sa.select(parent, sa.func.count()).where(*conditions).group_by(parent)).all()
        cells = np.array([int(row[0]) for row in rows], dtype=np.int64).view(np.uint64)
        counts = np.array([int(row[1]) for row in rows], dtype=np.int64)
        order = np.argsort(cells)
        return CellCounts(cells[order], counts[order])

    def reports_frame(self, query: ReportQuery | None = None, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """``columns`` (default: every column) of the reports matching ``query``, in its
        order, paged by its ``offset`` and ``limit`` (cut in SQL, so the newest thousand
        never read a million rows). ``created_at``/``updated_at`` come back as UTC-aware
        timestamps; ``lon``/``lat`` in EPSG:4326 degrees."""
        query = query or ReportQuery()
        names = list(columns) if columns else [c.name for c in reports.columns]
        plan = self._plan(query)
        if plan is None:
            return _moments_aware(pd.DataFrame({name: pd.Series(dtype=object) for name in names}))
        conditions, zone = plan
        if zone is None:
            return self._read(conditions, names, query)
        if query.limit is None and not query.offset:
            extra = [name for name in ("lon", "lat") if name not in names]
            frame = self._read(conditions, [*names, *extra], query)
            frame = frame[_inside(zone, frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float))]
            return frame[names].reset_index(drop=True)
        # Paging with a zone tested in shapely: page the ids inside first, then read only those rows.
        candidates = self._read(conditions, ["id", "lon", "lat"], ReportQuery(newest_first=query.newest_first))
        inside = candidates[
            _inside(zone, candidates["lon"].to_numpy(dtype=float), candidates["lat"].to_numpy(dtype=float))
        ]
        stop = None if query.limit is None else query.offset + query.limit
        ids = inside["id"].iloc[query.offset : stop].tolist()
        return self._rows_by_id(ids, names)

    # -- how a query becomes SQL -------------------------------------------

    def _plan(self, query: ReportQuery) -> tuple[list[sa.ColumnElement[bool]], shapely.Geometry | None] | None:
        """The SQL conditions of ``query`` and the zone still to be tested in shapely (None
        when SQL answered it, or there is none); None when nothing can match (an unknown zone)."""
        conditions = _conditions(query)
        zone = None
        if query.zone_id:
            with self.reading() as conn:
                wkb = conn.execute(sa.select(zones.c.geom_wkb).where(zones.c.id == query.zone_id)).scalar()
            if wkb is None:
                return None
            zone = shapely.from_wkb(wkb)
        bbox = None if query.bbox is None else tuple(map(float, query.bbox))
        if self.spatial_sql:
            conditions += self._inside_conditions(bbox=bbox, polygon=zone)
            return conditions, None
        conditions += self._sqlite_box(bbox, None if zone is None else zone.bounds, ordered=query.newest_first)
        return conditions, zone

    def _inside_conditions(
        self, *, bbox: BBox | None = None, polygon: shapely.Geometry | None = None
    ) -> list[sa.ColumnElement[bool]]:
        """PostGIS: SQL conditions on ``reports`` for points inside ``bbox`` and inside
        ``polygon`` (EPSG:4326), borders included, exact, with the GiST index of
        ``reports.geom``. (On SQLite, `_sqlite_box` narrows to the bounding box and `_plan`
        leaves the polygon to shapely.)"""
        geom = sa.literal_column("reports.geom")
        conditions: list[sa.ColumnElement[bool]] = []
        if bbox is not None:
            conditions.append(geom.op("&&")(sa.func.ST_MakeEnvelope(*map(float, bbox), 4326)))
        if polygon is not None:
            conditions.append(sa.func.ST_Intersects(geom, sa.func.ST_GeomFromWKB(shapely.to_wkb(polygon), 4326)))
        return conditions

    def _sqlite_box(self, *boxes: BBox | None, ordered: bool) -> list[sa.ColumnElement[bool]]:
        """``lon``/``lat`` ranges (edges included) of the intersection of ``boxes`` on SQLite.

        SQLite keeps no statistics, so for a query in ``created_at`` order the plan is chosen
        here: a box holding many reports is read along the ``created_at`` index (the newest
        matches come first); a box holding few along the ``lon``/``lat`` index, then sorted.
        At 1,000,000 reports either way takes a few hundredths of a second where the wrong
        one took seconds."""
        given = [box for box in boxes if box is not None]
        if not given:
            return []
        minx, miny = max(b[0] for b in given), max(b[1] for b in given)
        maxx, maxy = min(b[2] for b in given), min(b[3] for b in given)
        if ordered:
            probe = sa.select(sa.literal(1)).where(reports.c.lon.between(minx, maxx), reports.c.lat.between(miny, maxy))
            with self.reading() as conn:  # index only: a few milliseconds
                held = conn.execute(sa.select(sa.func.count()).select_from(probe.limit(DENSE_BOX).subquery())).scalar()
            if (held or 0) >= DENSE_BOX:
                # "+ 0" keeps SQLite from reading the box along the lon/lat index.
                return [(reports.c.lon + 0).between(minx, maxx), (reports.c.lat + 0).between(miny, maxy)]
        return [reports.c.lon.between(minx, maxx), reports.c.lat.between(miny, maxy)]

    def _read(self, conditions: list[sa.ColumnElement[bool]], names: Sequence[str], query: ReportQuery) -> pd.DataFrame:
        # Moments are read as plain DateTime and made UTC-aware column-wise below: a row-wise
        # result processor would cost a Python call per row.
        selected = [
            sa.type_coerce(reports.c[name], sa.DateTime()).label(name) if name in _MOMENTS else reports.c[name]
            for name in names
        ]
        select = sa.select(*selected).where(*conditions)
        if query.newest_first:
            select = select.order_by(reports.c.created_at.desc(), reports.c.id.desc())
        if query.offset:
            select = select.offset(query.offset)
        if query.limit is not None:
            select = select.limit(query.limit)
        with self.reading() as conn:
            frame = pd.read_sql_query(select, conn)
        return _moments_aware(frame)

    def _rows_by_id(self, ids: list[str], names: Sequence[str]) -> pd.DataFrame:
        """The rows of ``ids``, in that order."""
        read = [*names, "id"] if "id" not in names else list(names)
        parts = [
            self._read([reports.c.id.in_(ids[start : start + _ID_CHUNK])], read, ReportQuery())
            for start in range(0, max(len(ids), 1), _ID_CHUNK)
        ]
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        position = {report_id: index for index, report_id in enumerate(ids)}
        frame = frame.iloc[np.argsort(frame["id"].map(position).to_numpy(), kind="stable")]
        return frame[list(names)].reset_index(drop=True)

    def _lonlat(self, conditions: list[sa.ColumnElement[bool]]) -> tuple[FloatArray, FloatArray]:
        with self.reading() as conn:
            result = conn.execute(sa.select(reports.c.lon, reports.c.lat).where(*conditions))
            flat = np.fromiter(itertools.chain.from_iterable(result), dtype=float)
        pairs = flat.reshape(-1, 2)
        return np.ascontiguousarray(pairs[:, 0]), np.ascontiguousarray(pairs[:, 1])


DENSE_BOX = 20_000
"""A box holding at least this many reports is read along the ``created_at`` index on SQLite."""


def _conditions(query: ReportQuery) -> list[sa.ColumnElement[bool]]:
    """The SQL conditions of ``query``'s columns (not its box or zone)."""
    conditions: list[sa.ColumnElement[bool]] = []
    for column, values in (
        (reports.c.id, query.ids),
        (reports.c.ref_code, query.ref_codes),
        (reports.c.moderation, query.moderation),
        (reports.c.category, query.categories),
        (reports.c.feeling, query.feelings),
        (reports.c.time_of_day, query.times_of_day),
        (reports.c.status, query.statuses),
    ):
        if values:
            conditions.append(column.in_(list(values)))
    if query.created_from is not None:
        conditions.append(reports.c.created_at >= query.created_from)
    if query.created_before is not None:
        conditions.append(reports.c.created_at < query.created_before)
    if query.created_until is not None:
        conditions.append(reports.c.created_at <= query.created_until)
    if query.after is not None:
        moment, last_id = query.after
        # "<= moment" alone lets the index range start at the cursor; the OR breaks ties.
        conditions += [
            reports.c.created_at <= moment,
            sa.or_(reports.c.created_at < moment, reports.c.id < last_id),
        ]
    return conditions


def _inside(zone: shapely.Geometry, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which points (EPSG:4326) lie in ``zone``, its border included: one vectorised test
    against the prepared polygon."""
    shapely.prepare(zone)
    return np.asarray(shapely.intersects_xy(zone, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)))


def _moments_aware(frame: pd.DataFrame) -> pd.DataFrame:
    for column in _MOMENTS:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).dt.tz_localize("UTC")
    return frame
