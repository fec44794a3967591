"""The explore page ("Karta") without Streamlit: what to draw, list and detail.

`build_map` turns an `ExploreView` into a base map plus one FeatureGroup per layer
(EPSG:4326); `report_table` and `details` give the rows and fields a person reads,
in their language. The page only wires widgets to these functions.

Nothing here reads every report: the table holds the newest `TABLE_LIMIT` (ordered and
cut in SQL), a selected report is read by its id, and the map's reports layer comes
from `geo.hexagons` (H3 cells at low zoom, the reports in view at high zoom).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely

from geo import mapview, meeting_places, promises, registry
from geo.config import TileSource
from geo.heatmap import HeatView, may_see_heat
from geo.hexagons import PUBLIC_MIN_COUNT, ReportPoints, ReportsView
from geo.i18n import format_day, is_rtl, label, language_names, translator
from geo.layers import (
    REPORT_COLUMNS,
    ReportFilter,
    count_reports,
    public_reports,
    report_query,
    reports_layer,
)
from geo.model import SWEREF99TM, WGS84, Category, Moderation, Role, ZoneKind, category_labels
from geo.store import Store
from geo.viewstate import ExploreView

PENDING_LEGEND_KEY = "legend.pending"
TABLE_LIMIT = 1000
"""Rows shown in the table; the count above it says how many matched."""
REPORT_COLUMNS_WITH_LOCATION = (*REPORT_COLUMNS, "lon", "lat")


@dataclass(frozen=True)
class ExploreLayers:
    """Everything the explore page shows for one view, in EPSG:4326.

    ``reports`` holds the newest `TABLE_LIMIT` reports of the filter (for the table and
    details), ``report_count`` how many match in all; ``others`` every other layer of the
    registry (`geo.registry`) by name, as the viewer may see it.
    """

    reports: gpd.GeoDataFrame
    others: Mapping[str, gpd.GeoDataFrame]
    report_count: int = 0

    def frame(self, name: str) -> gpd.GeoDataFrame:
        """Layer ``name``'s features (an empty frame for a layer the viewer may not see)."""
        if name == registry.REPORTS.name:
            return self.reports
        found = self.others.get(name)
        return found if found is not None else gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)

    @property
    def meeting_places(self) -> gpd.GeoDataFrame:
        return self.frame("meeting_places")

    @property
    def zones(self) -> gpd.GeoDataFrame:
        return self.frame("zones")

    @property
    def boundary(self) -> gpd.GeoDataFrame:
        return self.frame("boundary")


def load_layers(store: Store, view: ExploreView, viewer: Role = Role.TEAM) -> ExploreLayers:
    """The layers ``viewer`` may see: staff get exact locations and pending reports;
    the public gets each layer's public face (`geo.registry`): published reports only,
    snapped to a 50 m grid, text scrubbed; no layer that has no public face."""
    newest = reports_layer(store, view.filter, viewer=viewer, limit=TABLE_LIMIT)
    others = {}
    for layer in registry.layers():
        if layer is registry.REPORTS or not (viewer.is_staff or layer.public is not None):
            continue
        frame = layer.features(store)
        others[layer.name] = frame if viewer.is_staff else registry.apply_public_face(layer, frame)
    return ExploreLayers(
        reports=newest if viewer.is_staff else public_reports(newest),
        others=others,
        report_count=count_reports(store, view.filter, viewer=viewer),
    )


def report_by_id(store: Store, report_id: str, viewer: Role = Role.TEAM) -> gpd.GeoDataFrame:
    """The report ``report_id`` as ``viewer`` may see it (zero or one row, EPSG:4326, coarsened
    for the public), whatever the filter."""
    query = report_query(ReportFilter(), viewer, ids=(report_id,))
    frame = store.reports_frame(query, columns=(*REPORT_COLUMNS_WITH_LOCATION,))
    geometry = gpd.points_from_xy(frame["lon"], frame["lat"], crs=WGS84)
    found = gpd.GeoDataFrame(frame.drop(columns=["lon", "lat"]), geometry=geometry, crs=WGS84)
    return found if viewer.is_staff else public_reports(found)


