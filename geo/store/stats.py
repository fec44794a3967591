"""Counts of reports grouped in SQL (``GROUP BY`` on both backends), for the statistics
page and the lägesbild: never every report read into a frame.

`StatsStore.report_counts` counts the reports of a `ReportQuery` per combination of a few
grouping keys (`GROUP_KEYS`): the report's category, feeling, time of day, status and
moderation, the local month it was made in (``month``: ``YYYY-MM`` in Swedish time; on SQLite,
which knows no time zones, a report made in the two hours where UTC+1 and UTC+2 fall in different
months is given as its UTC hour ``YYYY-MM-DD HH`` instead, for the caller to place exactly), the
UTC hour it was made (``hour``: ``YYYY-MM-DD HH``) and, for closed
cases, the whole days from made to last change (``days_open``). The answer has one row per
non-empty group, so a million reports over two years come back as at most some tens of
thousands of rows.

An area (a zone of the query, or any ``polygon`` in EPSG:4326, border included) is answered
like `ReportStore.count_reports` answers it: on PostGIS exactly in SQL; on SQLite the SQL
narrows to the area's bounding box and groups nothing, the candidates' keys and lon/lat are
read (only those inside the box), tested in shapely and grouped in pandas. The many areas of
`StatsStore.report_counts_with_areas` are counted on SQLite by the H3 cells stored with the reports:
``GROUP BY`` in SQL for the cells wholly inside an area, a test in shapely only for the reports
of the cells on its border (`geo.cells.cover`), so the answer stays exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo.cells import CellArray, as_stored, cover, parent_bits
from geo.config import TIME_ZONE
from geo.store.reports import ReportQuery, ReportStore, _inside
from geo.store.tables import reports

AREA_RESOLUTION = 11
"""H3 resolution (cells of ~2,150 m², edges of ~29 m) at which `StatsStore.report_counts_with_areas` splits an
area on SQLite: reports in cells wholly inside are counted in SQL, those in border cells tested."""
_area_cells = sa.Table(
    "area_cells",
    sa.MetaData(),
    sa.Column("cell", sa.Integer, primary_key=True),
    sa.Column("inside", sa.Integer, nullable=False),
    sa.Column("border", sa.Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
"""The cells of the areas one `StatsStore.report_counts_with_areas` call counts (SQLite, per connection;
``cell`` the row id, as the parent of a stored cell: a 64-bit integer)."""

GROUP_KEYS = ("category", "feeling", "time_of_day", "status", "moderation", "month", "hour", "days_open")
"""What `StatsStore.report_counts` can group by."""


class StatsStore(ReportStore):
    """Grouped counts of reports (mixed into `geo.store.Store`)."""

    def report_counts(
        self, query: ReportQuery | None = None, by: Sequence[str] = (), *, polygon: shapely.Geometry | None = None
    ) -> pd.DataFrame:
        """How many reports match ``query`` (and lie in ``polygon``, EPSG:4326, border
        included, when given) per combination of ``by`` (names from `GROUP_KEYS`): one row
        per non-empty group, columns ``by`` then ``count`` (int64). With ``by`` empty, one
        row holding the total (zero included). ``offset``/``limit``/order are ignored."""
        keys = _check_keys(by)
        query = query or ReportQuery()
        plan = self._plan(query)
        if plan is None:
            return _empty(keys)
        conditions, zone = plan
        shapes = [zone] if zone is not None else []
        if polygon is not None:
            if self.spatial_sql:
                conditions += self._inside_conditions(polygon=polygon)
            else:
                conditions += self._sqlite_box(polygon.bounds, ordered=False)
                shapes.append(polygon)
        expressions = [self._group_expression(key).label(key) for key in keys]
        if shapes:
            return self._counts_in_shapes(conditions, keys, expressions, shapes)
        select = sa.select(*expressions, sa.func.count().label("count")).select_from(reports).where(*conditions)
        if keys:
            select = select.group_by(*expressions)
        with self.reading() as conn:
            rows = conn.execute(select).all()
        return _frame(rows, keys)

    def report_counts_with_areas(
        self,
        query: ReportQuery,
        areas: Sequence[shapely.Geometry],
        by: Sequence[str] = (),
        area_by: Sequence[str] | None = None,
    ) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
        """`report_counts` of ``query`` by ``by`` and, for each of ``areas`` (EPSG:4326, borders
        included, in their order), by ``area_by`` (some of ``by``; all when None), those of its reports
        that lie in the area. PostGIS: one ``GROUP BY`` in SQL for
        the whole and one per area. SQLite, for a query without a zone: one pass. Each area is split
        into the H3 cells at `AREA_RESOLUTION` wholly inside it and those on its border
        (`geo.cells.cover`); the ``GROUP BY`` also groups by which areas hold a report's cell (from the
        parent of the cell stored with it), and returns the positions of the reports in border cells
        only, which shapely tests. (With a zone, each area is answered as `report_counts` does.)"""
        keys = _check_keys(by)
        area_keys = keys if area_by is None else _check_keys(area_by)
        if not set(area_keys) <= set(keys):
            raise ValueError(f"area_by must name keys of by {keys!r}, got {area_keys!r}")
        if self.spatial_sql or not areas or query.zone_id:
            return self.report_counts(query, keys), [self.report_counts(query, area_keys, polygon=a) for a in areas]
        plan = self._plan(query)
        if plan is None:
            return _empty(keys), [_empty(area_keys) for _ in areas]
        conditions, _ = plan
        sets, cells = _area_sets([cover(area, AREA_RESOLUTION) for area in areas])
        frame = self._counts_in_cells(conditions, keys, cells)
        inside, border = frame["inside"].to_numpy(), frame["border"].to_numpy()
        lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
        answers = []
        for index, area in enumerate(areas):
            holding = [number for number, members in enumerate(sets) if members >> index & 1]
            chosen = np.isin(inside, holding)
            near = np.flatnonzero(np.isin(border, holding))
            chosen[near] = _inside(area, lon[near], lat[near])
            answers.append(_summed(frame[chosen], area_keys))
        return _summed(frame, keys), answers

    def _counts_in_cells(
        self, conditions: list[sa.ColumnElement[bool]], keys: tuple[str, ...], cells: list[tuple[int, int, int]]
    ) -> pd.DataFrame:
        """SQLite: reports matching ``conditions``, one row per ``inside`` and ``border`` (numbers of sets
        of areas, 0 for none) of the report's cell at `AREA_RESOLUTION` (``cells``: stored cell, inside,
        border), ``keys`` and, in border cells only, ``lon``/``lat``, with its ``count``. The cells go
        into a temporary table joined on the parent of the cell stored with each report
        (`geo.cells.parent_bits`)."""
        keep, bits = parent_bits(AREA_RESOLUTION)
        # the numbers inline (ints made by geo.cells, never input), as in ReportStore.cell_counts
        parent = reports.c.cell.op("&")(sa.literal_column(str(int(keep)))).op("|")(sa.literal_column(str(int(bits))))
        near = _area_cells.c.border > 0
        grouped = [
            sa.func.coalesce(_area_cells.c.inside, 0),
            sa.func.coalesce(_area_cells.c.border, 0),
            *(self._group_expression(key) for key in keys),
            sa.case((near, reports.c.lon)),
            sa.case((near, reports.c.lat)),
        ]
        names = ("inside", "border", *keys, "lon", "lat")
        select = (
            sa.select(*(g.label(name) for g, name in zip(grouped, names, strict=True)), sa.func.count().label("count"))
            .select_from(reports.outerjoin(_area_cells, _area_cells.c.cell == parent))
            .where(*conditions)
            .group_by(*grouped)
        )
        with self.reading() as conn:
            _area_cells.drop(conn, checkfirst=True)
            _area_cells.create(conn)
            try:
                conn.exec_driver_sql("INSERT INTO area_cells (cell, inside, border) VALUES (?, ?, ?)", cells)
                found = conn.execute(select).all()
            finally:
                _area_cells.drop(conn)
        return pd.DataFrame([tuple(row) for row in found], columns=[*names, "count"])

    def _counts_in_shapes(
        self,
        conditions: list[sa.ColumnElement[bool]],
        keys: tuple[str, ...],
        expressions: list[sa.Label[object]],
        shapes: list[shapely.Geometry],
    ) -> pd.DataFrame:
        """SQLite with an area: the bounding box's candidates tested in shapely, grouped here."""
        if not keys:
            lon, lat = self._lonlat(conditions)
            inside = np.ones(lon.size, dtype=bool)
            for shape in shapes:
                inside &= _inside(shape, lon, lat)
            return pd.DataFrame({"count": np.array([int(inside.sum())], dtype=np.int64)})
        select = sa.select(*expressions, reports.c.lon, reports.c.lat).where(*conditions)
        with self.reading() as conn:
            rows = [tuple(row) for row in conn.execute(select)]
        frame = pd.DataFrame.from_records(rows, columns=[*keys, "lon", "lat"])
        lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
        inside = np.ones(len(frame), dtype=bool)
        for shape in shapes:
            inside &= _inside(shape, lon, lat)
        return _grouped(frame[inside], keys)

    def _group_expression(self, key: str) -> sa.ColumnElement[object]:
        postgres = self.engine.dialect.name == "postgresql"
        if key == "hour":
            if postgres:
                return sa.func.to_char(reports.c.created_at, "YYYY-MM-DD HH24")
            return sa.func.substr(_stored_text(), 1, 13)
        if key == "month":
            if postgres:
                local = sa.func.timezone(TIME_ZONE, sa.func.timezone("UTC", reports.c.created_at))
                return sa.func.to_char(local, "YYYY-MM")
            return _sqlite_month()
        if key == "days_open":
            if postgres:
                seconds = sa.func.extract("epoch", reports.c.updated_at - reports.c.created_at)
                return sa.cast(sa.func.floor(seconds / 86400), sa.Integer)
            days = sa.func.julianday(reports.c.updated_at) - sa.func.julianday(reports.c.created_at)
            return sa.cast(days, sa.Integer)
        return reports.c[key]


