"""Folium map assembly: base map, one FeatureGroup per layer, legend.

Every layer takes a GeoDataFrame in EPSG:4326 (`geo.layers`) and gives a
`folium.FeatureGroup`. Features carry ``{"layer": kind, "id": id}`` so that a click
tells the page which feature was chosen. All text that reaches Leaflet is escaped
here (`html.escape`): names and labels are data that users typed, and folium puts
tooltip and popup text into the page as HTML.

JS and CSS come from the app itself (`geo.assets`), never from a CDN.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import h3.api.basic_int as h3
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.plugins import Draw
from folium.template import Template as FoliumTemplate
from jinja2 import Template

from geo import assets, map_render, registry
from geo.config import TileSource
from geo.model import WGS84, Feeling, Moderation, ZoneKind
from geo.viewstate import MAX_ZOOM, SWEDEN

COLORS = registry.colors() | {"highlight": "#f1c40f", "pin": "#d35400"}
"""Colours by map group (`geo.registry`) and feeling, and of the highlight ring and the resident's pin."""
NO_TILES_BACKGROUND = "#eef0ea"
MAP_CSS = (
    ".leaflet-container:focus-visible,.leaflet-container a:focus-visible,.leaflet-container button:focus-visible,"
    ".leaflet-popup-close-button:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}"
    ".leaflet-container a.leaflet-popup-close-button{width:32px;height:32px;font-size:22px;line-height:32px}"
    ".trygg-popup{font:13px/1.4 sans-serif;max-height:260px;overflow:auto}"
    ".trygg-popup .title{font-weight:bold;font-size:14px;margin:0 24px 4px 0}"
    ".trygg-popup[dir=rtl] .title{margin:0 0 4px 24px}"
    ".trygg-popup dl{margin:0}.trygg-popup dt{color:#4a4f55;font-size:12px;margin-top:4px}"
    ".trygg-popup dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}"
    ".trygg-place-number{width:26px;height:26px;border-radius:50%;border:2px solid #fff;color:#fff;"
    "font:bold 13px/22px sans-serif;text-align:center;box-sizing:border-box;box-shadow:0 1px 3px rgba(0,0,0,.4)}"
    # Leaflet's scale draws metres, then feet and miles: feet are for no one here
    ".leaflet-control-scale-line+.leaflet-control-scale-line{display:none}"
)
"""The map frame's own style: a clear focus ring (WCAG 2.4.7), a close button big enough for a finger,
and the details popup."""


@dataclass(frozen=True)
class LegendEntry:
    color: str
    text: str
    shape: str = "circle"
    """``circle``, ``hollow`` (pending), ``area`` or ``line``."""


map_render.install()  # every map is made here: none renders its text as a template twice

_ZOOM_LOCK = re.compile(r",\s*maximum-scale=1\.0,\s*user-scalable=no")


class ZoomableMap(folium.Map):
    """folium's map without ``maximum-scale=1.0, user-scalable=no`` in its viewport tag: people
    who need to enlarge the page must be able to (WCAG 1.4.4; axe-core's ``meta-viewport``)."""

    def render(self, **kwargs: Any) -> None:
        super().render(**kwargs)
        header = self.get_root().header
        element = header._children.get(self.get_name())
        if element is not None:
            header.add_child(map_render.RenderedText(_ZOOM_LOCK.sub("", element.render())), name=self.get_name())


def base_map(
    tiles: TileSource,
    *,
    center: tuple[float, float] = SWEDEN[0],
    zoom: int = SWEDEN[1],
) -> folium.Map:
    """An empty map at ``center`` (lat, lon, EPSG:4326) with the configured tiles (by default
    all of Sweden: pages pass the municipality's `geo.municipality.Municipality.home`).

    Without tiles the map still has a ``maxZoom`` (Leaflet needs one for
    clustering) and a plain background.
    """
    m = ZoomableMap(
        location=list(center),
        zoom_start=zoom,
        tiles=None,
        max_zoom=MAX_ZOOM,
        min_zoom=5,
        prefer_canvas=True,
        control_scale=True,
        attribution_control=tiles.url is not None,
    )
    m.options["maxZoom"] = MAX_ZOOM  # folium gives it only to tile layers; Leaflet needs it on the map
    m.get_root().header.add_child(map_render.RenderedText(f"<style>{MAP_CSS}</style>"))
    if tiles.url:
        folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, max_zoom=MAX_ZOOM, name="tiles").add_to(m)
    else:
        m.get_root().header.add_child(
            map_render.RenderedText(f"<style>.leaflet-container{{background:{NO_TILES_BACKGROUND};}}</style>")
        )
    return m


