"""The municipality's åtgärdsplan: every action across places, grouped by the problem in the
lägesbild it answers (`GROUPINGS`: the area, the category of the reports it answers, or the hot
spot it lies in), with owner, dates and status, and its follow-up: how many are done, late and
dropped, and the reports in each action's place before and after it started.

Grouped by area, an action stands under its zone (or "other places"); by category, under every
category of the reports linked to it (an action answering two problems stands under both; one
answering none under "no linked reports"); by hot spot, under the H3 cell (resolution
`geo.statistics.HOTSPOT_RESOLUTION`, as Statistik's hot spots) of a point of its place, named by
the nearest known place as Statistik names its hot spots.

An action's place is its drawn geometry (a point or a line counts within `NEAR_M` metres,
measured in SWEREF 99 TM) or its zone. "Before" and "after" are two periods of equal length
around its start date: the days since it started (at most a year) and as many days before.
Staff only. `plan_html` and `plan_pdf` print it (`geo.documents`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import h3
import pandas as pd
import shapely

from geo import documents
from geo.actions import Action, ActionStatus, actions, today_local
from geo.analysis import LOCAL_TIME_ZONE, reports_in_area
from geo.auth import User
from geo.i18n import Translator, format_day, format_number, label, translator
from geo.layers import ReportFilter, reports_layer
from geo.model import SWEREF99TM, WGS84
from geo.places import Place, known_places
from geo.rights import Right, require
from geo.statistics import HOTSPOT_RESOLUTION, nearest_place
from geo.store import Store

NEAR_M = 100.0
"""How far from a drawn point or line a report counts as in the action's place (metres)."""
MAX_PERIOD_DAYS = 365
GROUPINGS = ("area", "category", "hotspot")
"""What the plan may be grouped by (catalogue ``plan.by.<grouping>``)."""


@dataclass(frozen=True)
class PlannedAction:
    action: Action
    overdue: bool
    before: int | None
    after: int | None
    """Reports in its place in the period before and after its start (None: not started)."""


@dataclass(frozen=True)
class PlanGroup:
    area: str
    actions: tuple[PlannedAction, ...]


@dataclass(frozen=True)
class Plan:
    groups: tuple[PlanGroup, ...]
    done: int
    late: int
    dropped: int
    active: int
    today: dt.date
    by: str = "area"


def action_plan(
    store: Store,
    actor: User | None,
    *,
    today: dt.date | None = None,
    other_area: str = "",
    by: str = "area",
    lang: str = "sv",
) -> Plan:
    """Every action, grouped ``by`` one of `GROUPINGS` (see the module; group names in
    ``lang``, actions without a zone under ``other_area`` when grouped by area), groups by name
    and actions in order of due date."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")
    user = require(actor, Right.VIEW_STAFF)
    today = today or today_local()
    zones = {zone.id: zone for zone in store.zones()}
    reports = reports_layer(store, ReportFilter(), viewer=user.role)
    group_of = _grouper(store, reports, by, lang, other_area)
    grouped: dict[str, list[PlannedAction]] = {}
    every = actions(store, actor)
    for action in every:
        zone = zones.get(action.zone_id or "")
        place = _place(action, None if zone is None else zone.geometry_wkt)
        before, after = _before_after(reports, place, action.start_date, today)
        for name in group_of(action, zone.name if zone is not None else None, place):
            grouped.setdefault(name, []).append(PlannedAction(action, action.overdue(today), before, after))
    groups = tuple(PlanGroup(area, tuple(items)) for area, items in sorted(grouped.items(), key=lambda kv: kv[0]))
    return Plan(
        by=by,
        groups=groups,
        done=sum(a.status is ActionStatus.DONE for a in every),
        late=sum(a.overdue(today) for a in every),
        dropped=sum(a.status is ActionStatus.DROPPED for a in every),
        active=sum(a.status.is_active for a in every),
        today=today,
    )


Grouper = Callable[[Action, str | None, shapely.Geometry | None], list[str]]
"""The names of the groups an action stands in, given its zone's name and its place (EPSG:4326)."""


