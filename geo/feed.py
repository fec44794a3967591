"""Public reports a page at a time, for the HTTP API (`geo.api`).

Filters, the bounding box, the zone and the order are the store's (`geo.store.ReportQuery`):
nothing reads the whole layer. Pages run newest first and are chained by a keyset
cursor (the last report's ``created_at`` and ``id``), as OGC API – Features chains
them with a ``next`` link: every page costs what the first does, and a report
published meanwhile moves nothing between pages.

The public sees each report at the centre of its 50 m cell (`geo.privacy`), so a
box asks about those positions, not the exact ones: SQL selects the box widened by
the farthest a point moves when it is snapped (`SNAP_MARGIN_M`), and the snapped
positions are then tested against the box itself. All coordinates are EPSG:4326
(WGS84 lon/lat degrees).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.layers import ReportFilter, report_query
from geo.model import Role
from geo.privacy import PUBLIC_GRID_M
from geo.public import PUBLIC_REPORT_COLUMNS, public_reports
from geo.registry import REPORTS
from geo.store import Store

PUBLIC_COLUMNS: tuple[str, ...] = tuple(c for c in PUBLIC_REPORT_COLUMNS if c not in REPORTS.export_drop)
"""What a report shows on a public page besides its snapped position: its public face
(`geo.public`) without what public exports drop (its internal id)."""
SNAP_MARGIN_M = PUBLIC_GRID_M * math.sqrt(2) / 2 + 1.0
"""How far snapping to the 50 m grid can move a point (half the cell's diagonal), and a metre."""
METRES_PER_DEGREE_LAT = 110_570.0
"""The shortest degree of latitude (at the equator), so margins err on the wide side."""
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the last report of this one (``created_at`` UTC-aware)."""

    created_at: dt.datetime
    id: str

    def encode(self) -> str:
        text = json.dumps([self.created_at.isoformat(), self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The cursor in ``token`` (from `encode`); `ValueError` when it is not one."""
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            moment, report_id = json.loads(text)
            created_at = dt.datetime.fromisoformat(moment)
        except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError):
            raise ValueError(f"not a page cursor: {token!r}") from None
        if created_at.tzinfo is None or not isinstance(report_id, str):
            raise ValueError(f"not a page cursor: {token!r}")
        return cls(created_at, report_id)


@dataclass(frozen=True)
class Page:
    """One page of public reports: ``rows`` with `PUBLIC_COLUMNS` and the snapped
    ``lon``/``lat`` (EPSG:4326), newest first; ``next`` is None on the last page."""

    rows: pd.DataFrame
    next: Cursor | None


def widened(bbox: Box, metres: float = SNAP_MARGIN_M) -> Box:
    """``bbox`` (min lon, min lat, max lon, max lat; EPSG:4326 degrees) grown by at least
    ``metres`` on every side (clipped to the globe)."""
    minx, miny, maxx, maxy = bbox
    dlat = metres / METRES_PER_DEGREE_LAT
    widest = min(max(abs(miny), abs(maxy)) + dlat, 89.0)
    dlon = dlat / math.cos(math.radians(widest))
    return max(minx - dlon, -180.0), max(miny - dlat, -90.0), min(maxx + dlon, 180.0), min(maxy + dlat, 90.0)


def public_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Reports (``lon``/``lat`` exact, EPSG:4326) as the public sees them on a public page:
    `geo.public.public_reports` (published only, snapped to the 50 m grid, text scrubbed,
    only the public face's columns) without what public exports drop (the internal id)."""
    rows = public_reports(frame)
    return rows.drop(columns=[c for c in REPORTS.export_drop if c in rows.columns])


def public_reports_page(
    store: Store,
    flt: ReportFilter | None = None,
    *,
    bbox: Box | None = None,
    limit: int = 1000,
    after: Cursor | None = None,
) -> Page:
    """The ``limit`` newest published reports after ``after`` that match ``flt`` (its
    zone tested against exact positions, as on the map) and whose public (snapped)
    position lies in ``bbox`` (EPSG:4326 degrees, edges included)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit!r}")
    flt = flt or ReportFilter()
    box = None if bbox is None else widened(bbox)
    columns = (*PUBLIC_COLUMNS, "id", "created_at", "lon", "lat")
    found: list[pd.DataFrame] = []
    wanted = limit
    cursor = after
    while wanted > 0:
        query = report_query(
            flt,
            Role.PUBLIC,
            bbox=box,
            newest_first=True,
            after=None if cursor is None else (cursor.created_at, cursor.id),
            limit=wanted,
        )
        batch = store.reports_frame(query, columns=list(dict.fromkeys(columns)))
        if batch.empty:
            return Page(_joined(found), None)
        fetched, last = len(batch), batch.iloc[-1]
        cursor = Cursor(last["created_at"].to_pydatetime(), str(last["id"]))
        rows = public_rows(batch)
        if bbox is not None:
            rows = rows[_inside(rows, bbox)]
        found.append(rows)
        if fetched < wanted:
            return Page(_joined(found), None)  # the database had no more
        wanted -= len(rows)
    return Page(_joined(found), cursor)


def _inside(rows: pd.DataFrame, bbox: Box) -> np.ndarray:
    minx, miny, maxx, maxy = bbox
    lon, lat = rows["lon"].to_numpy(), rows["lat"].to_numpy()
    return (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)


def _joined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if not p.empty]
    if not parts:
        return public_rows(_empty())
    return pd.concat(parts, ignore_index=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*PUBLIC_COLUMNS, "id", "lon", "lat")})
