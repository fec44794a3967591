"""The two coordinate reference systems of the project, and transformers between them.

Store and draw in WGS84 (EPSG:4326, lon/lat degrees); measure in SWEREF 99 TM
(EPSG:3006, metres). Transformers take and give (x, y) = (lon, lat) / (east, north).

pyproj keeps a transformer's PROJ object per thread, and Streamlit runs each script run in a new
thread: one made with ``from_crs`` searched PROJ's database again in every run (17–146 ms measured
on the 2-core machine, 2026-12-02). These are made from the pipeline PROJ chose for the pair
(looked up once per process), which a new thread sets up in under a millisecond, with the same
numbers.
"""

from __future__ import annotations

from functools import cache

from pyproj import Transformer

from geo.model import SWEREF99TM, WGS84


@cache
def to_sweref99tm() -> Transformer:
    """EPSG:4326 lon/lat degrees → EPSG:3006 metres."""
    return _from_pipeline(WGS84, SWEREF99TM)


@cache
def to_wgs84() -> Transformer:
    """EPSG:3006 metres → EPSG:4326 lon/lat degrees."""
    return _from_pipeline(SWEREF99TM, WGS84)


def _from_pipeline(source: str, target: str) -> Transformer:
    """The transformer ``from_crs(source, target, always_xy=True)`` would give, made from its PROJ
    pipeline (cheap to set up again in each thread, see the module's note)."""
    return Transformer.from_pipeline(Transformer.from_crs(source, target, always_xy=True).definition)