def build_map(
    layers: ExploreLayers,
    view: ExploreView,
    *,
    lang: str,
    tiles: TileSource,
    categories: list[Category],
    origin: tuple[tuple[float, float], int] | None = None,
    reports_view: ReportsView | None = None,
    highlight: shapely.Point | None = None,
    viewer: Role = Role.TEAM,
    ringed: tuple[str, str] | None = None,
    zone_counts: Mapping[str, int] | None = None,
    heat: HeatView | None = None,
) -> tuple[folium.Map, list[folium.FeatureGroup]]:
    """The base map and the groups to add to it (all EPSG:4326).

    The base map holds only the tiles and the place it opens at (``origin``: (lat, lon), zoom;
    by default the view's): `st_folium` re-creates a map whose base changes, so everything that
    changes with the view (layers, legend, ring, the frame's words) is in the groups, which it
    swaps in the map the user has. The reports layer shows ``reports_view`` (hexagons or the
    points in view, `geo.hexagons`); without it, the reports of ``layers``. Every selectable
    feature carries its details for a popup drawn by the browser (``zone_counts``: the reports
    of the view's filter inside each zone). ``highlight`` (EPSG:4326) rings ``ringed``, the
    selection from a link or the table; by default it is looked up in ``layers``. ``heat``
    (`geo.heatmap.heat_view`) draws the reports as a heat map instead, for staff only (`PermissionError`
    for anyone else); its group loads leaflet-heat into a map made without it (`geo.mapview.HeatLayer`).
    """
    if heat is not None and not may_see_heat(viewer):
        raise PermissionError(f"the heat map is for staff; not for {viewer!r}")
    t = translator(lang)
    labels = category_labels(categories, lang)
    center, zoom = origin or (view.center, view.zoom)
    m = mapview.base_map(tiles, center=center, zoom=zoom)
    hexagons = reports_view is not None and reports_view.mode == "hexagons"
    direction = "rtl" if is_rtl(lang) else "ltr"
    counts = zone_counts or {}
    groups: list[folium.FeatureGroup] = []
    for group in registry.draw_order():  # from the bottom of the map to the top
        if group.name not in view.layers:
            continue
        if group.symbol != "reports":
            layer = registry.get(group.layer)
            popups = None
            if layer.selectable:
                popups = mapview.Popups(
                    lambda row, layer=layer: layer_details(layer, row, lang, counts.get(row["id"]), viewer),
                    direction,
                    (lambda row: promise_link(row, lang)) if layer is registry.ZONES else None,
                )
            groups.append(mapview.layer_group(group, layers.frame(group.layer), popups))
        elif heat is not None:
            groups.append(mapview.heat_group(heat.points))
        elif hexagons:
            groups.append(mapview.hexagons_group(reports_view.cells, lambda n: hex_label(n, lang)))  # type: ignore[union-attr]
        else:
            points = layers.reports if reports_view is None else reports_view.points
            popups = mapview.Popups(lambda row: report_details(row, lang, labels, popup=True), direction)
            groups.append(mapview.reports_group(points, lambda code: labels.get(code, code), popups))
    if highlight is None and ringed is not None:
        highlight = selected_point(layers, replace(view, selected=ringed))
    texts = mapview.MapTexts(
        legend_title=t("legend.title"),
        frame_title=t("map.frame_title"),
        zoom_in=t("map.zoom_in"),
        zoom_out=t("map.zoom_out"),
        close=t("map.close_popup"),
        lang=lang,
        direction=direction,
    )
    entries = legend_entries(view, lang, hexagons=hexagons, viewer=viewer, heat=heat is not None)
    groups.append(mapview.controls_group(entries, texts, ring=highlight, selected=ringed))
    mapview.localized(m, *groups)
    return m, groups


def promise_link(row: Mapping[str, Any], lang: str) -> tuple[str, str] | None:
    """A medborgarlöfte's link to its public follow-up page (``/lofte?omrade=<id>``), in ``lang``."""
    if row.get("kind") != ZoneKind.MEDBORGARLOFTE.value:
        return None
    return promises.page_url(str(row["id"]), lang=lang), translator(lang)("promise.open")


def hex_label(count: int | None, lang: str) -> str:
    """The tooltip of a report cell: its count, or "fewer than 5" where the count is hidden."""
    t = translator(lang)
    return t("hex.few", k=PUBLIC_MIN_COUNT) if count is None else t("hex.count", n=count)


