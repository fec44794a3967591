"""The medborgarlöften review without Streamlit: areas, their reports, trends, export.

Police and the project team open an area (a medborgarlöfte or a platssamverkan
zone) and see every report inside it at its exact place (EPSG:4326), counts by
category, month and time of day, and the before/after comparison around the
promise's start date (`geo.analysis`). Only staff may call these functions; anyone
else gets `PermissionError`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import pandas as pd

from geo import mapview
from geo.analysis import LOCAL_TIME_ZONE, BeforeAfter, before_after, counts_by, reports_in_area
from geo.auth import User
from geo.config import TileSource
from geo.explore import report_table
from geo.i18n import format_day, label, translator
from geo.io import neutralise_formula
from geo.layers import ReportFilter, reports_layer, zones_layer
from geo.model import WGS84, Category, Feeling, Moderation, ZoneKind, category_labels
from geo.public import public_reports
from geo.rights import Right, require
from geo.store import Store

EXPORT_COLUMNS = (
    "ref_code",
    "created_at",
    "category",
    "feeling",
    "time_of_day",
    "status",
    "moderation",
    "supporters",
    "text",
    "public_comment",
)
"""What an export of an area's reports holds: columns of the public face (`geo.public`), never a
contact address."""


@dataclass(frozen=True)
class Counted:
    """Which of an area's reports the before/after comparison counts: reports of these
    ``feelings``, of these ``categories`` (empty: every category) and, with
    ``published_only``, only those a moderator has published. The default counts
    published otrygg reports of every category, so trygg reports and reports nobody has
    checked yet do not blur the question "did it feel less unsafe after the promise?"."""

    feelings: frozenset[str] = field(default_factory=lambda: frozenset({Feeling.UNSAFE.value}))
    categories: frozenset[str] = frozenset()
    published_only: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.feelings) - {f.value for f in Feeling}
        if not self.feelings or unknown:
            allowed = [f.value for f in Feeling]
            raise ValueError(f"feelings must be a non-empty subset of {allowed}, got {sorted(self.feelings)!r}")

    def select(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` (an area's reports) that this choice counts."""
        if frame.empty:
            return frame
        keep = frame["feeling"].isin(list(self.feelings))
        if self.categories:
            keep &= frame["category"].isin(list(self.categories))
        if self.published_only:
            keep &= frame["moderation"] == Moderation.PUBLISHED.value
        return frame[keep]


@dataclass(frozen=True)
class AreaReview:
    """One area and what happened inside it (all geometry EPSG:4326)."""

    area: pd.Series
    reports: gpd.GeoDataFrame
    by_category: pd.Series
    by_month: pd.Series
    by_time_of_day: pd.Series
    comparison: BeforeAfter | None
    counted: Counted = Counted()
    """What the comparison counted."""
    counted_reports: int = 0
    """How many of the area's reports (all dates) that choice holds."""


def review_areas(store: Store, actor: User | None) -> gpd.GeoDataFrame:
    """Medborgarlöften areas first, then platssamverkan zones, each by name (EPSG:4326)."""
    require(actor, Right.VIEW_STAFF)
    areas = zones_layer(store)
    order = {ZoneKind.MEDBORGARLOFTE.value: 0, ZoneKind.PLATSSAMVERKAN.value: 1}
    if areas.empty:
        return areas
    return areas.assign(_order=areas["kind"].map(order)).sort_values(["_order", "name"]).drop(columns="_order")


def review_area(
    store: Store,
    zone_id: str,
    actor: User | None,
    *,
    today: dt.date | None = None,
    counted: Counted = Counted(),
) -> AreaReview | None:
    """The area ``zone_id`` with its reports (exact places, pending ones included for staff who may see them,
    rejected ones not), its counts and its before/after comparison of the reports
    ``counted`` chooses; None for an unknown area. ``today`` is a Swedish local day
    (default: now)."""
    user = require(actor, Right.VIEW_STAFF)
    areas = zones_layer(store)
    match = areas[areas["id"] == zone_id]
    if match.empty:
        return None
    area = match.iloc[0]
    minx, miny, maxx, maxy = area.geometry.bounds
    candidates = reports_layer(store, ReportFilter(), viewer=user.role, bbox=(minx, miny, maxx, maxy))
    inside = reports_in_area(candidates, area.geometry).reset_index(drop=True)
    today = today or dt.datetime.now(LOCAL_TIME_ZONE).date()
    chosen = counted.select(inside)
    comparison = None
    if area["start_date"] is not None and not pd.isna(area["start_date"]):
        comparison = before_after(
            chosen["created_at"] if not chosen.empty else pd.Series(dtype="datetime64[ns, UTC]"),
            area["start_date"],
            today=today,
            end=None if pd.isna(area["end_date"]) else area["end_date"],
            data_start=first_report_day(store),
        )
    return AreaReview(
        area=area,
        reports=inside,
        by_category=counts_by(inside, "category"),
        by_month=counts_by(inside, "month"),
        by_time_of_day=counts_by(inside, "time_of_day"),
        comparison=comparison,
        counted=counted,
        counted_reports=len(chosen),
    )


