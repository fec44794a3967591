"""The explore map's view as URL query parameters, and back.

A copied link reproduces the view: layers, filters, centre and zoom, and the
selected feature. Parsing never fails: an unknown or malformed parameter falls back
to its default, so a hand-edited or truncated link still opens the map.

The page's state transitions live here too (`step`): from the view, the widgets, what
`st_folium` returned and what the page remembers, to the next view, the reports window, where
the map must move (if anywhere) and the new memory. It is a pure function, tested without
Streamlit; `pages/explore.py` reads the widgets, calls it and draws.

Parameters (all optional)::

    layers=reports,meeting_places,platssamverkan,medborgarlofte,boundary
    cat=dalig_belysning,trafik   feeling=otrygg   tod=kvall,natt   status=ny
    zone=<zone id>   from=2025-01-01   to=2025-12-31
    lat=56.46   lon=13.60   z=13   sel=<kind>:<id>
    heat=1   (staff: the reports as a heat map, `geo.heatmap`; the page ignores it for anyone else)
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from geo import registry
from geo.hexagons import BBox, Window, next_window, view_bounds
from geo.layers import ReportFilter
from geo.model import Feeling, Status, TimeOfDay

LAYERS = registry.map_group_names()
"""The explore map's toggles (`geo.registry.map_groups`), in the sidebar's order."""
SELECTABLE_KINDS = registry.selectable_kinds()
Place = tuple[tuple[float, float], int]
"""((lat, lon) in EPSG:4326 degrees, Leaflet zoom): where a map is or must go."""
SWEDEN: Place = ((62.0, 15.0), 5)
"""Where a map opens before a municipality is set up: all of Sweden. Once set up, the map opens
on the municipality (`geo.municipality.Municipality.home`, passed in as ``home``)."""
MIN_ZOOM, MAX_ZOOM = 3, 19
SELECTED_ZOOM = 16
"""A report chosen in the table is shown at least at this zoom."""
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
"""Filter dates outside these are ignored (from a link) or refused (by the date pickers)."""


@dataclass(frozen=True)
class ExploreView:
    layers: tuple[str, ...] = LAYERS
    filter: ReportFilter = field(default_factory=ReportFilter)
    center: tuple[float, float] = SWEDEN[0]
    zoom: int = SWEDEN[1]
    selected: tuple[str, str] | None = None
    """(kind, id) of the feature whose details are shown, kind in SELECTABLE_KINDS."""
    heat: bool = False
    """The reports as a heat map (staff only: the page asks `geo.heatmap.may_see_heat`)."""


def parse_view(
    params: Mapping[str, str | list[str]],
    *,
    categories: Collection[str] = (),
    zone_ids: Collection[str] = (),
    home: Place = SWEDEN,
) -> ExploreView:
    """The view a URL describes. ``categories`` and ``zone_ids`` are the valid
    codes; values outside them, like any malformed value, are dropped. Without a centre
    or zoom of its own the view is ``home``'s (the municipality's, `geo.municipality`)."""
    flt = ReportFilter(
        categories=_choices(params, "cat", categories),
        feelings=_choices(params, "feeling", [f.value for f in Feeling]),
        times_of_day=_choices(params, "tod", [t.value for t in TimeOfDay]),
        statuses=_choices(params, "status", [s.value for s in Status]),
        zone_id=_one_of(params, "zone", zone_ids),
        date_from=_date(params, "from"),
        date_to=_date(params, "to"),
    )
    date_from, date_to, _reversed = date_range(flt.date_from, flt.date_to)
    flt = replace(flt, date_from=date_from, date_to=date_to)
    layers = _choices(params, "layers", LAYERS) if "layers" in params else LAYERS
    lat = _float(params, "lat", -90.0, 90.0)
    lon = _float(params, "lon", -180.0, 180.0)
    center = (lat, lon) if lat is not None and lon is not None else home[0]
    zoom = _int(params, "z", MIN_ZOOM, MAX_ZOOM)
    return ExploreView(
        layers=layers,
        filter=flt,
        center=center,
        zoom=home[1] if zoom is None else zoom,
        selected=_selection(params),
        heat=_raw(params, "heat") == "1",
    )


def view_to_params(view: ExploreView, *, home: Place = SWEDEN) -> dict[str, str]:
    """Query parameters for ``view``; defaults (``home``'s centre and zoom among them) are left
    out to keep links short."""
    params: dict[str, str] = {}
    if tuple(view.layers) != LAYERS:
        params["layers"] = ",".join(view.layers) or "-"
    flt = view.filter
    for key, values in (
        ("cat", flt.categories),
        ("feeling", flt.feelings),
        ("tod", flt.times_of_day),
        ("status", flt.statuses),
    ):
        if values:
            params[key] = ",".join(values)
    if flt.zone_id:
        params["zone"] = flt.zone_id
    if flt.date_from:
        params["from"] = flt.date_from.isoformat()
    if flt.date_to:
        params["to"] = flt.date_to.isoformat()
    if view.center != home[0]:
        params["lat"] = f"{view.center[0]:.5f}"
        params["lon"] = f"{view.center[1]:.5f}"
    if view.zoom != home[1]:
        params["z"] = str(view.zoom)
    if view.selected:
        params["sel"] = f"{view.selected[0]}:{view.selected[1]}"
    if view.heat:
        params["heat"] = "1"
    return params


def date_range(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date | None, dt.date | None, bool]:
    """The one date rule: (first day, last day, whether they came reversed). Days outside
    `MIN_DATE`..`MAX_DATE` are dropped; reversed days are swapped (the user meant the range)."""
    date_from = date_from if date_from is not None and MIN_DATE <= date_from <= MAX_DATE else None
    date_to = date_to if date_to is not None and MIN_DATE <= date_to <= MAX_DATE else None
    if date_from and date_to and date_from > date_to:
        return date_to, date_from, True
    return date_from, date_to, False


def _raw(params: Mapping[str, str | list[str]], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list):
        value = value[-1] if value else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:2000] or None


def _choices(params: Mapping[str, str | list[str]], key: str, allowed: Collection[str]) -> tuple[str, ...]:
    raw = _raw(params, key)
    if raw is None:
        return ()
    allowed_set = set(allowed)
    chosen = []
    for part in raw.split(","):
        part = part.strip()
        if part in allowed_set and part not in chosen:
            chosen.append(part)
    return tuple(chosen)


def _one_of(params: Mapping[str, str | list[str]], key: str, allowed: Collection[str]) -> str | None:
    raw = _raw(params, key)
    return raw if raw is not None and raw in set(allowed) else None


def _date(params: Mapping[str, str | list[str]], key: str) -> dt.date | None:
    raw = _raw(params, key)
    if raw is None:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if MIN_DATE <= day <= MAX_DATE else None


def _float(params: Mapping[str, str | list[str]], key: str, low: float, high: float) -> float | None:
    raw = _raw(params, key)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and low <= value <= high else None


def _int(params: Mapping[str, str | list[str]], key: str, low: int, high: int) -> int | None:
    raw = _raw(params, key)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def _selection(params: Mapping[str, str | list[str]]) -> tuple[str, str] | None:
    raw = _raw(params, "sel")
    if raw is None or ":" not in raw:
        return None
    kind, _, ident = raw.partition(":")
    if kind not in SELECTABLE_KINDS or not ident or len(ident) > 64:
        return None
    return kind, ident


# --- The page's state transitions -------------------------------------------------------------


@dataclass(frozen=True)
class Widgets:
    """What the explore page's widgets hold in this run: the layer toggles, the filters (as the
    widgets hold them: the dates may still be reversed), the report id of the table's selected row
    and whether the reports are shown as a heat map."""

    layers: tuple[str, ...] = LAYERS
    filter: ReportFilter = field(default_factory=ReportFilter)
    table_pick: str | None = None
    heat: bool = False


@dataclass(frozen=True)
class Memory:
    """What the page keeps between runs besides the view.

    ``mount`` is the place the map in the browser was created at. While it stays, the map's
    own script stays the same, so `st_folium` keeps the map the user moved (it re-creates a
    map whose script changed, at the script's place).
    ``ringed`` is the selection that came from a link or the table (the map marks it);
    ``last_click`` and ``last_pick`` the map click and table row seen last, so that only a
    new one changes the selection.
    """

    mount: Place | None = None
    window: Window | None = None
    focus: Place | None = None
    ringed: tuple[str, str] | None = None
    last_click: tuple[str, str] | None = None
    last_pick: str | None = None


@dataclass(frozen=True)
class Step:
    """The outcome of one run: the view (for the URL), the window the reports layer is made
    for, where the map must be moved (``focus``, None: leave it where the user has it), the
    selection to ring on the map, the memory for the next run, and whether the dates came
    reversed (the page says so)."""

    view: ExploreView
    window: Window
    bounds: BBox
    focus: Place | None
    origin: Place
    ringed: tuple[str, str] | None
    memory: Memory
    dates_reversed: bool = False


def step(
    view: ExploreView,
    widgets: Widgets,
    returned: Mapping[str, Any] | None,
    memory: Memory,
    *,
    new_map: bool = False,
    locate: Callable[[str], tuple[float, float] | None] = lambda _id: None,
) -> Step:
    """The next state of the explore page.

    ``returned`` is what `st_folium` returned last (its centre, zoom, bounds and last clicked
    feature), ``new_map`` whether the browser is about to create its map afresh (first view, or
    back from another page), ``locate`` where a report is ((lat, lon), EPSG:4326). The map is
    created where the user is and then left alone, whatever the language, layers or legend: it
    is moved only to a report newly chosen in the table.
    """
    returned = returned or {}
    date_from, date_to, reversed_dates = date_range(widgets.filter.date_from, widgets.filter.date_to)
    flt = replace(widgets.filter, zone_id=widgets.filter.zone_id or None, date_from=date_from, date_to=date_to)
    center, zoom = map_place(returned) or (view.center, view.zoom)
    mount, focus, ringed = memory.mount, memory.focus, memory.ringed
    if new_map or mount is None:
        mount, focus = (center, zoom), None
        if memory.mount is None:
            ringed = view.selected  # a link's selection
    selected, last_click, last_pick = view.selected, memory.last_click, memory.last_pick
    click = clicked_feature(returned)
    if click is not None and click != last_click:
        selected = last_click = click
    focused_now = False
    if widgets.table_pick != last_pick:
        last_pick = widgets.table_pick
        if widgets.table_pick is not None:
            selected = ringed = ("report", widgets.table_pick)
            where = locate(widgets.table_pick)
            if where is not None:
                center, zoom = where, max(zoom, SELECTED_ZOOM)
                focus, focused_now = (center, zoom), True
    bounds = (None if focused_now else map_bounds(returned)) or view_bounds(center, zoom)
    window = next_window(memory.window, bounds, zoom)
    new_view = ExploreView(
        layers=widgets.layers, filter=flt, center=center, zoom=zoom, selected=selected, heat=widgets.heat
    )
    new_memory = Memory(mount, window, focus, ringed, last_click, last_pick)
    return Step(new_view, window, bounds, focus, mount, ringed, new_memory, reversed_dates)


def map_place(returned: Mapping[str, Any]) -> Place | None:
    """The centre ((lat, lon), EPSG:4326) and zoom `st_folium` reported, if it did."""
    center, zoom = returned.get("center"), returned.get("zoom")
    if not isinstance(center, Mapping) or isinstance(zoom, bool) or not isinstance(zoom, int | float):
        return None
    try:
        lat, lon = float(center["lat"]), float(center["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and math.isfinite(zoom)):
        return None
    return (lat, lon), int(min(MAX_ZOOM, max(MIN_ZOOM, round(zoom))))


def map_bounds(returned: Mapping[str, Any]) -> BBox | None:
    """The visible box (min lon, min lat, max lon, max lat; EPSG:4326) `st_folium` reported, if any."""
    bounds = returned.get("bounds") or {}
    try:
        south_west, north_east = bounds["_southWest"], bounds["_northEast"]
        box = (float(south_west["lng"]), float(south_west["lat"]), float(north_east["lng"]), float(north_east["lat"]))
    except (KeyError, TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in box):
        return None
    return box if box[0] < box[2] and box[1] < box[3] else None


def clicked_feature(returned: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """(kind, id) of the feature clicked last on the map, if it is one that can be selected."""
    drawing = (returned or {}).get("last_active_drawing") or {}
    props = drawing.get("properties") if isinstance(drawing, Mapping) else None
    if not isinstance(props, Mapping):
        return None
    kind, ident = props.get("layer"), props.get("id")
    if kind in SELECTABLE_KINDS and isinstance(ident, str):
        return kind, ident
    return None
