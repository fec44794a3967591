"""Karta: the project team's map of reports, meeting places and zones.

Reads the sidebar, the map and the table; asks `geo.explore` what to draw; keeps the
whole view in the URL (`geo.viewstate`) so that a copied link reproduces it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from geo.explore import (
    ExploreLayers,
    build_map,
    details,
    load_layers,
    report_table,
    selected_point,
)
from geo.hexagons import ReportsView, Window, next_window, reports_view, view_bounds
from geo.i18n import label
from geo.layers import ReportFilter
from geo.model import Category, Feeling, Role, Status, TimeOfDay, category_labels
from geo.moderation import describe_event, history
from geo.startup import POINTS
from geo.store import Store
from geo.viewstate import LAYERS, SELECTABLE_KINDS, ExploreView, parse_view, view_to_params
from pages._shared import MAP_SENT_KEY, current_user, language, map_sent, set_query_params, settings, store, tr, viewer

VIEW_KEY = "explore_view"
MAP_KEY = "explore_map"
TABLE_KEY = "explore_table"
SHOW_TABLE_KEY = "explore_show_table"
TABLE_CHOICE_KEY = "explore_table_choice"
MAP_WAITED_KEY = "explore_map_waited"
MAP_SILENT_AFTER_S = 6.0
"""How long the first view waits for the map's own rerun before asking for one."""
LAST_CLICK_KEY = "explore_last_click"
LAST_ROWS_KEY = "explore_last_rows"
ORIGIN_KEY = "explore_origin"
FOCUS_KEY = "explore_focus"
WINDOW_KEY = "explore_window"
SELECTED_ZOOM = 16


@st.cache_data(show_spinner=False, max_entries=64)
def cached_layers(_db: Store, db_url: str, version: int, flt: ReportFilter, role: str) -> ExploreLayers:
    return load_layers(_db, ExploreView(filter=flt), viewer=Role(role))


@st.cache_data(show_spinner=False, max_entries=256)
def cached_view(_db: Store, db_url: str, version: int, flt: ReportFilter, role: str, window: Window) -> ReportsView:
    # every report of the filter located once, shared by all sessions and the start-up warm-up
    points = POINTS.get(_db, flt, viewer=Role(role), version=version)
    return reports_view(_db, points, flt, window)