def legend_entries(
    view: ExploreView, lang: str, *, hexagons: bool = False, viewer: Role = Role.TEAM, heat: bool = False
) -> list[mapview.LegendEntry]:
    """The legend of the map groups shown in ``view`` (`geo.registry`), in ``lang``; the reports
    as hexagons when ``hexagons``, as a heat map when ``heat``. Pending reports only for staff: the
    public never sees them."""
    t = translator(lang)
    entries = []
    for group in registry.map_groups():
        if group.name not in view.layers:
            continue
        if group.symbol == "reports" and heat:
            entries += [
                mapview.LegendEntry(mapview.HEAT_GRADIENT["1"], t("heat.legend_many")),
                mapview.LegendEntry(mapview.HEAT_GRADIENT["0.25"], t("heat.legend_few")),
            ]
        elif group.symbol == "reports" and hexagons:
            entries += [
                mapview.LegendEntry(mapview.HEX_RAMP[-1], t("hex.legend_many"), "area"),
                mapview.LegendEntry(mapview.HEX_RAMP[0], t("hex.legend_some"), "area"),
                mapview.LegendEntry(mapview.HEX_FEW, t("hex.few", k=PUBLIC_MIN_COUNT), "area"),
            ]
        else:
            items = [item for item in group.legend if viewer.is_staff or item.key != PENDING_LEGEND_KEY]
            entries += [mapview.LegendEntry(item.color, t(item.key), item.shape) for item in items]
    return entries


def selected_point(
    layers: ExploreLayers, view: ExploreView, store: Store | None = None, viewer: Role = Role.TEAM
) -> shapely.Point | None:
    """The point of the selected report or meeting place (EPSG:4326), if any: looked up in
    ``layers``, and for a report not among them, in ``store`` (as ``viewer`` may see it)."""
    if view.selected is None:
        return None
    kind, ident = view.selected
    layer = registry.by_selection(kind)
    if layer is None or not layer.points:
        return None
    frame = layers.frame(layer.name)
    match = frame[frame["id"] == ident] if not frame.empty else frame
    if match.empty and kind == "report" and store is not None:
        match = report_by_id(store, ident, viewer)
    return None if match.empty else match.geometry.iloc[0]


def report_table(
    reports: gpd.GeoDataFrame,
    categories: list[Category],
    lang: str,
    *,
    limit: int | None = TABLE_LIMIT,
    full_text: bool = False,
) -> pd.DataFrame:
    """The first ``limit`` reports (all when None) as a table shows them, in ``lang``;
    texts shortened to one line unless ``full_text``.

    The index holds the report ids, so a selected row leads back to its report.
    """
    t = translator(lang)
    labels = category_labels(categories, lang)
    shown = reports if limit is None else reports.head(limit)
    table = pd.DataFrame(
        {
            t("table.ref"): shown["ref_code"].to_numpy(),
            t("table.date"): [format_day(v.to_pydatetime(), lang) for v in shown["created_at"]],
            t("table.category"): [labels.get(c, c) for c in shown["category"]],
            t("table.feeling"): [label("feeling", v, lang) for v in shown["feeling"]],
            t("table.time_of_day"): [label("time_of_day", v, lang) for v in shown["time_of_day"]],
            t("table.status"): [label("status", v, lang) for v in shown["status"]],
            t("table.moderation"): [label("moderation", v, lang) for v in shown["moderation"]],
            t("table.text"): shown["text"].to_numpy() if full_text else [_shorten(v) for v in shown["text"]],
        },
        index=pd.Index(shown["id"].to_numpy(), name="id"),
    )
    return table


