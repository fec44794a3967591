"""The explore map's view as URL query parameters, and back.

A copied link reproduces the view: layers, filters, centre and zoom, and the
selected feature. Parsing never fails: an unknown or malformed parameter falls back
to its default, so a hand-edited or truncated link still opens the map.

Parameters (all optional)::

    layers=reports,meeting_places,platssamverkan,medborgarlofte,boundary
    cat=dalig_belysning,trafik   feeling=otrygg   tod=kvall,natt   status=ny
    zone=<zone id>   from=2025-01-01   to=2025-12-31
    lat=56.46   lon=13.60   z=13   sel=<kind>:<id>
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

from geo import registry
from geo.layers import ReportFilter
from geo.model import Feeling, Status, TimeOfDay

LAYERS = registry.map_group_names()
"""The explore map's toggles (`geo.registry.map_groups`), in the sidebar's order."""
SELECTABLE_KINDS = registry.selectable_kinds()
DEFAULT_CENTER = (56.50, 13.66)
"""Markaryd kommun, (lat, lon) in EPSG:4326 degrees."""
DEFAULT_ZOOM = 10
MIN_ZOOM, MAX_ZOOM = 3, 19


@dataclass(frozen=True)
class ExploreView:
    layers: tuple[str, ...] = LAYERS
    filter: ReportFilter = field(default_factory=ReportFilter)
    center: tuple[float, float] = DEFAULT_CENTER
    zoom: int = DEFAULT_ZOOM
    selected: tuple[str, str] | None = None
    """(kind, id) of the feature whose details are shown, kind in SELECTABLE_KINDS."""


def parse_view(
    params: Mapping[str, str | list[str]],
    *,
    categories: Collection[str] = (),
    zone_ids: Collection[str] = (),
) -> ExploreView:
    """The view a URL describes. ``categories`` and ``zone_ids`` are the valid
    codes; values outside them, like any malformed value, are dropped."""
    flt = ReportFilter(
        categories=_choices(params, "cat", categories),
        feelings=_choices(params, "feeling", [f.value for f in Feeling]),
        times_of_day=_choices(params, "tod", [t.value for t in TimeOfDay]),
        statuses=_choices(params, "status", [s.value for s in Status]),
        zone_id=_one_of(params, "zone", zone_ids),
        date_from=_date(params, "from"),
        date_to=_date(params, "to"),
    )
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        flt = replace(flt, date_from=None, date_to=None)
    layers = _choices(params, "layers", LAYERS) if "layers" in params else LAYERS
    lat = _float(params, "lat", -90.0, 90.0)
    lon = _float(params, "lon", -180.0, 180.0)
    center = (lat, lon) if lat is not None and lon is not None else DEFAULT_CENTER
    zoom = _int(params, "z", MIN_ZOOM, MAX_ZOOM)
    return ExploreView(
        layers=layers,
        filter=flt,
        center=center,
        zoom=DEFAULT_ZOOM if zoom is None else zoom,
        selected=_selection(params),
    )


def view_to_params(view: ExploreView) -> dict[str, str]:
    """Query parameters for ``view``; defaults are left out to keep links short."""
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
    if view.center != DEFAULT_CENTER:
        params["lat"] = f"{view.center[0]:.5f}"
        params["lon"] = f"{view.center[1]:.5f}"
    if view.zoom != DEFAULT_ZOOM:
        params["z"] = str(view.zoom)
    if view.selected:
        params["sel"] = f"{view.selected[0]}:{view.selected[1]}"
    return params


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
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


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
