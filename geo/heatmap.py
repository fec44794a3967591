"""Karta's heat map of reports, for staff: counts per H3 cell as weighted points.

A heat map of 100,000 reports does not send 100,000 points to the browser: the reports in the
window (`geo.hexagons.Window`, EPSG:4326) are counted per H3 cell in SQL (`Store.cell_counts`,
``GROUP BY`` on the cell stored with each report, `geo.cells`) at a resolution some two steps finer
than the hexagons of the same zoom (`heat_resolution`: cells a few pixels across; merged into coarser
parents while more than `HEAT_POINT_LIMIT` would be sent), and each cell becomes one point at its
centre weighted by its count. folium's `folium.plugins.HeatMap` (leaflet-heat,
served by the app: `geo.assets`) draws them.

Only staff who may see staff views (`geo.rights.Right.VIEW_STAFF`) get a heat map, from the exact
positions: the public never does (a heat map of coarsened points would still show where single
reports are, and counts under five cannot be hidden in a colour gradient). This module imports no
Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import h3.api.basic_int as h3
import numpy as np
import numpy.typing as npt

from geo.cells import BASE_RESOLUTION, cell_parents, parent_bits
from geo.hexagons import Window, resolution_for_zoom
from geo.layers import ReportFilter, report_query
from geo.model import Role
from geo.rights import Right, role_allows
from geo.store import Store

HEAT_FINER = 2
"""The heat map's cells are at most this many H3 resolutions finer than the hexagons at the same zoom."""
HEAT_POINT_LIMIT = 5_000
"""At most this many weighted points go to the browser: above it, cells are merged into their parents
(one resolution coarser at a time, never coarser than the hexagons of the zoom)."""


def may_see_heat(viewer: Role | None) -> bool:
    """Whether ``viewer`` may switch Karta's reports to a heat map (staff views only)."""
    return role_allows(viewer, Right.VIEW_STAFF)


def heat_resolution(zoom: float) -> int:
    """The H3 resolution of the heat map's cells at a Leaflet zoom: `HEAT_FINER` finer than
    `geo.hexagons.resolution_for_zoom`, at most the stored `geo.cells.BASE_RESOLUTION`."""
    return min(BASE_RESOLUTION, resolution_for_zoom(zoom) + HEAT_FINER)


@dataclass(frozen=True, eq=False)
class HeatView:
    """What the heat map draws in one window: ``points`` rows of (lat, lon, weight), a cell's
    centre (EPSG:4326 degrees) and its reports; ``in_window`` their sum; ``resolution`` the cells'."""

    points: npt.NDArray[np.float64]
    in_window: int
    resolution: int

    def __len__(self) -> int:
        return int(self.points.shape[0])


def heat_view(
    store: Store, flt: ReportFilter, window: Window, *, viewer: Role, point_limit: int = HEAT_POINT_LIMIT
) -> HeatView:
    """The weighted points of the reports matching ``flt`` in ``window`` (EPSG:4326) as ``viewer``
    may see them (pending ones included for those who may see them, `geo.layers.report_query`):
    at most ``point_limit`` of them, unless even the hexagons' resolution of the zoom needs more.

    `PermissionError` for a viewer who may not see staff views: the public gets no heat map.
    """
    if not may_see_heat(viewer):
        raise PermissionError(f"the heat map is for staff ({Right.VIEW_STAFF.value}); not for {viewer!r}")
    resolution = heat_resolution(window.zoom)
    keep, bits = parent_bits(resolution)
    found = store.cell_counts(report_query(flt, viewer, bbox=window.bbox), keep, bits, public=False)
    cells, counts = found.cells, found.counts
    while len(cells) > point_limit and resolution > resolution_for_zoom(window.zoom):
        resolution -= 1  # the counted cells merged into their parents: the same reports, fewer points
        cells, inverse = np.unique(cell_parents(cells, resolution), return_inverse=True)
        counts = np.bincount(inverse, weights=counts).astype(np.int64)
    points = np.empty((len(cells), 3), dtype=float)
    for row, (cell, count) in enumerate(zip(cells, counts, strict=True)):
        lat, lon = h3.cell_to_latlng(int(cell))
        points[row] = (round(lat, 5), round(lon, 5), float(count))
    return HeatView(points, int(counts.sum()), resolution)