def counted_description(review: AreaReview, categories: list[Category], lang: str) -> str:
    """One sentence saying what the before/after comparison counted, in ``lang``:
    which feelings, which categories, whether only published reports, and how many of
    the area's reports that is."""
    t = translator(lang)
    counted = review.counted
    feelings = ", ".join(label("feeling", f.value, lang) for f in Feeling if f.value in counted.feelings)
    names = category_labels(categories, lang)
    chosen = sorted(names.get(code, code) for code in counted.categories)
    return t(
        "review.counted",
        feelings=feelings,
        categories=", ".join(chosen) if chosen else t("review.counted_all_categories"),
        moderation=t("review.counted_published" if counted.published_only else "review.counted_with_pending"),
        counted=review.counted_reports,
        total=len(review.reports),
    )


def first_report_day(store: Store) -> dt.date | None:
    """The local day of the oldest report: before it there are no data, not no reports."""
    first = store.first_report_at()
    return None if first is None else first.astimezone(LOCAL_TIME_ZONE).date()


def area_map(review: AreaReview, *, lang: str, tiles: TileSource, categories: list[Category]) -> folium.Map:
    """A map fitted to the area (EPSG:4326) with its outline and its reports."""
    t = translator(lang)
    labels = category_labels(categories, lang)
    minx, miny, maxx, maxy = review.area.geometry.bounds
    m = mapview.base_map(tiles, center=((miny + maxy) / 2, (minx + maxx) / 2), zoom=14)
    kind = ZoneKind(review.area["kind"])
    area_frame = gpd.GeoDataFrame([review.area], geometry=[review.area.geometry], crs=WGS84)
    groups = [
        mapview.zones_group(area_frame, kind),
        mapview.reports_group(review.reports, lambda code: labels.get(code, code)),
    ]
    for group in groups:
        group.add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(20, 20))
    mapview.legend(
        [
            mapview.LegendEntry(mapview.COLORS[kind.value], label("zone_kind", kind, lang), "area"),
            mapview.LegendEntry(mapview.COLORS["otrygg"], t("legend.unsafe")),
            mapview.LegendEntry(mapview.COLORS["trygg"], t("legend.safe")),
            mapview.LegendEntry(mapview.COLORS["otrygg"], t("legend.pending"), "hollow"),
        ],
        t("legend.title"),
    ).add_to(m)
    mapview.localized(m, *groups)
    return m


BULLETS = ("•", "-", "*", "–", "·")
"""Characters that start a list item in a promise text typed by the team."""


def promise_markdown(text: str) -> str:
    """A promise text as Markdown that shows what its author typed: lines that start with a
    bullet (`BULLETS`) become a list, other lines paragraphs; every character of the text is
    escaped, so nothing in it is read as Markdown or HTML."""
    blocks: list[list[str]] = []  # a paragraph is one line; a list holds "- item" lines
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if line[:1] in BULLETS and line[1:2] in (" ", "\t"):
            item = f"- {_escape_markdown(line[1:].strip())}"
            if blocks and blocks[-1][0].startswith("- "):
                blocks[-1].append(item)
            else:
                blocks.append([item])
        elif line:
            blocks.append([_escape_markdown(line)])
    return "\n\n".join("\n".join(block) for block in blocks)


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~$:])", r"\\\1", text)


def report_choice_label(review: AreaReview, report_id: str, categories: list[Category], lang: str) -> str:
    """How the report picker names a report: its code, category and day (``AB12CD34 · 🔦 Dålig
    belysning · 3 nov. 2026``), not a bare code."""
    row = review.reports.set_index("id").loc[report_id]
    labels = category_labels(categories, lang)
    return f"{row['ref_code']} · {labels.get(row['category'], row['category'])} · {format_day(row['created_at'], lang)}"


def report_rows(review: AreaReview, categories: list[Category], lang: str) -> pd.DataFrame:
    """All the area's reports as the list shows them, newest first, in ``lang``,
    with their whole text; indexed by report id."""
    return report_table(review.reports, categories, lang, limit=None, full_text=True)


def _export_frame(review: AreaReview, public: bool) -> gpd.GeoDataFrame:
    frame = public_reports(review.reports) if public else review.reports
    frame = frame[[*EXPORT_COLUMNS, "geometry"]].copy()
    frame["created_at"] = frame["created_at"].map(lambda v: v.isoformat())
    return frame


def export_geojson(review: AreaReview, *, public: bool = False) -> bytes:
    """The area's reports as a GeoJSON FeatureCollection (EPSG:4326), no contact data; exact for
    staff, or, when ``public``, the public face of each report (`geo.public.public_reports`)."""
    return _export_frame(review, public).to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def export_csv(review: AreaReview, *, public: bool = False) -> bytes:
    """The area's reports as CSV (UTF-8 with BOM for spreadsheet programs; lon/lat
    columns in EPSG:4326), no contact data; cells that a spreadsheet would run as a
    formula are prefixed with an apostrophe. Exact for staff; ``public`` as `export_geojson`."""
    frame = _export_frame(review, public)
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["lon"] = frame.geometry.x.round(7)
    table["lat"] = frame.geometry.y.round(7)
    for column in ("text", "public_comment"):
        table[column] = table[column].map(neutralise_formula)
    return table.to_csv(index=False).encode("utf-8-sig")


def export_name(review: AreaReview, extension: str) -> str:
    """A file name for the export: the area's name made safe, and the extension."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in str(review.area["name"]).lower()).strip("-")
    return f"{safe or 'omrade'}.{extension}"
