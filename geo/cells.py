"""Where a report is in H3, worked out once, when the report is written.

Every report is stored with two H3 cells at `BASE_RESOLUTION` (``h3`` 4, cells of ~44 m²): ``cell``,
the cell of its exact position, and ``public_cell``, the cell of the position the public sees (snapped
to the 50 m grid of `geo.privacy.coarsen_points`). The map counts reports per coarser cell from the
index bits (`cell_parents`), so with the cells stored it needs no H3 call per report: not at start-up
(issue #22: locating a million reports was most of the first view after a restart) and not in SQL,
where a count per cell is a ``GROUP BY`` on the parent's bits (`parent_bits`). An area is
split into the cells wholly inside it and those on its border (`cover`), so that SQL can count the
reports of the first by their cells and only those of the second need a test of their position.

An H3 index fits in 63 bits, so it is stored as a signed 64-bit integer (``BIGINT``) and read back as
``uint64``. This module imports neither Streamlit nor the store.
"""

from __future__ import annotations

import itertools

import h3.api.basic_int as h3
import numpy as np
import numpy.typing as npt
import shapely

from geo.privacy import PUBLIC_GRID_M, coarsen_points

FloatArray = npt.NDArray[np.float64]
CellArray = npt.NDArray[np.uint64]

BASE_RESOLUTION = 13
"""H3 resolution at which every report is located once (cells of ~44 m²); coarser ones are parents."""

DESCENDANT_REACH = 1.0525
"""How far (in circumradii of a cell) a point of one of the cell's descendants may lie from its centre:
each finer level moves a child's centre at most √3 of its edges (edges shrink by √7 a level), so the
reach is below √3 / (√7 − 1) ≈ 1.0524. Children do not tile their parent exactly, hence a reach above 1."""
COVER_MARGIN = 1.5
"""`cover` classifies a cell by a disc of this many times `DESCENDANT_REACH` around its centre."""
_COVER_LEVELS = 3
"""`cover` judges cells this many resolutions coarser first."""
_M_PER_DEG_LAT = 110_500.0
"""A degree of latitude is at least 110,574 m (at the equator): metres to degrees, rounded to over-cover."""

_RES_SHIFT = 52
_RES_MASK = np.uint64(0xF << _RES_SHIFT)


def latlng_cells(lon: FloatArray, lat: FloatArray, resolution: int = BASE_RESOLUTION) -> CellArray:
    """The H3 cell of each point (lon/lat in EPSG:4326 degrees) as ``uint64`` indexes."""
    check_resolution(resolution)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape:
        raise ValueError(f"lon and lat must have the same shape, got {lon.shape} and {lat.shape}")
    cells = map(h3.latlng_to_cell, lat.tolist(), lon.tolist(), itertools.repeat(resolution))
    return np.fromiter(cells, dtype=np.uint64, count=lon.size)


