"""The public face of a report: the one function every public surface uses.

The anonymous map and its hexagons, the public exports, ``/api/layers/``, Open311 and the
public copy of an area's review all get reports through `public_reports`: published
reports only, each at the centre of its `PUBLIC_GRID_M` cell in SWEREF 99 TM (EPSG:3006,
returned in EPSG:4326), free text and public comment scrubbed (`geo.privacy.scrub_text`),
and only the columns of `PUBLIC_REPORT_COLUMNS` (no contact, no exact position, no
moderation reason, no source). DESIGN.md §3.
"""

from __future__ import annotations

from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.model import WGS84, Moderation
from geo.privacy import PUBLIC_GRID_M, coarsen_points, scrub_text
from geo.registry import REPORTS

PUBLIC_REPORT_COLUMNS: tuple[str, ...] = REPORTS.public.columns if REPORTS.public else ()
"""Every column of a report the public may see; nothing else leaves a public surface."""
SCRUBBED_COLUMNS = ("text", "public_comment")

Frame = TypeVar("Frame", pd.DataFrame, gpd.GeoDataFrame)


def public_reports(frame: Frame, cell_m: float = PUBLIC_GRID_M) -> Frame:
    """``frame`` (reports; a GeoDataFrame of points, or a DataFrame with ``lon``/``lat`` columns,
    EPSG:4326 degrees) as the public may see it.

    Rows whose ``moderation`` is not published are dropped (a frame without that column must
    come from `geo.layers.report_query` for `Role.PUBLIC`, which selects published ones);
    positions are snapped to the centre of their ``cell_m`` grid cell in SWEREF 99 TM; ``text``
    and ``public_comment`` are scrubbed; every column outside `PUBLIC_REPORT_COLUMNS` (and the
    position) is dropped.
    """
    if "moderation" in frame.columns:
        frame = frame[frame["moderation"] == Moderation.PUBLISHED.value]
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    position = [geometry] if geometry else [c for c in ("lon", "lat") if c in frame.columns]
    if not position:
        raise ValueError(f"a report frame needs a geometry or lon/lat columns, got {list(frame.columns)!r}")
    keep = [c for c in PUBLIC_REPORT_COLUMNS if c in frame.columns]
    out = frame[[*keep, *position]].copy()
    for column in SCRUBBED_COLUMNS:
        if column in out.columns:
            out[column] = [scrub_text(v if isinstance(v, str) else "").text for v in out[column]]
    if out.empty:
        return out.reset_index(drop=True)
    if geometry:
        lon, lat = coarsen_points(out.geometry.x.to_numpy(), out.geometry.y.to_numpy(), cell_m)
        out = out.set_geometry(gpd.points_from_xy(lon, lat, crs=WGS84))
    else:
        lon, lat = coarsen_points(np.asarray(out["lon"], dtype=float), np.asarray(out["lat"], dtype=float), cell_m)
        out["lon"], out["lat"] = lon, lat
    return out.reset_index(drop=True)
