"""The two coordinate reference systems of the project, and transformers between them.

Store and draw in WGS84 (EPSG:4326, lon/lat degrees); measure in SWEREF 99 TM
(EPSG:3006, metres). Transformers take and give (x, y) = (lon, lat) / (east, north).
"""

from __future__ import annotations

from functools import cache

from pyproj import Transformer

from geo.model import SWEREF99TM, WGS84


@cache
def to_sweref99tm() -> Transformer:
    """EPSG:4326 lon/lat degrees → EPSG:3006 metres."""
    return Transformer.from_crs(WGS84, SWEREF99TM, always_xy=True)


@cache
def to_wgs84() -> Transformer:
    """EPSG:3006 metres → EPSG:4326 lon/lat degrees."""
    return Transformer.from_crs(SWEREF99TM, WGS84, always_xy=True)