def details(
    layers: ExploreLayers,
    selected: tuple[str, str] | None,
    categories: list[Category],
    lang: str,
    *,
    store: Store | None = None,
    viewer: Role = Role.TEAM,
    zone_counts: Mapping[str, int] | None = None,
) -> tuple[str, list[tuple[str, str]]] | None:
    """A title and (field, value) pairs for the selected feature, in ``lang``.

    A report not among ``layers.reports`` is read from ``store`` by its id (as ``viewer``
    may see it). A zone's "reports inside" is ``zone_counts[id]`` (the view's filter), else
    counted in ``store`` without filter, else among ``layers.reports``.
    Values are plain text; the page must show them as text, never as HTML.
    """
    if selected is None:
        return None
    kind, ident = selected
    if kind == registry.REPORTS.selectable:
        row = _row(layers.reports, ident)
        if row is None and store is not None:
            row = _row(report_by_id(store, ident, viewer), ident)
        return None if row is None else report_details(row, lang, category_labels(categories, lang))
    layer = registry.by_selection(kind)
    if layer is None or layer is registry.REPORTS:
        return None
    row = _row(layers.frame(layer.name), ident)
    if row is None:
        return None
    count = None
    if layer is registry.ZONES:
        if zone_counts is not None:
            count = zone_counts.get(ident, 0)
        elif store is not None:  # the border counts as inside
            count = count_reports(store, ReportFilter(zone_id=ident), viewer=viewer)
        else:
            count = int(layers.reports.intersects(row.geometry).sum())
    return layer_details(layer, row, lang, count, viewer)


def layer_details(
    layer: registry.Layer, row: Mapping[str, Any], lang: str, count: int | None = None, viewer: Role = Role.TEAM
) -> mapview.Details:
    """A feature's title and fields in ``lang``, as its layer's registry entry says (``row`` a
    feature of the layer, EPSG:4326; areas measured in EPSG:3006). ``count``: the reports inside
    (zones; None: not said); the public is never told a count under `PUBLIC_MIN_COUNT` but zero."""
    t = translator(lang)
    # a field the viewer's face of the layer leaves out (an action's "overdue" for the public) is not shown
    fields = [(t(f.detail), _detail_value(row.get(f.name), f, lang)) for f in layer.fields if f.detail]
    if len(layer.date_columns) == 2:
        fields.append((t("details.period"), _period(*(row[c] for c in layer.date_columns), lang)))
    if not layer.points and getattr(row.get("geometry"), "geom_type", "") in registry.POLYGONAL:
        area_km2 = gpd.GeoSeries([row["geometry"]], crs=WGS84).to_crs(SWEREF99TM).area.iloc[0] / 1e6
        fields.append((t("details.area"), t("details.area_value", km2=f"{area_km2:.2f}")))
    if count is not None:
        few = not viewer.is_staff and 0 < count < PUBLIC_MIN_COUNT
        fields.append((t("details.reports_inside"), t("hex.few", k=PUBLIC_MIN_COUNT) if few else str(count)))
    title = row[layer.title] if layer.title else t(f"io.layer.{layer.name}")
    return str(title), [(k, str(v)) for k, v in fields if v]


POPUP_TEXT_LIMIT = 300
"""A report's text in its popup is cut to this many characters (the table and the list have it whole)."""


def report_details(
    row: Mapping[str, Any], lang: str, labels: Mapping[str, str], *, popup: bool = False
) -> mapview.Details:
    """A report's title (its category in ``lang``) and fields; ``row`` as `geo.layers.reports_layer` gives it."""
    t = translator(lang)
    text = str(row["text"] or "–")
    if popup and len(text) > POPUP_TEXT_LIMIT:
        text = text[: POPUP_TEXT_LIMIT - 1] + "…"
    fields = [
        (t("details.ref"), str(row["ref_code"])),
        (t("details.feeling"), label("feeling", row["feeling"], lang)),
        (t("details.time_of_day"), label("time_of_day", row["time_of_day"], lang)),
        (t("details.status"), label("status", row["status"], lang)),
        (t("details.moderation"), label("moderation", row["moderation"], lang)),
        (t("details.reported"), format_day(pd.Timestamp(row["created_at"]).to_pydatetime(), lang)),
        (t("details.supporters"), str(int(row["supporters"]))),
        (t("details.text"), text),
    ]
    if row["public_comment"]:
        fields.append((t("details.public_comment"), str(row["public_comment"])))
    if row["moderation"] == Moderation.PENDING.value:
        fields.append((t("details.note"), t("details.pending_note")))
    return labels.get(row["category"], row["category"]), fields