def report_cells(lon: FloatArray, lat: FloatArray) -> tuple[CellArray, CellArray]:
    """(``cell``, ``public_cell``) of reports at ``lon``/``lat`` (EPSG:4326 degrees): the H3 cells at
    `BASE_RESOLUTION` of the exact positions and of the positions coarsened to the public's 50 m grid."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    public_lon, public_lat = coarsen_points(lon, lat, PUBLIC_GRID_M)
    return latlng_cells(lon, lat), latlng_cells(public_lon, public_lat)


def as_stored(cells: CellArray) -> npt.NDArray[np.int64]:
    """``cells`` as the database keeps them (signed 64-bit; an H3 index never sets the top bit)."""
    return np.asarray(cells, dtype=np.uint64).view(np.int64)


def cell_parents(cells: CellArray, resolution: int) -> CellArray:
    """The parent at ``resolution`` of every cell (each at ``resolution`` or finer), from the bits.

    An H3 index keeps its resolution in bits 52–55 and one 3-bit digit per finer
    resolution below; the parent has the coarser resolution and its unused digits set to 7.
    Equal to ``h3.cell_to_parent`` for every cell, vectorised.
    """
    keep, bits = parent_bits(resolution)
    return (np.asarray(cells, dtype=np.uint64) & np.uint64(keep)) | np.uint64(bits)


def parent_bits(resolution: int) -> tuple[int, int]:
    """(``keep``, ``bits``) such that a cell's parent at ``resolution`` is ``(cell & keep) | bits``
    (unsigned 64-bit; the same in SQL on signed 64-bit integers, as both fit in 63 bits)."""
    check_resolution(resolution)
    unused = (1 << (3 * (15 - resolution))) - 1
    keep = ~int(_RES_MASK) & 0x7FFF_FFFF_FFFF_FFFF
    return keep, (resolution << _RES_SHIFT) | unused


def check_resolution(resolution: int) -> None:
    if not isinstance(resolution, int | np.integer) or not 0 <= resolution <= 15:
        raise ValueError(f"resolution must be an H3 resolution, an int from 0 to 15, got {resolution!r}")


def cover(area: shapely.Geometry, resolution: int) -> tuple[CellArray, CellArray]:
    """The H3 cells at ``resolution`` where points of ``area`` (EPSG:4326, its border included) may lie,
    as (``inside``, ``border``), each sorted: every point at `BASE_RESOLUTION` whose parent
    (`cell_parents`) is in ``inside`` lies in ``area``; a point in ``area`` has its parent in ``inside`` or
    ``border``; a parent in neither holds no point of it.

    A cell is judged by a disc around its centre that holds all its descendants (`DESCENDANT_REACH`, with
    `COVER_MARGIN` to spare): inside when ``area`` holds the disc, border when the disc touches ``area``
    otherwise. The cells are judged a few resolutions coarser first; only the children of border cells
    are judged again, one resolution finer at a time. Distances are taken in degrees with longitude
    scaled by the cosine of the area's latitude (a linear map: straight edges stay straight)."""
    check_resolution(resolution)
    empty = np.empty(0, dtype=np.uint64)
    if area.is_empty:
        return empty, empty.copy()
    scale = np.array([np.cos(np.radians(shapely.centroid(area).y)), 1.0])
    plane = shapely.transform(area, lambda coords: coords * scale)
    shapely.prepare(plane)
    edge = shapely.boundary(plane)
    first = max(0, resolution - _COVER_LEVELS)
    radius = _disc_radius(area, first)
    reach = shapely.transform(shapely.buffer(plane, 1.1 * radius), lambda coords: coords / scale)
    cells = np.array(h3.h3shape_to_cells(h3.geo_to_h3shape(reach), first), dtype=np.uint64)
    inside: list[int] = []
    for level in range(first, resolution + 1):
        if level > first:
            cells = np.array([c for cell in cells.tolist() for c in h3.cell_to_children(cell, level)], dtype=np.uint64)
            radius = _disc_radius(area, level)
        if not cells.size:
            break
        centres = np.array([h3.cell_to_latlng(cell) for cell in cells.tolist()], dtype=float)[:, ::-1] * scale
        points = shapely.points(centres)
        held = shapely.intersects(plane, points) & (shapely.distance(edge, points) > radius)
        inside += [c for cell in cells[held].tolist() for c in h3.cell_to_children(cell, resolution)]
        cells = cells[~held & (shapely.distance(plane, points) <= radius)]
    return np.unique(np.array(inside, dtype=np.uint64)), np.unique(cells)


def _disc_radius(area: shapely.Geometry, resolution: int) -> float:
    """Radius (degrees of latitude) of the disc `cover` judges a cell at ``resolution`` near ``area`` by."""
    return COVER_MARGIN * DESCENDANT_REACH * _circumradius_m(area, resolution) / _M_PER_DEG_LAT


def _circumradius_m(area: shapely.Geometry, resolution: int) -> float:
    """The largest distance (metres) from centre to corner of the cells at ``resolution`` at ``area``'s
    corners and centre (cells of one resolution differ in size by well under 1 % over a municipality)."""
    minx, miny, maxx, maxy = area.bounds
    centre = shapely.centroid(area)
    spots = [(miny, minx), (miny, maxx), (maxy, minx), (maxy, maxx), (centre.y, centre.x)]
    largest = 0.0
    for lat, lon in spots:
        cell = h3.latlng_to_cell(lat, lon, resolution)
        middle = h3.cell_to_latlng(cell)
        corners = h3.cell_to_boundary(cell)
        largest = max(largest, *(h3.great_circle_distance(middle, corner, unit="m") for corner in corners))
    return largest