def localized(*elements: Any) -> None:
    """Point every JS/CSS link of ``elements`` at the app's own copies."""
    for element in elements:
        assets.localize(element, drop=assets.LIGHT_MAP_DROP)


DRAW_TOOLS = ("polygon", "rectangle", "polyline", "marker", "circle", "circlemarker")
"""Leaflet.draw's drawing tools (`folium.plugins.Draw`)."""


def drawing_map(
    tiles: TileSource,
    *,
    center: tuple[float, float],
    zoom: int,
    around: shapely.Geometry | None,
    context: Sequence[folium.FeatureGroup],
    current: shapely.Geometry | None = None,
    tools: Sequence[str] = ("polygon", "rectangle"),
) -> folium.Map:
    """A map to draw a shape on with Leaflet.draw (served by the app): fitted to ``around``
    (EPSG:4326; the municipality or the place edited), ``context`` groups drawn beneath, the
    polygons of ``current`` (EPSG:4326) ready to edit, and only the drawing ``tools`` offered.
    What is drawn comes back from ``st_folium`` as ``all_drawings`` (`drawn_shape`)."""
    m = base_map(tiles, center=center, zoom=zoom)
    if around is not None and not around.is_empty:
        west, south, east, north = around.bounds
        m.fit_bounds([[south, west], [north, east]])
    for group in context:
        group.add_to(m)
    editable = folium.FeatureGroup(name="editable")
    polygons = [p for p in shapely.get_parts(current) if p.geom_type == "Polygon"] if current is not None else []
    for part in polygons:
        rings = [part.exterior, *part.interiors]
        folium.Polygon([[(y, x) for x, y in ring.coords] for ring in rings], color=COLORS["pin"], weight=3).add_to(
            editable
        )
    editable.add_to(m)
    Draw(
        feature_group=editable,
        draw_options={tool: tool in tools for tool in DRAW_TOOLS},
        edit_options={"edit": True, "remove": True},
    ).add_to(m)
    localized(m, *context, editable)
    return m


def drawn_shape(drawings: Sequence[dict[str, Any]] | None) -> shapely.Geometry | None:
    """What was drawn (GeoJSON features from Leaflet.draw, EPSG:4326) as one geometry, the union
    of every shape; None for nothing drawn or nothing readable."""
    shapes = [s for s in (shape_from_drawing(d) for d in drawings or ()) if s is not None]
    return shapely.union_all(shapes) if shapes else None


def shape_from_drawing(drawing: dict[str, Any] | None) -> shapely.Geometry | None:
    """The geometry of a GeoJSON Feature (or bare geometry) from Leaflet.draw, EPSG:4326; None
    for none or one that cannot be read."""
    if not drawing:
        return None
    geometry = drawing.get("geometry", drawing) if drawing.get("type") == "Feature" else drawing
    try:
        shape = shapely.from_geojson(json.dumps(geometry))
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return None
    return None if shape is None or shape.is_empty else shape


Details = tuple[str, list[tuple[str, str]]]
"""A feature's title and (field, value) pairs, plain text in the viewer's language."""
DetailsOf = Callable[[dict[str, Any]], Details]
LinkOf = Callable[[dict[str, Any]], tuple[str, str] | None]
"""A feature's link to a page of the app: (path starting with "/", its text), or None."""


class Popups:
    """Details of every feature, carried in its GeoJSON properties (``t`` title, ``d`` pairs of
    field number and value) and shown by the browser in a popup on click, with no server round
    trip. Field names are sent once per layer. The popup is built from DOM text nodes, so no
    value is ever read as HTML."""

    def __init__(self, details_of: DetailsOf, direction: str = "ltr", link_of: LinkOf | None = None) -> None:
        self.details_of = details_of
        self.direction = direction
        self.link_of = link_of
        self.labels: list[str] = []
        self._numbers: dict[str, int] = {}

    def properties(self, row: dict[str, Any]) -> dict[str, Any]:
        title, fields = self.details_of(row)
        pairs = []
        for name, value in fields:
            if name not in self._numbers:
                self._numbers[name] = len(self.labels)
                self.labels.append(name)
            pairs.append([self._numbers[name], str(value)])
        found: dict[str, Any] = {"t": str(title), "d": pairs}
        link = self.link_of(row) if self.link_of is not None else None
        if link is not None and link[0].startswith("/") and not link[0].startswith("//"):
            found["u"], found["ut"] = link  # a page of this app: a path, never another site
        return found

    def bind(self, layer: folium.GeoJson) -> None:
        _DetailPopups(self).add_to(layer)


