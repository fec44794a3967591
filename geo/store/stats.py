"""Counts of reports grouped in SQL (``GROUP BY`` on both backends), for the statistics
page and the lägesbild: never every report read into a frame.

`StatsStore.report_counts` counts the reports of a `ReportQuery` per combination of a few
grouping keys (`GROUP_KEYS`): the report's category, feeling, time of day, status and
moderation, the UTC hour it was made (``hour``: ``YYYY-MM-DD HH``; the caller turns hours
into local days or months, exactly, since Sweden's offsets are whole hours) and, for closed
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

from geo.store.reports import ReportQuery, ReportStore, _inside
from geo.store.tables import reports

GROUP_KEYS = ("category", "feeling", "time_of_day", "status", "moderation", "hour", "days_open")
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

    def _counts_in_shapes(
        self,
        conditions: list[sa.ColumnElement[bool]],
        keys: tuple[str, ...],
        expressions: list[sa.Label[object]],
        shapes: list[shapely.Geometry],
    ) -> pd.DataFrame:
        """SQLite with an area: the bounding box's candidates tested in shapely, grouped here."""
        select = sa.select(*expressions, reports.c.lon, reports.c.lat).where(*conditions)
        with self.reading() as conn:
            frame = pd.DataFrame(conn.execute(select).all(), columns=[*keys, "lon", "lat"])
        lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
        inside = np.ones(len(frame), dtype=bool)
        for shape in shapes:
            inside &= _inside(shape, lon, lat)
        frame = frame[inside]
        if not keys:
            return pd.DataFrame({"count": np.array([len(frame)], dtype=np.int64)})
        grouped = frame.groupby(list(keys), sort=True, dropna=False).size().rename("count").reset_index()
        grouped["count"] = grouped["count"].astype(np.int64)
        return grouped

    def _group_expression(self, key: str) -> sa.ColumnElement[object]:
        postgres = self.engine.dialect.name == "postgresql"
        if key == "hour":
            if postgres:
                return sa.func.to_char(reports.c.created_at, "YYYY-MM-DD HH24")
            return sa.func.strftime("%Y-%m-%d %H", reports.c.created_at)
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