def zone_report_counts(zones: gpd.GeoDataFrame, points: ReportPoints) -> dict[str, int]:
    """How many of ``points`` (one filter's reports as a viewer sees them, EPSG:4326) lie in each
    zone (EPSG:4326; the border counts as inside), by zone id."""
    counts: dict[str, int] = {}
    if zones.empty:
        return counts
    for ident, geometry in zip(zones["id"], zones.geometry, strict=True):
        minx, miny, maxx, maxy = geometry.bounds
        near = (points.lon >= minx) & (points.lon <= maxx) & (points.lat >= miny) & (points.lat <= maxy)
        lon, lat = points.lon[near], points.lat[near]
        counts[str(ident)] = int(shapely.intersects_xy(geometry, lon, lat).sum()) if lon.size else 0
    return counts


def _detail_value(value: object, spec: registry.Field, lang: str) -> str:
    """A field's value as the details panel shows it: a code in words, else as text."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if spec.labels:
        return label(spec.labels, value, lang)
    if spec.name == "languages":  # ISO codes, named in the reader's language (issue 14.15)
        return language_names(value if isinstance(value, str) else [str(v) for v in value], lang)  # type: ignore[attr-defined]
    if spec.name == "opening_hours":  # OSM syntax, said in words (issue #19)
        return meeting_places.hours_said(str(value), lang)
    return str(value)


def _row(frame: gpd.GeoDataFrame, ident: str) -> pd.Series | None:
    if frame.empty:
        return None
    match = frame[frame["id"] == ident]
    return None if match.empty else match.iloc[0]


def _period(start: dt.date | None, end: dt.date | None, lang: str) -> str:
    if start is None and end is None:
        return ""
    t = translator(lang)
    start_text = format_day(start, lang) if start else "…"
    end_text = format_day(end, lang) if end else t("details.ongoing")
    return f"{start_text} – {end_text}"


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def features_in_view(
    layers: ExploreLayers,
    shown: ReportsView | None,
    view: ExploreView,
    bbox: tuple[float, float, float, float],
    lang: str,
    categories: list[Category],
    *,
    viewer: Role = Role.TEAM,
    zone_counts: Mapping[str, int] | None = None,
    limit: int = 50,
) -> tuple[list[str], list[mapview.Details]]:
    """The map's content inside ``bbox`` (EPSG:4326) as text, for keyboard and screen-reader users:
    notes (how many reports, when they are counted per cell or more than ``limit``) and the details
    of the selectable features in view (areas, places, single reports), as their popups give them."""
    t = translator(lang)
    box = shapely.box(*bbox)
    notes: list[str] = []
    items: list[mapview.Details] = []
    counts = zone_counts or {}
    for group in reversed(registry.draw_order()):  # from the top of the map: what people look for first
        layer = registry.get(group.layer)
        if group.name not in view.layers or not layer.selectable:
            continue
        if group.symbol == "reports":
            notes += _reports_in_view(shown, box, lang, categories, viewer, limit, items)
            continue
        frame = layers.frame(layer.name)
        if frame.empty:
            continue
        if group.where is not None:
            frame = frame[frame[group.where[0]] == group.where[1]]
        frame = frame[frame.intersects(box)]
        items += [
            layer_details(layer, row, lang, counts.get(row["id"]) if layer is registry.ZONES else None, viewer)
            for _, row in frame.iterrows()
        ]
    if not items and not notes:
        notes.append(t("map.list_none"))
    return notes, items


def _reports_in_view(
    shown: ReportsView | None,
    box: shapely.Polygon,
    lang: str,
    categories: list[Category],
    viewer: Role,
    limit: int,
    items: list[mapview.Details],
) -> list[str]:
    """Adds the single reports in ``box`` to ``items``; the notes to say about them."""
    t = translator(lang)
    if shown is None:
        return []
    if shown.mode == "hexagons":
        if not viewer.is_staff and shown.in_window < PUBLIC_MIN_COUNT:
            return [t("map.list_hex_few", k=PUBLIC_MIN_COUNT)]
        return [t("map.list_hex", n=shown.in_window)]
    points = shown.points[shown.points.intersects(box)] if not shown.points.empty else shown.points
    labels = category_labels(categories, lang)
    items += [report_details(row, lang, labels) for _, row in points.head(limit).iterrows()]
    return [t("map.list_more", shown=limit, n=len(points))] if len(points) > limit else []