def details_list_html(notes: Sequence[str], items: Sequence[Details], direction: str = "ltr") -> str:
    """The map's content as an HTML list (every text escaped): ``notes`` as paragraphs, then one
    entry per feature with its title and fields, for keyboard and screen-reader users."""
    parts = [f'<div class="trygg-map-list" dir="{_esc(direction)}">']
    parts += [f"<p>{_esc(note)}</p>" for note in notes]
    if items:
        parts.append("<ul>")
        for title, fields in items:
            rows = "".join(f"<dt>{_esc(name)}</dt><dd>{_esc(value)}</dd>" for name, value in fields)
            parts.append(f"<li><strong>{_esc(title)}</strong><dl>{rows}</dl></li>")
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def _popup(popups: Popups | None, row: dict[str, Any]) -> dict[str, Any]:
    return {} if popups is None else popups.properties(row)


def layer_group(group: registry.MapGroup, frame: gpd.GeoDataFrame, popups: Popups | None = None) -> folium.FeatureGroup:
    """The features of ``frame`` (EPSG:4326) that ``group`` shows, drawn as its symbol says
    (``outline``, ``area`` or ``marker``; the reports have `reports_group` and `hexagons_group`),
    with ``popups`` giving a selectable feature's details on click."""
    if group.where is not None and not frame.empty:
        column, value = group.where
        frame = frame[frame[column] == value]
    selectable = registry.get(group.layer).selectable
    if group.symbol == "outline":
        return _outline_group(frame, group)
    if group.symbol == "area":
        return _area_group(frame, group, selectable, popups)
    if group.symbol == "marker":
        return _marker_group(frame, group, selectable, popups)
    raise ValueError(f"symbol must be one of ('outline', 'area', 'marker'), got {group.symbol!r}")