def _stored_text() -> sa.ColumnElement[str]:
    """SQLite: ``created_at`` as stored, UTC text ``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's format)."""
    return sa.type_coerce(reports.c.created_at, sa.String)


def _sqlite_month() -> sa.ColumnElement[object]:
    """SQLite: the local month (``YYYY-MM``) a report was made in, or its UTC hour (``YYYY-MM-DD HH``)
    where it depends on summer time. Swedish time is UTC+1 or UTC+2, so before 22:00 UTC, or before the
    28th, the local month is the UTC month, cut from the stored text; only the rest (under 1 % of
    reports) pays for SQLite's date functions: the month one and two hours later, when they agree."""
    stored = _stored_text()
    plain = sa.or_(sa.func.substr(stored, 12, 2) < "22", sa.func.substr(stored, 9, 2) < "28")
    winter = sa.func.strftime("%Y-%m", reports.c.created_at, "+1 hours")
    summer = sa.func.strftime("%Y-%m", reports.c.created_at, "+2 hours")
    hour = sa.func.substr(stored, 1, 13)
    return sa.case((plain, sa.func.substr(stored, 1, 7)), (winter == summer, winter), else_=hour)


def _check_keys(by: Sequence[str]) -> tuple[str, ...]:
    keys = tuple(by)
    unknown = [key for key in keys if key not in GROUP_KEYS]
    if unknown or len(set(keys)) != len(keys):
        raise ValueError(f"by must name distinct keys of {GROUP_KEYS!r}, got {keys!r}")
    return keys


