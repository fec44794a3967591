"""The lägesbild: a printable situation report for the municipality, a zone or a
medborgarlöfte area and a period, as a print-ready HTML page and a PDF (`geo.documents`),
in Swedish, English or Arabic.

It always shows the public face (published reports, counts under 5 written "färre än 5",
including where a total would give them away, `geo.statistics`), so it may be handed out at
a meeting with residents. Its map is drawn here as SVG without tiles: the municipality's
boundary, the area, and the density of reports per H3 cell made from the public 50 m positions
(cells under 5 reports drawn pale, without a count), measured and drawn in SWEREF 99 TM
(EPSG:3006).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import h3
import pandas as pd
import shapely

from geo import documents, municipality
from geo.auth import User
from geo.crs import to_sweref99tm
from geo.hexagons import PUBLIC_MIN_COUNT, cell_counts
from geo.i18n import format_day, translator
from geo.layers import ReportFilter
from geo.model import Role, Zone, ZoneKind
from geo.privacy import PUBLIC_GRID_M
from geo.rights import Right, require
from geo.statistics import HOTSPOT_RESOLUTION, Period, Statistics, compute
from geo.statsview import Section, StatsText, hotspot_name, key_figures, period_text, sections
from geo.store import Store

TEMPLATE = "lagesbild.html.j2"
MAP_WIDTH, MAP_HEIGHT = 640, 420
"""The map's drawing size in SVG units (scaled to the page's width)."""
DENSITY_RESOLUTION = HOTSPOT_RESOLUTION


class UnknownArea(ValueError):
    """No zone of that name (the message lists the known ones)."""


@dataclass(frozen=True)
class Lagesbild:
    """One document: its statistics and what it was asked for."""

    statistics: Statistics
    zone: Zone | None
    municipality: str
    lang: str
    made: dt.date


def find_zone(store: Store, name: str) -> Zone:
    """The zone named ``name`` (case and spacing forgiven); `UnknownArea` naming the known ones."""
    wanted = " ".join(name.split()).casefold()
    zones = store.zones()
    for zone in zones:
        if " ".join(zone.name.split()).casefold() == wanted:
            return zone
    known = ", ".join(sorted(z.name for z in zones)) or "-"
    raise UnknownArea(f"no area named {name!r}; the areas are: {known}")


def make(
    store: Store,
    *,
    actor: User | str,
    zone: Zone | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    lang: str,
    today: dt.date,
) -> Lagesbild:
    """The lägesbild of ``zone`` (None: the whole municipality) from ``date_from`` to ``date_to``
    (inclusive local days; None: as `geo.statistics.period_of` says), made by ``actor``: a
    member of staff who may (`Right.MAKE_LAGESBILD`, else `PermissionError`), or a name such as
    `geo.audit.SYSTEM` for the command line. It holds only what the public may see."""
    if not isinstance(actor, str):
        require(actor, Right.MAKE_LAGESBILD)
    flt = ReportFilter(zone_id=zone.id if zone else None, date_from=date_from, date_to=date_to)
    result = compute(store, flt, viewer=Role.PUBLIC, today=today)
    place = municipality.current(store)
    return Lagesbild(result, zone, place.name if place else "", lang, today)


def title(doc: Lagesbild) -> str:
    return translator(doc.lang)("lagesbild.title", area=area_name(doc))


def html(store: Store, doc: Lagesbild) -> str:
    """The print-ready HTML page of ``doc``."""
    t = translator(doc.lang)
    result = doc.statistics
    words = StatsText(t, doc.lang, store.categories(include_inactive=True))
    context = {
        "t": t,
        "period": period_text(result, doc.lang, t),
        "made": t("lagesbild.made", day=format_day(doc.made, doc.lang)),
        "area_kind": t(f"stats.area_kind.{doc.zone.kind}") if doc.zone else t("lagesbild.municipality"),
        "empty": result.empty,
        "figures": key_figures(result, words),
        "sections": [_printed(s) for s in sections(result, words) if s.key != "hotspots"],
        "hotspots": [(hotspot_name(s, t), words.count(s.count)) for s in result.hotspots],
        "promise": _promise(doc.zone, doc.lang),
        "map_svg": documents.markup(map_svg(store, doc)),
        "note": t("lagesbild.note", k=PUBLIC_MIN_COUNT, grid=int(PUBLIC_GRID_M), hidden=result.suppressed),
    }
    return documents.render_html(TEMPLATE, context, lang=doc.lang, title=title(doc))


def pdf(store: Store, doc: Lagesbild) -> bytes:
    """The PDF of ``doc``."""
    return documents.html_to_pdf(html(store, doc))


def file_name(area: str, period: Period, suffix: str) -> str:
    """``lagesbild-<area>-<first day>-<last day>.<suffix>``, the area in lower-case letters and digits."""
    safe = "-".join("".join(ch if ch.isalnum() else " " for ch in area.casefold()).split()) or "kommun"
    return f"lagesbild-{safe}-{period.start.isoformat()}-{period.end.isoformat()}.{suffix}"


def area_name(doc: Lagesbild) -> str:
    return doc.zone.name if doc.zone else (doc.municipality or translator(doc.lang)("lagesbild.municipality"))


def _promise(zone: Zone | None, lang: str) -> dict[str, str] | None:
    if zone is None or str(zone.kind) != ZoneKind.MEDBORGARLOFTE.value:
        return None
    start = format_day(zone.start_date, lang) if zone.start_date else "–"
    end = format_day(zone.end_date, lang) if zone.end_date else "–"
    return {"text": zone.promise_text, "period": f"{start} – {end}", "contact": zone.police_contact or "–"}


def _printed(section: Section) -> dict[str, object]:
    """A section as the document prints it: its table, and a bar per row for one-way counts
    (as wide as the row's share of the largest visible count; none where hidden)."""
    bars: list[float | None] = []
    if section.kind == "bar":
        values = [v for v in section.data["value"] if v is not None and not pd.isna(v)]
        top = max(values, default=0) or 1
        bars = [None if v is None or pd.isna(v) else 100.0 * float(v) / top for v in section.data["value"]]
    return {
        "title": section.title,
        "summary": section.summary,
        "headers": [str(c) for c in section.table.columns],
        "rows": [[str(v) for v in row] for row in section.table.itertuples(index=False)],
        "bars": bars,
    }


# --- the map ----------------------------------------------------------------------------------


def map_svg(store: Store, doc: Lagesbild) -> str:
    """An SVG map (no tiles): boundary, the area and public report density, in SWEREF 99 TM."""
    place = municipality.current(store)
    outline = place.boundary if place else None
    area = shapely.from_wkt(doc.zone.geometry_wkt) if doc.zone else None
    frame = area if area is not None else outline
    cells = _density(store, doc)
    shapes = [g for g in (frame, *(c for c, _ in cells)) if g is not None]
    if not shapes:
        return ""
    forward = to_sweref99tm()

    def project(geometry: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geometry, lambda xs, ys: forward.transform(xs, ys), interleaved=False)

    focus = project(frame if frame is not None else shapely.union_all(shapes))
    minx, miny, maxx, maxy = focus.buffer(max(focus.length, 1) * 0.02 + 100).bounds
    scale = min(MAP_WIDTH / (maxx - minx), MAP_HEIGHT / (maxy - miny))

    def path(geometry: shapely.Geometry) -> str:
        parts = []
        for polygon in getattr(project(geometry), "geoms", [project(geometry)]):
            for ring in [polygon.exterior, *polygon.interiors]:
                points = " L".join(f"{(x - minx) * scale:.1f} {(maxy - y) * scale:.1f}" for x, y in ring.coords)
                parts.append(f"M{points} Z")
        return " ".join(parts)

    top = max((n for _, n in cells), default=1)
    drawn = []
    if outline is not None:
        drawn.append(f'<path d="{path(outline)}" fill="#f4f4f4" stroke="#444" stroke-width="1.2"/>')
    looks: dict[str, list[shapely.Geometry]] = {}  # one path per look: a few nodes for the PDF, not thousands
    for cell, count in cells:
        if count < PUBLIC_MIN_COUNT:
            look = 'fill="#f3c5c2" stroke="#c98a86" stroke-dasharray="2 2"'
        else:
            look = f'fill="#b3261e" fill-opacity="{0.3 + 0.7 * count / top:.2f}" stroke="none"'
        looks.setdefault(look, []).append(cell)
    for look, alike in looks.items():
        drawn.append(f'<path d="{path(shapely.MultiPolygon(alike))}" {look}/>')
    if area is not None:
        drawn.append(f'<path d="{path(area)}" fill="none" stroke="#1f4e9c" stroke-width="2.5"/>')
    width, height = (maxx - minx) * scale, (maxy - miny) * scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img">{"".join(drawn)}</svg>'
    )


def _density(store: Store, doc: Lagesbild) -> list[tuple[shapely.Geometry, int]]:
    """Public report counts per H3 cell (EPSG:4326 polygons) in the document's period and area."""
    cells, counts = cell_counts(store, doc.statistics.filter, DENSITY_RESOLUTION, viewer=Role.PUBLIC)
    return [(_cell_polygon(int(c)), int(n)) for c, n in zip(cells, counts, strict=True)]


def _cell_polygon(cell: int) -> shapely.Geometry:
    boundary: Iterable[tuple[float, float]] = h3.cell_to_boundary(h3.int_to_str(cell))
    return shapely.Polygon([(lon, lat) for lat, lon in boundary])