def _properties(selectable: str | None, popups: Popups | None = None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """What a feature tells the page when clicked: its kind and id, its name for the tooltip, and
    the details its popup shows."""
    return lambda row: {"layer": selectable, "id": row["id"], "label": _esc(row["name"]), **_popup(popups, row)}


def boundary_group(boundary: gpd.GeoDataFrame) -> folium.FeatureGroup:
    """The municipality boundary as an outline that does not catch clicks."""
    return _outline_group(boundary, registry.BOUNDARY.groups[0])


def _outline_group(frame: gpd.GeoDataFrame, spec: registry.MapGroup) -> folium.FeatureGroup:
    """Polygons as a dashed outline that does not catch clicks."""
    group = folium.FeatureGroup(name=spec.name)
    if not frame.empty:
        color = spec.color
        folium.GeoJson(
            _feature_collection(frame, lambda row: {"layer": spec.layer}),
            style_function=lambda _f: {
                "color": color,
                "weight": 2.5,
                "dashArray": "6 4",
                "fill": False,
            },
            interactive=False,
        ).add_to(group)
    return group


def zones_group(zones: gpd.GeoDataFrame, kind: ZoneKind) -> folium.FeatureGroup:
    """Zones of one kind as filled polygons with the name as tooltip."""
    spec = next(g for g in registry.ZONES.groups if g.name == str(kind))
    return layer_group(spec, zones)


def _area_group(
    frame: gpd.GeoDataFrame, spec: registry.MapGroup, selectable: str | None, popups: Popups | None = None
) -> folium.FeatureGroup:
    """Polygons filled in the group's colour, the name as tooltip."""
    group = folium.FeatureGroup(name=spec.name)
    if not frame.empty:
        color = spec.color
        layer = folium.GeoJson(
            _feature_collection(frame, _properties(selectable, popups)),
            style_function=lambda _f: {"color": color, "weight": 2, "fillColor": color, "fillOpacity": 0.12},
            highlight_function=lambda _f: {"weight": 4, "fillOpacity": 0.25},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(group)
        if popups is not None:
            popups.bind(layer)
    return group


def meeting_places_group(places: gpd.GeoDataFrame) -> folium.FeatureGroup:
    return layer_group(registry.MEETING_PLACES.groups[0], places)


def _marker_group(
    frame: gpd.GeoDataFrame, spec: registry.MapGroup, selectable: str | None, popups: Popups | None = None
) -> folium.FeatureGroup:
    """Points as round markers in the group's colour, the name as tooltip; lines (and areas, as an
    outline over a light fill) in the group's colour too."""
    group = folium.FeatureGroup(name=spec.name)
    if not frame.empty:
        color = spec.color
        layer = folium.GeoJson(
            _feature_collection(frame, _properties(selectable, popups)),
            marker=folium.CircleMarker(radius=8, fill=True),
            style_function=lambda feature: _marker_style(feature, color),
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(group)
        if popups is not None:
            popups.bind(layer)
    return group


def _marker_style(feature: dict[str, Any], color: str) -> dict[str, Any]:
    kind = (feature.get("geometry") or {}).get("type", "Point")
    if kind in ("Point", "MultiPoint"):
        return {"color": "#ffffff", "weight": 2, "fill": True, "fillColor": color, "fillOpacity": 0.95}
    if kind in ("LineString", "MultiLineString"):
        return {"color": color, "weight": 5, "opacity": 0.95, "fill": False}
    return {"color": color, "weight": 3, "fill": True, "fillColor": color, "fillOpacity": 0.2}


def reports_group(
    reports: gpd.GeoDataFrame, label_of: Callable[[str], str], popups: Popups | None = None
) -> folium.FeatureGroup:
    """Reports as circle markers on canvas: red unsafe, green safe, hollow pending.

    ``label_of`` turns a category code into the viewer's words for the tooltip; ``popups``
    gives each report's details on click.
    """
    group = folium.FeatureGroup(name="reports")
    if not reports.empty:
        data = _feature_collection(
            reports,
            lambda row: {
                "layer": "report",
                "id": row["id"],
                "label": _esc(label_of(row["category"])),
                "feeling": row["feeling"],
                "pending": row["moderation"] == Moderation.PENDING.value,
                **_popup(popups, row),
            },
        )
        layer = folium.GeoJson(
            data,
            marker=folium.CircleMarker(radius=6, fill=True),
            style_function=_report_style,
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        )
        layer.add_to(group)
        if popups is not None:
            popups.bind(layer)
    return group


HEX_RAMP = ("#fde0c5", "#facba6", "#f59e72", "#ec6e4c", "#d6453d", "#a3233a")
"""Fill colours of report cells, few to many (count classes on a log scale)."""
HEX_FEW = "#b8bcc2"
"""Fill of a public cell with fewer than five reports (no count shown)."""


def hexagons_group(cells: pd.DataFrame, label_of: Callable[[int | None], str]) -> folium.FeatureGroup:
    """Report counts per H3 cell as filled hexagons (EPSG:4326), drawn on canvas, one GeoJSON layer;
    a click on a cell zooms the map to it (in the browser: the map then asks for finer cells or the
    single reports there).

    ``cells`` has the columns of `geo.hexagons.publish_counts` (``cell``, ``count`` — missing where
    the public may not see it —, ``few``); ``label_of(count)`` gives the tooltip, ``label_of(None)``
    the text of a cell without a count. Coordinates are rounded to 1e-5 degrees (about a metre).
    """
    group = folium.FeatureGroup(name="hexagons")
    if cells.empty:
        return group
    counts = [None if pd.isna(c) else int(c) for c in cells["count"]]
    top = max([c for c in counts if c is not None] or [1])
    features = []
    for number, (cell, count) in enumerate(zip(cells["cell"], counts, strict=True)):
        ring = [[round(lng, 5), round(lat, 5)] for lat, lng in h3.cell_to_boundary(int(cell))]
        ring.append(ring[0])
        shade = -1 if count is None else _hex_class(count, top)
        features.append(
            {
                "type": "Feature",
                "id": str(number),
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"layer": "hex", "shade": shade, "label": _esc(label_of(count))},
            }
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=_hex_style,
        highlight_function=lambda _f: {"weight": 3},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        zoom_on_click=True,
    ).add_to(group)
    return group


HEAT_GRADIENT = {"0.25": "#2c7bb6", "0.5": "#00a6ca", "0.7": "#f9d057", "0.85": "#f29e2e", "1": "#d7191c"}
"""The heat map's colours, few reports to many (blue to red; leaflet-heat's gradient stops)."""


class HeatLayer(folium.plugins.HeatMap):
    """folium's `folium.plugins.HeatMap` that loads its own script (leaflet-heat, served by the app) when the
    map in the browser was made without it.

    `st_folium` loads a map's scripts only when it creates the map; a heat map switched on later (or
    after logging in on the same map) comes as a new group into the map the user has, where
    ``L.heatLayer`` is not defined yet. The layer is a ``L.layerGroup`` that gets the heat layer as
    soon as leaflet-heat is there (loaded once per frame, from the URL `geo.assets.localize` gave).
    """

    _template = FoliumTemplate(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.layerGroup();
            (function (group) {
                window.__tryggHeat = window.__tryggHeat || new Promise(function (loaded, failed) {
                    if (L.heatLayer) { loaded(); return; }
                    var script = document.createElement("script");
                    script.src = {{ this.script_url|tojson }};
                    script.onload = loaded;
                    script.onerror = failed;
                    document.head.appendChild(script);
                });
                window.__tryggHeat.then(function () {
                    L.heatLayer({{ this.data|tojson }}, {{ this.options|tojavascript }}).addTo(group);
                });
            })({{ this.get_name() }});
        {% endmacro %}
        """
    )

    @property
    def script_url(self) -> str:
        """Where leaflet-heat is (after `geo.assets.localize`: the app's own copy)."""
        return str(self.default_js[0][1])


def heat_group(points: Sequence[Sequence[float]]) -> folium.FeatureGroup:
    """A heat map of weighted points, rows of (lat, lon, weight) in EPSG:4326: `folium.plugins.HeatMap`
    on its own canvas (class ``leaflet-heatmap-layer``), the largest weight in view the hottest."""
    group = folium.FeatureGroup(name="heat")
    if len(points):
        HeatLayer(
            [list(row) for row in points],
            radius=16,
            blur=12,
            min_opacity=0.35,
            max_zoom=MAX_ZOOM,
            gradient=HEAT_GRADIENT,
        ).add_to(group)
    return group


def _hex_class(count: int, top: int) -> int:
    """0 to len(HEX_RAMP) - 1: where ``count`` sits between 1 and ``top`` on a log scale."""
    if top <= 1:
        return 0
    return min(len(HEX_RAMP) - 1, int(len(HEX_RAMP) * math.log(max(count, 1)) / math.log(top + 1)))


def _hex_style(feature: dict[str, Any]) -> dict[str, Any]:
    shade = feature["properties"]["shade"]
    if shade < 0:
        return {"color": "#6b7078", "weight": 1, "dashArray": "3 3", "fillColor": HEX_FEW, "fillOpacity": 0.35}
    return {"color": "#7a1f1f", "weight": 0.6, "fillColor": HEX_RAMP[shade], "fillOpacity": 0.7}


def highlight_group(point: shapely.Point | None) -> folium.FeatureGroup:
    """A ring around the selected report or place (``point`` in EPSG:4326)."""
    group = folium.FeatureGroup(name="highlight")
    if point is not None and not point.is_empty:
        folium.CircleMarker(
            location=[point.y, point.x],
            radius=14,
            color=COLORS["highlight"],
            weight=4,
            fill=False,
            interactive=False,
            trygg_ring=True,
        ).add_to(group)
    return group


@dataclass(frozen=True)
class MapTexts:
    """The map frame's words in the viewer's language: the legend's title, the frame's title
    (what a screen reader announces for the iframe), the zoom buttons, a popup's close button, the document language."""

    legend_title: str
    frame_title: str
    zoom_in: str
    zoom_out: str
    close: str
    lang: str
    direction: str = "ltr"


def controls_group(
    entries: Sequence[LegendEntry],
    texts: MapTexts,
    *,
    ring: shapely.Point | None = None,
    selected: tuple[str, str] | None = None,
) -> folium.FeatureGroup:
    """What changes with the view but is not data: the legend, the ring around a selection
    (``ring``, EPSG:4326) that came from a link or the table, and the map's behaviour in the
    browser: the feature whose popup is open is highlighted (the ring then goes), ``selected``
    (kind, id) has its popup opened when drawn, and the frame gets its title and language.

    Sent as a feature group beside the layers, so that a change of legend (hexagons and single
    reports, a layer switched off) swaps groups in the map the user has, never re-creates it.
    """
    group = highlight_group(ring)
    group.tile_name = "controls"
    _Controls(entries, texts, selected).add_to(group)
    return group


def pin_group(pin: tuple[float, float] | None) -> folium.FeatureGroup:
    """The resident's chosen place, ``pin`` = (lon, lat) in EPSG:4326, as a large dot."""
    group = folium.FeatureGroup(name="pin")
    if pin is not None:
        lon, lat = pin
        folium.CircleMarker(
            location=[lat, lon],
            radius=11,
            color="#ffffff",
            weight=3,
            fill=True,
            fill_color=COLORS["pin"],
            fill_opacity=1.0,
            interactive=False,
        ).add_to(group)
    return group


def numbered_places_group(places: Sequence[tuple[float, float, str]]) -> folium.FeatureGroup:
    """Meeting places the finder lists, each (lon, lat in EPSG:4326, label): a marker in the
    meeting places' colour with its list number, the label (escaped) as tooltip."""
    group = folium.FeatureGroup(name="meeting_places")
    color = registry.MEETING_PLACE_COLOR
    for lon, lat, text in places:
        number = _esc(text.split(".", 1)[0])
        icon = folium.DivIcon(
            html=f'<div class="trygg-place-number" style="background:{color}">{number}</div>',
            icon_size=(26, 26),
            icon_anchor=(13, 13),
        )
        folium.Marker([lat, lon], icon=icon, tooltip=folium.Tooltip(_esc(text))).add_to(group)
    return group


def crosshair(label: str) -> MacroElement:
    """A cross in the middle of the map that catches no taps: where "put the point in the
    middle of the map" will put it (for keyboard users panning with the arrow keys).
    ``label`` names it for screen readers."""
    return _Crosshair(label)


def legend(entries: Sequence[LegendEntry], title: str) -> MacroElement:
    """A legend control in the map's lower corner. Texts are set as text nodes."""
    return _Legend(title, entries)


def _report_style(feature: dict[str, Any]) -> dict[str, Any]:
    props = feature["properties"]
    color = COLORS[Feeling(props["feeling"]).value]
    if props.get("pending"):
        return {
            "color": color,
            "weight": 2,
            "fill": True,
            "fillColor": "#ffffff",
            "fillOpacity": 0.9,
            "dashArray": "2 2",
        }
    return {"color": "#ffffff", "weight": 1, "fill": True, "fillColor": color, "fillOpacity": 0.85}


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _feature_collection(
    frame: gpd.GeoDataFrame, properties: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """GeoJSON of ``frame`` (EPSG:4326) with only the properties the map needs."""
    if frame.crs is not None and frame.crs != WGS84:
        frame = frame.to_crs(WGS84)
    geometries = shapely.to_geojson(frame.geometry.to_numpy())
    rows = frame.drop(columns=frame.geometry.name).to_dict("records")
    for row, shape in zip(rows, frame.geometry.to_numpy(), strict=True):
        row["geometry"] = shape  # for ``properties`` to measure; never sent as it is
    features = [
        {"type": "Feature", "geometry": json.loads(geom), "properties": properties(row)}
        for geom, row in zip(geometries, rows, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


# The legend's box, written once for both legend controls (`_Controls` and `_Legend`): a JavaScript
# function put into their templates where they say /*LEGEND_BOX*/. Texts are set as text nodes.
_LEGEND_BOX_JS = """function legendBox(title, entries, extraCss) {
                var box = L.DomUtil.create("div", "trygg-legend");
                box.style.cssText = "background:rgba(255,255,255,.92);padding:6px 8px;border-radius:4px;"
                    + "font:12px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:220px" + extraCss;
                var head = L.DomUtil.create("div", "", box);
                head.style.fontWeight = "bold";
                head.textContent = title;
                entries.forEach(function(entry) {
                    var row = L.DomUtil.create("div", "", box);
                    var swatch = L.DomUtil.create("span", "", row);
                    var css = "display:inline-block;width:12px;height:12px;margin-inline-end:6px;"
                        + "vertical-align:middle;";
                    if (entry.shape === "circle") { css += "border-radius:50%;background:" + entry.color; }
                    else if (entry.shape === "hollow") {
                        css += "border-radius:50%;border:2px dashed " + entry.color + ";background:#fff"; }
                    else if (entry.shape === "line") { css += "height:0;border-top:3px dashed " + entry.color; }
                    else { css += "background:" + entry.color + "33;border:2px solid " + entry.color; }
                    swatch.style.cssText = css;
                    var text = L.DomUtil.create("span", "", row);
                    text.textContent = entry.text;
                });
                L.DomEvent.disableClickPropagation(box);
                return box;
            }"""


def _with_legend_box(template: str) -> Template:
    """``template`` with the shared legend box function where it says /*LEGEND_BOX*/."""
    return Template(template.replace("/*LEGEND_BOX*/", _LEGEND_BOX_JS))


class _Controls(MacroElement):
    _template = _with_legend_box(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var group = {{ this._parent.get_name() }};
            var data = {{ this.data_json }};
            /*LEGEND_BOX*/
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function() {
                var box = legendBox(data.texts.legend_title, data.entries, ";color:#1d1f21");
                box.dir = data.texts.direction;
                box.setAttribute("role", "group");
                box.setAttribute("aria-label", data.texts.legend_title);
                return box;
            };
            var marked = null;
            function unmark() {
                if (marked) { marked.layer.setStyle(marked.style); marked = null; }
            }
            function mark(layer) {
                unmark();
                if (!layer.setStyle) { return; }
                var o = layer.options;
                marked = {layer: layer, style: {color: o.color, weight: o.weight, fillOpacity: o.fillOpacity,
                                                dashArray: o.dashArray}};
                var zone = layer.feature.properties.layer === "zone";
                layer.setStyle({color: data.highlight, weight: zone ? 5 : 4,
                                fillOpacity: zone ? 0.3 : o.fillOpacity, dashArray: null});
                if (!zone && layer.bringToFront) { layer.bringToFront(); }
            }
            function opened(e) {
                var source = e.popup && e.popup._source;
                if (!source || !source.feature) { return; }
                var close = e.popup._closeButton;
                if (close) { close.setAttribute("aria-label", data.texts.close); close.title = data.texts.close; }
                mark(source);
                group.eachLayer(function(l) { if (l.options && l.options.tryggRing) { group.removeLayer(l); } });
            }
            function closed(e) {
                unmark();
                var source = e.popup && e.popup._source, p = source && source.feature && source.feature.properties;
                // A popup closed because st_folium swapped its layer for a new one (when the view's window
                // changes) is opened again on the new feature: the swap removes the old groups and adds the
                // new ones in one task, so the record below is still there when the new controls arrive;
                // a popup the user closed is forgotten when the task ends.
                var record = p ? {kind: p.layer, id: p.id} : null;
                window.__tryggClosed = record;
                setTimeout(function() { if (window.__tryggClosed === record) { window.__tryggClosed = null; } }, 0);
            }
            function open(map, kind, id) {
                var found = null;
                map.eachLayer(function(l) {
                    var p = l.feature && l.feature.properties;
                    if (!found && p && p.layer === kind && p.id === id && p.t) { found = l; }
                });
                if (found) {
                    var at = found.getLatLng ? found.getLatLng() : found.getBounds().getCenter();
                    found.fire("click", {latlng: at}, true);
                }
            }
            function openSelected(map) {
                var gone = window.__tryggClosed;
                window.__tryggClosed = null;
                if (gone) { open(map, gone.kind, gone.id); }
                else if (data.selected && window.__tryggShown !== data.selected.join(":")) {
                    open(map, data.selected[0], data.selected[1]);  // a link's or the table's choice, once
                }
                window.__tryggShown = data.selected ? data.selected.join(":") : null;
            }
            function texts(map) {
                var t = data.texts;
                document.documentElement.lang = t.lang;
                try { if (window.frameElement) { window.frameElement.title = t.frame_title; } } catch (e) {}
                map.getContainer().setAttribute("role", "region");
                map.getContainer().setAttribute("aria-label", t.frame_title);
                var zoom = map.zoomControl;
                if (zoom && zoom._zoomInButton) {
                    zoom._zoomInButton.title = t.zoom_in;
                    zoom._zoomInButton.setAttribute("aria-label", t.zoom_in);
                    zoom._zoomOutButton.title = t.zoom_out;
                    zoom._zoomOutButton.setAttribute("aria-label", t.zoom_out);
                }
            }
            var map = null;
            function added() {
                if (map) { return; }
                map = group._map;
                legend.addTo(map);
                map.on("popupopen", opened);
                map.on("popupclose", closed);
                texts(map);
                openSelected(map);
            }
            group.on("add", added);
            group.on("remove", function() {
                if (!map) { return; }
                map.off("popupopen", opened);
                map.off("popupclose", closed);
                unmark();
                legend.remove();
                map = null;
            });
            if (group._map) { added(); }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, entries: Iterable[LegendEntry], texts: MapTexts, selected: tuple[str, str] | None) -> None:
        super().__init__()
        self._name = "Controls"
        payload = {
            "texts": asdict(texts),
            "entries": [{"color": e.color, "text": e.text, "shape": e.shape} for e in entries],
            "selected": list(selected) if selected else None,
            "highlight": COLORS["highlight"],
        }
        self.data_json = _script_json(payload)


class _DetailPopups(MacroElement):
    """Binds a details popup to every feature of its parent GeoJson layer (see `Popups`)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var data = {{ this.data_json }};
            {{ this._parent.get_name() }}.bindPopup(function(layer) {
                var p = (layer.feature && layer.feature.properties) || {};
                var box = document.createElement("div");
                box.className = "trygg-popup";
                box.dir = data.direction;
                // a long popup scrolls: focusable, so a keyboard can scroll it (WCAG 2.1.1)
                box.tabIndex = 0;
                box.setAttribute("role", "region");
                box.setAttribute("aria-label", p.t || "");
                var title = document.createElement("p");
                title.className = "title";
                title.textContent = p.t || "";
                box.appendChild(title);
                var list = document.createElement("dl");
                (p.d || []).forEach(function(pair) {
                    var name = document.createElement("dt"), value = document.createElement("dd");
                    name.textContent = data.labels[pair[0]];
                    value.textContent = pair[1];
                    list.appendChild(name);
                    list.appendChild(value);
                });
                box.appendChild(list);
                if (typeof p.u === "string" && p.u.charAt(0) === "/" && p.u.charAt(1) !== "/") {
                    var link = document.createElement("a");
                    link.href = p.u;
                    link.target = "_top";
                    link.textContent = p.ut || p.u;
                    box.appendChild(link);
                }
                return box;
            }, {maxWidth: 300, minWidth: 180, autoPanPadding: [16, 16]});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, popups: Popups) -> None:
        super().__init__()
        self._name = "DetailPopups"
        self.popups = popups

    @property
    def data_json(self) -> str:  # read at render time, when every feature's fields are known
        return _script_json({"labels": self.popups.labels, "direction": self.popups.direction})


def _script_json(payload: object) -> str:
    """JSON to put inside a script: valid JavaScript, and "</" escaped so no text can close the script."""
    return json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")


class _Legend(MacroElement):
    _template = _with_legend_box(
        """
        {% macro script(this, kwargs) %}
        (function() {
            /*LEGEND_BOX*/
            var data = {{ this.data_json }};
            var legend = L.control({position: "bottomleft"});
            legend.onAdd = function() { return legendBox(data.title, data.entries, ""); };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, entries: Iterable[LegendEntry]) -> None:
        super().__init__()
        self._name = "Legend"
        payload = {
            "title": title,
            "entries": [{"color": e.color, "text": e.text, "shape": e.shape} for e in entries],
        }
        # JSON is valid JavaScript; "</" is escaped so no text can close the script.
        self.data_json = _script_json(payload)


class _Crosshair(MacroElement):
    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .trygg-crosshair {position:absolute;left:50%;top:50%;width:34px;height:34px;margin:-17px 0 0 -17px;
            z-index:650;pointer-events:none;}
        .trygg-crosshair::before,.trygg-crosshair::after {content:"";position:absolute;background:#1f2430;
            box-shadow:0 0 0 1.5px #fff;}
        .trygg-crosshair::before {left:16px;top:0;width:2px;height:34px;}
        .trygg-crosshair::after {top:16px;left:0;height:2px;width:34px;}
        .leaflet-container:focus-visible {outline:3px solid #1c4e9c;outline-offset:-3px;}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var mark = L.DomUtil.create("div", "trygg-crosshair", {{ this._parent.get_name() }}.getContainer());
            mark.setAttribute("role", "img");
            mark.setAttribute("aria-label", {{ this.label_json }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, label: str) -> None:
        super().__init__()
        self._name = "Crosshair"
        self.label_json = json.dumps(label, ensure_ascii=False).replace("</", "<\\/")