def _area_sets(covers: Sequence[tuple[CellArray, CellArray]]) -> tuple[list[int], list[tuple[int, int, int]]]:
    """The sets of areas that hold a cell inside them or on their border, numbered (``sets[n]`` a bit
    mask of the areas' indexes; set 0 is empty), and per cell of any area its stored value, the number of
    the set of areas holding it inside and that of those it borders."""
    inside: dict[int, int] = {}
    border: dict[int, int] = {}
    for index, (held, touched) in enumerate(covers):
        for found, cells in ((inside, held), (border, touched)):
            for cell in as_stored(cells).tolist():
                found[cell] = found.get(cell, 0) | 1 << index
    sets = sorted({0, *inside.values(), *border.values()})
    number = {members: n for n, members in enumerate(sets)}
    cells = sorted(inside.keys() | border.keys())  # in order: the temporary table is filled by appending
    rows = [(cell, number[inside.get(cell, 0)], number[border.get(cell, 0)]) for cell in cells]
    return sets, rows


def _summed(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Rows of ``frame`` holding a ``count`` summed per combination of ``keys`` (as `report_counts` answers)."""
    if not keys:
        return pd.DataFrame({"count": np.array([int(frame["count"].sum())], dtype=np.int64)})
    if frame.empty:
        return _empty(keys)
    summed = frame.groupby(list(keys), sort=True, dropna=False)["count"].sum().reset_index()
    summed["count"] = summed["count"].astype(np.int64)
    return summed


def _grouped(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Rows of ``frame`` counted per combination of ``keys`` (as `report_counts` answers)."""
    if not keys:
        return pd.DataFrame({"count": np.array([len(frame)], dtype=np.int64)})
    if frame.empty:
        return _empty(keys)
    grouped = frame.groupby(list(keys), sort=True, dropna=False).size().rename("count").reset_index()
    grouped["count"] = grouped["count"].astype(np.int64)
    return grouped


def _empty(keys: tuple[str, ...]) -> pd.DataFrame:
    if not keys:
        return pd.DataFrame({"count": np.array([0], dtype=np.int64)})
    return pd.DataFrame({**{key: pd.Series(dtype=object) for key in keys}, "count": pd.Series(dtype=np.int64)})


def _frame(rows: Sequence[Sequence[object]], keys: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(row) for row in rows], columns=[*keys, "count"])
    if frame.empty:
        return _empty(keys)
    frame["count"] = frame["count"].astype(np.int64)
    return frame.sort_values(list(keys)).reset_index(drop=True) if keys else frame
