"""The explore page ("Karta") without Streamlit: what to draw, list and detail.

`build_map` turns a `ViewState` into a base map plus one FeatureGroup per layer
(EPSG:4326); `report_table` and `details` give the rows and fields a person reads,
in their language. The page only wires widgets to these functions.

Nothing here reads every report: the table holds the newest `TABLE_LIMIT` (ordered and
cut in SQL), a selected report is read by its id, and the map's reports layer comes
from `geo.hexagons` (H3 cells at low zoom, the reports in view at high zoom).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
import shapely

from geo import mapview
from geo.config import TileSource
from geo.hexagons import PUBLIC_MIN_COUNT, ReportsView
from geo.i18n import format_day, label, translator
from geo.layers import (
    REPORT_COLUMNS,
    ReportFilter,
    boundary_layer,
    count_reports,
    meeting_places_layer,
    public_reports,
    report_conditions,
    reports_layer,
    zones_layer,
)
from geo.model import WGS84, Category, Moderation, Role, ZoneKind, category_labels
from geo.store import Store
from geo.store import reports as reports_table
from geo.viewstate import ExploreView

TABLE_LIMIT = 1000
"""Rows shown in the table; the count above it says how many matched."""
REPORT_COLUMNS_WITH_LOCATION = (*REPORT_COLUMNS, "lon", "lat")


@dataclass(frozen=True)
class ExploreLayers:
    """Everything the explore page shows for one view, in EPSG:4326.

    ``reports`` holds the newest `TABLE_LIMIT` reports of the filter (for the table and
    details), ``report_count`` how many match in all.
    """

    reports: gpd.GeoDataFrame
    meeting_places: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame
    report_count: int = 0


def load_layers(store: Store, view: ExploreView, viewer: Role = Role.TEAM) -> ExploreLayers:
    """The layers ``viewer`` may see: staff get exact locations and pending reports;
    the public gets published reports only, snapped to a 50 m grid."""
    newest = reports_layer(store, view.filter, viewer=viewer, limit=TABLE_LIMIT)
    return ExploreLayers(
        reports=newest if viewer.is_staff else public_reports(newest),
        meeting_places=meeting_places_layer(store),
        zones=zones_layer(store),
        boundary=boundary_layer(store),
        report_count=count_reports(store, view.filter, viewer=viewer),
    )


def report_by_id(store: Store, report_id: str, viewer: Role = Role.TEAM) -> gpd.GeoDataFrame:
    """The report ``report_id`` as ``viewer`` may see it (zero or one row, EPSG:4326, coarsened
    for the public), whatever the filter."""
    conditions = [reports_table.c.id == report_id, *report_conditions(ReportFilter(), viewer)]
    frame = store.reports_frame(where=conditions, columns=(*REPORT_COLUMNS_WITH_LOCATION,))
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
) -> tuple[folium.Map, list[folium.FeatureGroup]]:
    """The base map (tiles, legend) and the layers to add to it.

    The base map does not depend on the data, so filtering or panning swaps the
    feature groups without reloading the map. It opens at ``origin`` ((lat, lon)
    in EPSG:4326, zoom), by default the view's own centre and zoom. The reports
    layer shows ``reports_view`` (hexagons or the points in view, `geo.hexagons`);
    without it, the reports of ``layers``. ``highlight`` (EPSG:4326) rings the
    selected feature; by default it is looked up in ``layers``.
    """
    t = translator(lang)
    labels = category_labels(categories, lang)
    center, zoom = origin or (view.center, view.zoom)
    m = mapview.base_map(tiles, center=center, zoom=zoom)
    hexagons = reports_view is not None and reports_view.mode == "hexagons"
    mapview.legend(legend_entries(view, lang, hexagons=hexagons), t("legend.title")).add_to(m)
    groups: list[folium.FeatureGroup] = []
    if "boundary" in view.layers:
        groups.append(mapview.boundary_group(layers.boundary))
    for kind in (ZoneKind.MEDBORGARLOFTE, ZoneKind.PLATSSAMVERKAN):
        if kind.value in view.layers:
            groups.append(mapview.zones_group(layers.zones, kind))
    if "reports" in view.layers:
        if reports_view is not None and reports_view.mode == "hexagons":
            groups.append(mapview.hexagons_group(reports_view.cells, lambda n: hex_label(n, lang)))
        else:
            points = layers.reports if reports_view is None else reports_view.points
            groups.append(mapview.reports_group(points, lambda code: labels.get(code, code)))
    if "meeting_places" in view.layers:  # on top: few, and people look for them
        groups.append(mapview.meeting_places_group(layers.meeting_places))
    groups.append(mapview.highlight_group(highlight if highlight is not None else selected_point(layers, view)))
    mapview.localized(m, *groups)
    return m, groups


def hex_label(count: int | None, lang: str) -> str:
    """The tooltip of a report cell: its count, or "fewer than 5" where the count is hidden."""
    t = translator(lang)
    return t("hex.few", k=PUBLIC_MIN_COUNT) if count is None else t("hex.count", n=count)


def legend_entries(view: ExploreView, lang: str, *, hexagons: bool = False) -> list[mapview.LegendEntry]:
    t = translator(lang)
    entries = []
    if "reports" in view.layers and hexagons:
        entries += [
            mapview.LegendEntry(mapview.HEX_RAMP[-1], t("hex.legend_many"), "area"),
            mapview.LegendEntry(mapview.HEX_RAMP[0], t("hex.legend_some"), "area"),
            mapview.LegendEntry(mapview.HEX_FEW, t("hex.few", k=PUBLIC_MIN_COUNT), "area"),
        ]
    elif "reports" in view.layers:
        entries += [
            mapview.LegendEntry(mapview.COLORS["otrygg"], t("legend.unsafe")),
            mapview.LegendEntry(mapview.COLORS["trygg"], t("legend.safe")),
            mapview.LegendEntry(mapview.COLORS["otrygg"], t("legend.pending"), "hollow"),
        ]
    if "meeting_places" in view.layers:
        entries.append(mapview.LegendEntry(mapview.COLORS["meeting_place"], t("legend.meeting_place")))
    for kind in (ZoneKind.MEDBORGARLOFTE, ZoneKind.PLATSSAMVERKAN):
        if kind.value in view.layers:
            entries.append(mapview.LegendEntry(mapview.COLORS[kind.value], label("zone_kind", kind, lang), "area"))
    if "boundary" in view.layers:
        entries.append(mapview.LegendEntry(mapview.COLORS["boundary"], t("legend.boundary"), "line"))
    return entries


def selected_point(
    layers: ExploreLayers, view: ExploreView, store: Store | None = None, viewer: Role = Role.TEAM
) -> shapely.Point | None:
    """The point of the selected report or meeting place (EPSG:4326), if any: looked up in
    ``layers``, and for a report not among them, in ``store`` (as ``viewer`` may see it)."""
    if view.selected is None:
        return None
    kind, ident = view.selected
    frame = {"report": layers.reports, "meeting_place": layers.meeting_places}.get(kind)
    if frame is None:
        return None
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
) -> tuple[str, list[tuple[str, str]]] | None:
    """A title and (field, value) pairs for the selected feature, in ``lang``.

    A report not among ``layers.reports`` is read from ``store`` by its id (as ``viewer``
    may see it); a zone's report count too comes from ``store`` when given.
    Values are plain text; the page must show them as text, never as HTML.
    """
    if selected is None:
        return None
    kind, ident = selected
    t = translator(lang)
    if kind == "report":
        row = _row(layers.reports, ident)
        if row is None and store is not None:
            row = _row(report_by_id(store, ident, viewer), ident)
        if row is None:
            return None
        labels = category_labels(categories, lang)
        fields = [
            (t("details.ref"), row["ref_code"]),
            (t("details.feeling"), label("feeling", row["feeling"], lang)),
            (t("details.time_of_day"), label("time_of_day", row["time_of_day"], lang)),
            (t("details.status"), label("status", row["status"], lang)),
            (t("details.moderation"), label("moderation", row["moderation"], lang)),
            (t("details.reported"), format_day(row["created_at"].to_pydatetime(), lang)),
            (t("details.supporters"), str(int(row["supporters"]))),
            (t("details.text"), row["text"] or "–"),
        ]
        if row["public_comment"]:
            fields.append((t("details.public_comment"), row["public_comment"]))
        if row["moderation"] == Moderation.PENDING.value:
            fields.append((t("details.note"), t("details.pending_note")))
        return labels.get(row["category"], row["category"]), fields
    if kind == "meeting_place":
        row = _row(layers.meeting_places, ident)
        if row is None:
            return None
        fields = [
            (t("details.kind"), label("meeting_place_kind", row["kind"], lang)),
            (t("details.address"), row["address"]),
            (t("details.opening_hours"), row["opening_hours"]),
            (t("details.languages"), row["languages"]),
            (t("details.accessibility"), row["accessibility"]),
            (t("details.contact"), row["contact"]),
            (t("details.description"), row["description"]),
        ]
        return row["name"], [(k, v) for k, v in fields if v]
    if kind == "zone":
        row = _row(layers.zones, ident)
        if row is None:
            return None
        area_km2 = gpd.GeoSeries([row.geometry], crs=layers.zones.crs).to_crs("EPSG:3006").area.iloc[0] / 1e6
        if store is not None:  # the border counts as inside
            count = count_reports(store, ReportFilter(zone_id=ident), viewer=viewer)
        else:
            count = int(layers.reports.intersects(row.geometry).sum())
        fields = [
            (t("details.kind"), label("zone_kind", row["kind"], lang)),
            (t("details.description"), row["description"]),
            (t("details.promise"), row["promise_text"]),
            (t("details.police_contact"), row["police_contact"]),
            (t("details.period"), _period(row["start_date"], row["end_date"], lang)),
            (t("details.area"), t("details.area_value", km2=f"{area_km2:.2f}")),
            (t("details.reports_inside"), str(count)),
        ]
        return row["name"], [(k, v) for k, v in fields if v]
    return None


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
