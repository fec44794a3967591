"""Where a report is in H3, worked out once, when the report is written.

Every report is stored with two H3 cells at `BASE_RESOLUTION` (``h3`` 4, cells of ~44 m²): ``cell``,
the cell of its exact position, and ``public_cell``, the cell of the position the public sees (snapped
to the 50 m grid of `geo.privacy.coarsen_points`). The map counts reports per coarser cell from the
index bits (`cell_parents`), so with the cells stored it needs no H3 call per report: not at start-up
(issue #22: locating a million reports was most of the first view after a restart) and not in SQL,
where a count per cell is a ``GROUP BY`` on the parent's bits (`parent_bits`).

An H3 index fits in 63 bits, so it is stored as a signed 64-bit integer (``BIGINT``) and read back as
``uint64``. This module imports neither Streamlit nor the store.
"""

from __future__ import annotations

import itertools

import h3.api.basic_int as h3
import numpy as np
import numpy.typing as npt

from geo.privacy import PUBLIC_GRID_M, coarsen_points

FloatArray = npt.NDArray[np.float64]
CellArray = npt.NDArray[np.uint64]

BASE_RESOLUTION = 13
"""H3 resolution at which every report is located once (cells of ~44 m²); coarser ones are parents."""

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
