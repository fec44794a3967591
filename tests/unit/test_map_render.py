"""Text on a map is shown as it was written: never run as a template on the server (geo.map_render).

branca renders each folium element and then compiled the result as a Jinja template again, so a
report's text or a place's name holding ``{{ 7*7 }}`` reached the page as ``49``, and a lone ``{{``
raised on the server. Every way text enters a map is tried here: a tooltip, a GeoJSON property, the
details popups and a numbered meeting place."""

from __future__ import annotations

import folium
import geopandas as gpd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from geo import mapview, registry
from geo.config import TileSource
from geo.model import WGS84

TEMPLATE_TEXTS = ("{{ 7*7 }}", "{% if true %}ja{% endif %}", "{# gömt #}", "{{", "{%", "}} {{ x", "{{ cycler }}")


def _page(text: str) -> str:
    """A whole map page (EPSG:4326) whose markers, tooltips, properties and popups carry ``text``."""
    m = mapview.base_map(TileSource(None, ""))
    frame = gpd.GeoDataFrame({"id": ["a"], "name": [text]}, geometry=[Point(13.6, 56.46)], crs=WGS84)
    popups = mapview.Popups(lambda row: (row["name"], [("Text", row["name"])]))
    mapview.layer_group(registry.MEETING_PLACES.groups[0], frame, popups).add_to(m)
    mapview.numbered_places_group([(13.6, 56.46, f"1. {text}")]).add_to(m)
    folium.Marker([56.46, 13.6], tooltip=folium.Tooltip(text)).add_to(m)
    return m.get_root().render()


@pytest.mark.parametrize("text", TEMPLATE_TEXTS)
def test_template_syntax_in_a_text_reaches_the_page_as_written(text: str) -> None:
    page = _page(f"Lampan {text} trasig")
    assert "Lampan 49 trasig" not in page
    assert "Lampan ja trasig" not in page
    assert "Lampan  trasig" not in page, "nothing of the text is taken away"
    assert f"Lampan {text} trasig" in page, "the tooltip, as it was written"


@given(st.text(alphabet="{}%#-+ 7*abcx\"'", max_size=40))
def test_no_text_makes_a_map_fail_or_changes_on_the_way(text: str) -> None:
    assert text in _page(text), "the tooltip holds the text as it was written"
