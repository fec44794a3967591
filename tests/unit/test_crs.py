"""geo.crs: the transformers made from PROJ's pipeline give what ``from_crs`` gives."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st
from pyproj import Transformer

from geo.crs import to_sweref99tm, to_wgs84
from geo.model import SWEREF99TM, WGS84

FROM_CRS = Transformer.from_crs(WGS84, SWEREF99TM, always_xy=True)
BACK = Transformer.from_crs(SWEREF99TM, WGS84, always_xy=True)


@given(lon=st.floats(10.0, 24.5), lat=st.floats(55.0, 69.5))
def test_the_pipeline_gives_the_same_metres_and_degrees_as_from_crs(lon: float, lat: float) -> None:
    east, north = to_sweref99tm().transform(lon, lat)
    assert (east, north) == FROM_CRS.transform(lon, lat)
    assert to_wgs84().transform(east, north) == BACK.transform(east, north)


def test_markaryd_in_sweref99tm_in_another_thread() -> None:
    """Streamlit runs each script run in a new thread: the transformer works there as well."""
    found: list[tuple[float, float]] = []
    thread = threading.Thread(target=lambda: found.append(to_sweref99tm().transform(13.598, 56.462)))
    thread.start()
    thread.join()
    east, north = found[0]
    assert round(east) == 413610 and round(north) == 6258382
