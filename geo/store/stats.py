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
read (only those inside the box), tested in shapely and grouped in pandas.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from geo.config import TIME_ZONE
from geo.store.reports import ReportQuery, ReportStore, _inside
from geo.store.tables import reports

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

    def report_counts_by_area(
        self, query: ReportQuery, areas: Sequence[shapely.Geometry], by: Sequence[str] = ()
    ) -> list[pd.DataFrame]:
        """`report_counts` of ``query`` for each of ``areas`` (EPSG:4326, borders included), in
        their order. PostGIS: one ``GROUP BY`` per area in SQL. SQLite: the keys and positions
        inside the areas' common bounding box are read once and each area is tested in shapely
        against those in its own box."""
        keys = _check_keys(by)
        if not areas:
            return []
        if self.spatial_sql:
            return [self.report_counts(query, keys, polygon=area) for area in areas]
        plan = self._plan(query)
        if plan is None:
            return [_empty(keys) for _ in areas]
        conditions, zone = plan
        bounds = np.array([area.bounds for area in areas], dtype=float)
        box = (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())
        expressions = [self._group_expression(key).label(key) for key in keys]
        select = sa.select(*expressions, reports.c.lon, reports.c.lat).where(
            *conditions, *self._sqlite_box(box, ordered=False)
        )
        with self.reading() as conn:
            rows = [tuple(row) for row in conn.execute(select)]
        frame = pd.DataFrame.from_records(rows, columns=[*keys, "lon", "lat"])
        lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
        if zone is not None and len(frame):
            keep = _inside(zone, lon, lat)
            frame, lon, lat = frame[keep], lon[keep], lat[keep]
        answers = []
        for area, (minx, miny, maxx, maxy) in zip(areas, bounds, strict=True):
            near = np.flatnonzero((lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy))
            inside = near[_inside(area, lon[near], lat[near])]
            answers.append(_grouped(frame.iloc[inside], keys))
        return answers

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
            return sa.func.strftime("%Y-%m-%d %H", reports.c.created_at)
        if key == "month":
            if postgres:
                local = sa.func.timezone(TIME_ZONE, sa.func.timezone("UTC", reports.c.created_at))
                return sa.func.to_char(local, "YYYY-MM")
            winter = sa.func.strftime("%Y-%m", reports.c.created_at, "+1 hours")
            summer = sa.func.strftime("%Y-%m", reports.c.created_at, "+2 hours")
            hour = sa.func.strftime("%Y-%m-%d %H", reports.c.created_at)
            return sa.case((winter == summer, winter), else_=hour)
        if key == "days_open":
            if postgres:
                seconds = sa.func.extract("epoch", reports.c.updated_at - reports.c.created_at)
                return sa.cast(sa.func.floor(seconds / 86400), sa.Integer)
            days = sa.func.julianday(reports.c.updated_at) - sa.func.julianday(reports.c.created_at)
            return sa.cast(days, sa.Integer)
        return reports.c[key]


def _check_keys(by: Sequence[str]) -> tuple[str, ...]:
    keys = tuple(by)
    unknown = [key for key in keys if key not in GROUP_KEYS]
    if unknown or len(set(keys)) != len(keys):
        raise ValueError(f"by must name distinct keys of {GROUP_KEYS!r}, got {keys!r}")
    return keys


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