def _grouper(store: Store, reports: gpd.GeoDataFrame, by: str, lang: str, other_area: str) -> Grouper:
    t = translator(lang)
    if by == "area":
        return lambda action, zone_name, place: [zone_name if zone_name is not None else other_area]
    if by == "category":
        names = {c.code: c.label(lang) for c in store.categories(include_inactive=True)}
        category_of = dict(zip(reports["ref_code"], reports["category"], strict=True))

        def categories(action: Action, zone_name: str | None, place: shapely.Geometry | None) -> list[str]:
            codes = sorted({category_of[ref] for ref in action.report_refs if ref in category_of})
            return [names.get(code, code) for code in codes] or [t("plan.no_reports")]

        return categories
    places = known_places(store)

    def hotspot(action: Action, zone_name: str | None, place: shapely.Geometry | None) -> list[str]:
        if place is None:
            return [t("plan.no_place")]
        return [hotspot_name(place, places, t)]

    return hotspot


def hotspot_name(place: shapely.Geometry, places: Sequence[Place], t: Translator) -> str:
    """The hot spot of ``place`` (EPSG:4326): the H3 cell of a point of it, named as Statistik
    names its hot spots (the nearest known place to the cell's centre, in metres)."""
    point = place.representative_point()
    cell = h3.latlng_to_cell(point.y, point.x, HOTSPOT_RESOLUTION)
    lat, lon = h3.cell_to_latlng(cell)
    nearest, distance = nearest_place(lon, lat, places)
    if nearest is None:
        return t("stats.hotspot_unnamed")
    return t("stats.hotspot_near", place=nearest.name, m=int(round(distance, -1)))


def _place(action: Action, zone_wkt: str | None) -> shapely.Geometry | None:
    """The action's place in EPSG:4326: its drawn area, a drawn point or line widened by
    `NEAR_M` (in EPSG:3006), or its zone."""
    if action.geometry_wkt is None:
        return None if zone_wkt is None else shapely.from_wkt(zone_wkt)
    drawn = shapely.from_wkt(action.geometry_wkt)
    if drawn.geom_type in ("Polygon", "MultiPolygon"):
        return drawn
    widened = gpd.GeoSeries([drawn], crs=WGS84).to_crs(SWEREF99TM).buffer(NEAR_M).to_crs(WGS84)
    return widened.iloc[0]


def _before_after(
    reports: gpd.GeoDataFrame, place: shapely.Geometry | None, start: dt.date, today: dt.date
) -> tuple[int | None, int | None]:
    days = min((today - start).days, MAX_PERIOD_DAYS)
    if place is None or days <= 0 or reports.empty:
        return (None, None) if place is None or days <= 0 else (0, 0)
    inside = reports_in_area(reports, place)
    local = pd.to_datetime(inside["created_at"], utc=True).dt.tz_convert(LOCAL_TIME_ZONE).dt.date
    before = int(((local >= start - dt.timedelta(days=days)) & (local < start)).sum())
    after = int(((local >= start) & (local < start + dt.timedelta(days=days))).sum())
    return before, after


def _rows(plan: Plan, lang: str) -> list[dict[str, object]]:
    t = translator(lang)
    groups = []
    for group in plan.groups:
        items = []
        for item in group.actions:
            action = item.action
            status = label("action_status", action.status, lang)
            if item.overdue:
                status += f" ({t('dossier.overdue')})"
            change = "–" if item.before is None else f"{item.before} → {item.after}"
            items.append(
                {
                    "title": action.title,
                    "organisation": action.organisation,
                    "period": f"{format_day(action.start_date, lang)} – {format_day(action.due_date, lang)}",
                    "status": status,
                    "reports": change,
                    "cost": "" if action.cost is None else format_number(action.cost, lang),
                }
            )
        groups.append({"area": group.area, "actions": items})
    return groups


def plan_html(plan: Plan, lang: str) -> str:
    """The plan as a print-ready HTML page in ``lang``."""
    t = translator(lang)
    context = {
        "groups": _rows(plan, lang),
        "figures": [
            (t("plan.done"), plan.done),
            (t("plan.late"), plan.late),
            (t("plan.dropped"), plan.dropped),
            (t("plan.active"), plan.active),
        ],
        "headings": {
            key: t(f"plan.column.{key}") for key in ("title", "organisation", "period", "status", "reports", "cost")
        },
        "as_of": t("plan.as_of", day=format_day(plan.today, lang)) + " · " + t(f"plan.by.{plan.by}"),
        "reports_help": t("plan.reports_help"),
        "empty": t("dossier.no_actions"),
    }
    return documents.render_html("action_plan.html.j2", context, lang=lang, title=t("plan.title"))


def plan_pdf(plan: Plan, lang: str) -> bytes:
    """The plan as a PDF (A4) in ``lang``."""
    return documents.html_to_pdf(plan_html(plan, lang))