def map_bounds(map_state: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """The visible box (min lon, min lat, max lon, max lat; EPSG:4326) st_folium reported, if any."""
    bounds = map_state.get("bounds") or {}
    try:
        south_west, north_east = bounds["_southWest"], bounds["_northEast"]
        box = (float(south_west["lng"]), float(south_west["lat"]), float(north_east["lng"]), float(north_east["lat"]))
    except (KeyError, TypeError, ValueError):
        return None
    return box if box[0] < box[2] and box[1] < box[3] else None


@st.cache_data(show_spinner=False, max_entries=8)
def cached_categories(_db: Store, db_url: str, version: int) -> list[Category]:
    return _db.categories()


def widget_defaults(view: ExploreView) -> dict[str, Any]:
    flt = view.filter
    values: dict[str, Any] = {f"explore_layer_{name}": name in view.layers for name in LAYERS}
    values |= {
        "explore_cat": list(flt.categories),
        "explore_feeling": list(flt.feelings),
        "explore_tod": list(flt.times_of_day),
        "explore_status": list(flt.statuses),
        "explore_zone": flt.zone_id or "",
        "explore_from": flt.date_from,
        "explore_to": flt.date_to,
    }
    return values


@st.fragment(run_every=MAP_SILENT_AFTER_S)
def rerun_if_the_map_stays_silent() -> None:
    """On the map's first view: a full rerun after MAP_SILENT_AFTER_S unless st_folium's
    own rerun came first (a full run no longer renders this fragment, so its timer ends)."""
    if st.session_state.get(MAP_WAITED_KEY):
        st.rerun()
    st.session_state[MAP_WAITED_KEY] = True


def table_shown(role: Role) -> bool:
    """Whether the report table is shown: the viewer's choice, by default hidden for the public
    and shown for staff (again so after logging in or out)."""
    staff, choice = role.is_staff, st.session_state.get(TABLE_CHOICE_KEY)
    if choice is None or choice[0] != staff:  # first view, or the viewer logged in or out
        st.session_state[SHOW_TABLE_KEY] = staff
    elif SHOW_TABLE_KEY not in st.session_state:  # widgets forget their state when the page is left
        st.session_state[SHOW_TABLE_KEY] = choice[1]
    shown = bool(st.session_state[SHOW_TABLE_KEY])
    st.session_state[TABLE_CHOICE_KEY] = (staff, shown)
    return shown


def reset_filters() -> None:
    for key, value in widget_defaults(ExploreView()).items():
        st.session_state[key] = value


def clicked_feature(map_state: dict[str, Any] | None) -> tuple[str, str] | None:
    drawing = (map_state or {}).get("last_active_drawing") or {}
    props = drawing.get("properties") or {}
    kind, ident = props.get("layer"), props.get("id")
    if kind in SELECTABLE_KINDS and isinstance(ident, str):
        return kind, ident
    return None


t = tr()
lang = language()
db = store()
version = db.data_version()
db_url = settings().database_url
categories = cached_categories(db, db_url, version)
role = viewer()
static_layers = cached_layers(db, db_url, version, ReportFilter(), role.value)
zone_names = dict(zip(static_layers.zones["id"], static_layers.zones["name"], strict=True))

# The view: the link that opened the page, then whatever the user did since.
if VIEW_KEY not in st.session_state:
    st.session_state[VIEW_KEY] = parse_view(
        st.query_params.to_dict(), categories=[c.code for c in categories], zone_ids=list(zone_names)
    )
view: ExploreView = st.session_state[VIEW_KEY]
for key, value in widget_defaults(view).items():
    if key not in st.session_state:  # widgets forget their state when the page is left
        st.session_state[key] = value

st.title(t("explore.title"))
if not role.is_staff:
    st.caption(t("explore.public_note"))

date_from, date_to = st.session_state["explore_from"], st.session_state["explore_to"]
if date_from and date_to and date_from > date_to:
    st.warning(t("filter.date_order"))
    date_from, date_to = date_to, date_from
zone_choice = st.session_state["explore_zone"]
flt = ReportFilter(
    categories=tuple(st.session_state["explore_cat"]),
    feelings=tuple(st.session_state["explore_feeling"]),
    times_of_day=tuple(st.session_state["explore_tod"]),
    statuses=tuple(st.session_state["explore_status"]),
    zone_id=zone_choice if zone_choice in zone_names else None,
    date_from=date_from,
    date_to=date_to,
)
layers_on = tuple(name for name in LAYERS if st.session_state[f"explore_layer_{name}"])
layers = cached_layers(db, db_url, version, flt, role.value)
show_table = table_shown(role)
table = report_table(layers.reports, categories, lang) if show_table else None

# Where the map is now, and what was chosen last: a click on the map or a table row.
map_new = not map_sent()  # the session's first view of the map
st.session_state[MAP_SENT_KEY] = True
map_state = st.session_state.get(MAP_KEY) or {}
center, zoom = view.center, view.zoom
if isinstance(map_state.get("center"), dict) and isinstance(map_state.get("zoom"), int):
    center = (float(map_state["center"]["lat"]), float(map_state["center"]["lng"]))
    zoom = map_state["zoom"]

# The map is (re)created where the view is whenever its fixed part changes (legend,
# language); after that it moves by itself, or to a chosen row ("focus").
mount = (layers_on, lang)
origin = st.session_state.get(ORIGIN_KEY)
if origin is None or origin[0] != mount:
    origin = (mount, (center, zoom))
    st.session_state[ORIGIN_KEY] = origin
    st.session_state.pop(FOCUS_KEY, None)

selected = view.selected
focused_now = False  # the map is about to move to a chosen row: its reported bounds are stale
click = clicked_feature(map_state)
if click is not None and click != st.session_state.get(LAST_CLICK_KEY):
    st.session_state[LAST_CLICK_KEY] = click
    selected = click
table_state = st.session_state.get(TABLE_KEY) if table is not None else None
rows = list(table_state.selection.rows) if table_state is not None else []
if rows != st.session_state.get(LAST_ROWS_KEY, []):
    st.session_state[LAST_ROWS_KEY] = rows
    if table is not None and rows and rows[0] < len(table):
        selected = ("report", str(table.index[rows[0]]))
        match = layers.reports[layers.reports["id"] == selected[1]]
        if not match.empty:
            point = match.geometry.iloc[0]
            center, zoom = (point.y, point.x), max(zoom, SELECTED_ZOOM)
            st.session_state[FOCUS_KEY] = (center, zoom)
            focused_now = True

view = replace(view, layers=layers_on, filter=flt, center=center, zoom=zoom, selected=selected)
st.session_state[VIEW_KEY] = view

# The reports layer is made for a window around what the map shows (st_folium's bounds, or the
# view's centre and zoom before the browser has reported them); a pan inside the window, or a
# zoom at the same H3 resolution, keeps the window and so the cached layer.
bounds = None if focused_now else map_bounds(map_state)
window = next_window(st.session_state.get(WINDOW_KEY), bounds or view_bounds(center, zoom), zoom)
st.session_state[WINDOW_KEY] = window
shown_reports = cached_view(db, db_url, version, flt, role.value, window) if "reports" in layers_on else None
highlight = selected_point(layers, view, db, role)
folium_map, groups = build_map(
    layers,
    view,
    lang=lang,
    tiles=settings().tiles,
    categories=categories,
    origin=origin[1],
    reports_view=shown_reports,
    highlight=highlight,
)
focus_center, focus_zoom = st.session_state.get(FOCUS_KEY, (None, None))
map_column, details_column = st.columns([3, 1], gap="medium")
with map_column:
    st_folium(
        folium_map,
        key=MAP_KEY,
        feature_group_to_add=groups,
        center=focus_center,
        zoom=focus_zoom,
        returned_objects=["last_active_drawing", "center", "zoom", "bounds"],
        use_container_width=True,
        height=560,
    )
    if shown_reports is not None and shown_reports.mode == "hexagons":
        st.caption(t("hex.zoom_hint"))
if map_new:
    # A new map is sent alone: the browser draws it without building the filters, details and
    # table at the same time (their code competes with the map's on the browser's one thread).
    # They follow in the rerun that st_folium asks for as soon as the map is drawn (it reports
    # its bounds), a moment later. Should that rerun never come (the map's code failed to
    # load), a timer asks for it, so the filters, the language and the log-in still appear.
    set_query_params(view_to_params(view))
    rerun_if_the_map_stays_silent()
    st.stop()
with details_column:
    st.subheader(t("details.title"))
    shown = details(static_layers, selected, categories, lang, store=db, viewer=role)
    if shown is None:
        st.caption(t("details.hint"))
    else:
        title, fields = shown
        st.markdown(f"**{t('details.selected')}**")
        st.text(title)
        for name, value in fields:
            st.caption(name)
            st.text(value)
        if role.is_staff and selected is not None and selected[0] == "report":
            events = history(db, selected[1], current_user())
            if events:
                st.caption(t("actions.history"))
                for event in events:
                    st.caption(describe_event(event, lang))

# The filters come after the map in the script, so the map is sent (and starts loading in the
# browser) first; their values were read from the session state above.
with st.sidebar:
    st.subheader(t("explore.layers"))
    for name in LAYERS:
        st.toggle(t(f"layer.{name}"), key=f"explore_layer_{name}")
    st.subheader(t("explore.filters"))
    cat_labels = category_labels(categories, lang)
    st.multiselect(
        t("filter.category"),
        options=[c.code for c in categories],
        format_func=lambda code: cat_labels.get(code, code),
        key="explore_cat",
        placeholder=t("filter.all"),
    )
    for kind, enum, key in (
        ("feeling", Feeling, "explore_feeling"),
        ("time_of_day", TimeOfDay, "explore_tod"),
        ("status", Status, "explore_status"),
    ):
        st.multiselect(
            t(f"filter.{kind}"),
            options=[member.value for member in enum],
            format_func=lambda v, kind=kind: label(kind, v, lang),
            key=key,
            placeholder=t("filter.all"),
        )
    st.selectbox(
        t("filter.zone"),
        options=["", *zone_names],
        format_func=lambda ident: zone_names.get(ident, t("filter.all_zones")),
        key="explore_zone",
    )
    st.date_input(t("filter.date_from"), key="explore_from", format="YYYY-MM-DD")
    st.date_input(t("filter.date_to"), key="explore_to", format="YYYY-MM-DD")
    st.button(t("filter.reset"), on_click=reset_filters, width="stretch", key="explore_reset")

count = layers.report_count
st.subheader(t("explore.table_title", n=count))
if count == 0:
    st.info(t("explore.no_reports"))
# The table is on demand for the public: its grid code (~1.7 MB of JavaScript) and rows (~200 KB
# a view) are not loaded until asked for. Staff have it from the start (they pick reports in it).
st.toggle(t("explore.show_table"), key=SHOW_TABLE_KEY)
if table is not None:
    if count > len(table):
        st.caption(t("explore.table_limited", shown=len(table), n=count))
    st.dataframe(
        table,
        key=TABLE_KEY,
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
    )
set_query_params(view_to_params(view))
