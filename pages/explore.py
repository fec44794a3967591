"""Karta: the project team's map of reports, meeting places and zones.

Reads the widgets, asks `geo.viewstate.step` for the next state and `geo.explore` what to
draw, and keeps the whole view in the URL so that a copied link reproduces it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from geo.explore import (
    ExploreLayers,
    build_map,
    details,
    features_in_view,
    load_layers,
    report_by_id,
    report_table,
    zone_report_counts,
)
from geo.heatmap import HeatView, heat_view, may_see_heat
from geo.hexagons import ReportsView, Window, counts_view, reports_view
from geo.i18n import is_rtl, label
from geo.layers import ReportFilter
from geo.mapview import details_list_html
from geo.model import Category, Feeling, Role, Status, TimeOfDay, category_labels
from geo.moderation import describe_event, history
from geo.rights import Right, allowed
from geo.startup import COUNTS, POINTS
from geo.statistics import Hotspot, hotspots
from geo.statsview import hotspot_name
from geo.store import Store
from geo.viewstate import (
    LAYERS,
    MAX_DATE,
    MIN_DATE,
    ExploreView,
    Memory,
    Step,
    Widgets,
    parse_view,
    step,
    view_to_params,
)
from pages._report_actions import report_actions
from pages._shared import (
    MAP_SENT_KEY,
    current_user,
    first_map_view,
    language,
    map_home,
    municipality,
    places_link,
    report_call_to_action,
    rerun_if_the_map_stays_silent,
    set_query_params,
    settings,
    store,
    tr,
    viewer,
)

VIEW_KEY = "explore_view"
MEMORY_KEY = "explore_memory"
MAP_KEY = "explore_map"
TABLE_KEY = "explore_table"
TABLE_IDS_KEY = "explore_table_ids"
SHOW_TABLE_KEY = "explore_show_table"
TABLE_CHOICE_KEY = "explore_table_choice"
MAP_WAITED_KEY = "explore_map_waited"
LIST_LIMIT = 50  # reports listed in the map's text alternative
HEAT_KEY = "explore_heat"
HEAT_HOTSPOTS = 3  # hot spots named beside the heat map (Statistik lists them all)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_layers(_db: Store, db_url: str, version: int, flt: ReportFilter, role: str) -> ExploreLayers:
    return load_layers(_db, ExploreView(filter=flt), viewer=Role(role))


@st.cache_data(show_spinner=False, max_entries=256)
def cached_view(_db: Store, db_url: str, version: int, flt: ReportFilter, role: str, window: Window) -> ReportsView:
    # every report of the filter located once, shared by all sessions and the start-up warm-up;
    # until then (the first view after a start) the default view's cells are counted in SQL
    points = POINTS.peek(_db, flt, viewer=Role(role), version=version)
    if points is None and flt == ReportFilter():  # what the warm-up locates
        counted = counts_view(_db, flt, window, viewer=Role(role), counts=COUNTS)
        if counted is not None:
            return counted
    if points is None:
        points = POINTS.get(_db, flt, viewer=Role(role), version=version)
    return reports_view(_db, points, flt, window)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_heat(_db: Store, db_url: str, version: int, flt: ReportFilter, role: str, window: Window) -> HeatView:
    return heat_view(_db, flt, window, viewer=Role(role))


@st.cache_data(show_spinner=False, max_entries=32)
def cached_hotspots(_db: Store, db_url: str, version: int, flt: ReportFilter, role: str) -> list[Hotspot]:
    return hotspots(_db, flt, viewer=Role(role), limit=HEAT_HOTSPOTS, points=POINTS)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_zone_counts(
    _db: Store, _zones: Any, db_url: str, version: int, flt: ReportFilter, role: str
) -> dict[str, int]:
    points = POINTS.get(_db, flt, viewer=Role(role), version=version)
    return zone_report_counts(_zones, points)


def zone_counts_now(
    zones: Any, db_url: str, version: int, flt: ReportFilter, role: str, *, first_view: bool
) -> dict[str, int]:
    """The reports per zone for the popups and the details. A session's first map does not wait
    for them while the reports are still being read after a start (its popups then say no count):
    they come with the next run, which the map asks for once drawn."""
    if first_view and POINTS.peek(db, flt, viewer=Role(role), version=version) is None:
        return {}
    return cached_zone_counts(db, zones, db_url, version, flt, role)


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
        HEAT_KEY: view.heat,
    }
    return values


def read_widgets(zone_ids: set[str], role: Role) -> Widgets:
    """The widgets' values (kept in the session state, so they are read before they are drawn);
    the heat map only for staff (`geo.heatmap.may_see_heat`), whatever a link asked for."""
    state = st.session_state
    zone = state["explore_zone"]
    table_state = state.get(TABLE_KEY)
    rows = list(table_state.selection.rows) if table_state is not None and state.get(SHOW_TABLE_KEY) else []
    ids = state.get(TABLE_IDS_KEY) or []
    return Widgets(
        layers=tuple(name for name in LAYERS if state[f"explore_layer_{name}"]),
        filter=ReportFilter(
            categories=tuple(state["explore_cat"]),
            feelings=tuple(state["explore_feeling"]),
            times_of_day=tuple(state["explore_tod"]),
            statuses=tuple(state["explore_status"]),
            zone_id=zone if zone in zone_ids else None,
            date_from=state["explore_from"],
            date_to=state["explore_to"],
        ),
        table_pick=ids[rows[0]] if rows and rows[0] < len(ids) else None,
        heat=bool(state.get(HEAT_KEY)) and may_see_heat(role),
    )


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


def draw_filters(
    categories: list[Category], zone_names: dict[str, str], lang: str, dates_reversed: bool, *, heat: bool = False
) -> None:
    t = tr()
    st.subheader(t("explore.layers"))
    for name in LAYERS:
        st.toggle(t(f"layer.{name}"), key=f"explore_layer_{name}")
    if heat:  # staff: the reports as a heat map
        st.toggle(t("heat.toggle"), key=HEAT_KEY, help=t("heat.toggle_help"))
    st.subheader(t("explore.filters"))
    cat_labels = category_labels(categories, lang)
    st.multiselect(
        t("filter.category"),
        options=[c.code for c in categories],
        format_func=lambda code: cat_labels.get(code, code),
        key="explore_cat",
        placeholder=t("filter.all"),
        select_all=False,  # Streamlit's "Select all" is English whatever the language
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
            select_all=False,
        )
    st.selectbox(
        t("filter.zone"),
        options=["", *zone_names],
        format_func=lambda ident: zone_names.get(ident, t("filter.all_zones")),
        key="explore_zone",
    )
    for key, text in (("explore_from", "filter.date_from"), ("explore_to", "filter.date_to")):
        st.date_input(t(text), key=key, format="YYYY-MM-DD", min_value=MIN_DATE, max_value=MAX_DATE)
    if dates_reversed:
        st.warning(t("filter.date_order"))
    st.button(t("filter.reset"), on_click=reset_filters, width="stretch", key="explore_reset")


def draw_staff_details(shown: tuple[str, list[tuple[str, str]]] | None, selected: tuple[str, str] | None) -> None:
    """The side panel for staff: the selected feature and a report's history."""
    t = tr()
    st.subheader(t("details.title"))
    if shown is None:
        st.caption(t("details.hint"))
        return
    title, fields = shown
    st.markdown(f"**{t('details.selected')}**")
    st.text(title)
    for name, value in fields:
        st.caption(name)
        st.text(value)
    if selected is None or selected[0] != "report":
        return
    user = current_user()
    found = report_by_id(db, selected[1], viewer()) if allowed(user, Right.SET_STATUS) else None
    if found is not None and not found.empty:
        # police and the team set status and the public comment here, for any report (geo.rights)
        report_actions(
            db, {"id": selected[1], **found.iloc[0].to_dict()}, user, key=f"karta_{selected[1]}", narrow=True
        )
        return
    events = history(db, selected[1], user)
    if events:
        st.caption(t("actions.history"))
        for event in events:
            st.caption(describe_event(event, language()))


def draw_table(table: Any, count: int) -> None:
    t = tr()
    st.subheader(t("explore.table_title", n=count))
    if count == 0:
        st.info(t("explore.no_reports"))
    # The table is on demand for the public: its grid code (~1.7 MB of JavaScript) and rows (~200 KB
    # a view) are not loaded until asked for. Staff have it from the start (they pick reports in it).
    st.toggle(t("explore.show_table"), key=SHOW_TABLE_KEY)
    if table is None:
        return
    if count > len(table):
        st.caption(t("explore.table_limited", shown=len(table), n=count))
    st.session_state[TABLE_IDS_KEY] = list(table.index)
    st.dataframe(table, key=TABLE_KEY, on_select="rerun", selection_mode="single-row", hide_index=True, width="stretch")


def draw_heat_summary(heat: HeatView, flt: ReportFilter) -> None:
    """The heat map in words, beside it: how many reports it shows, where the most otrygg ones are
    (Statistik's hot spots, same filter) and a link to Statistik's whole list."""
    t = tr()
    st.caption(t("heat.summary", n=heat.in_window))
    spots = cached_hotspots(db, db_url, version, flt, role.value)
    if spots:
        st.markdown(
            t("heat.hotspots_intro")
            + "\n"
            + "\n".join(f"{n}. {hotspot_name(s, t)}: {s.count}" for n, s in enumerate(spots, start=1))
        )
    st.page_link(
        "pages/stats.py", label=t("heat.hotspots_link"), icon="📊", query_params=view_to_params(ExploreView(filter=flt))
    )


def locate(report_id: str) -> tuple[float, float] | None:
    """(lat, lon), EPSG:4326, of a report as this viewer may see it."""
    found = report_by_id(db, report_id, role)
    return None if found.empty else (found.geometry.iloc[0].y, found.geometry.iloc[0].x)


t = tr()
lang = language()
db = store()
version = db.data_version()
db_url = settings().database_url
categories = cached_categories(db, db_url, version)
role = viewer()
home = map_home()
static_layers = cached_layers(db, db_url, version, ReportFilter(), role.value)
zone_names = dict(zip(static_layers.zones["id"], static_layers.zones["name"], strict=True))

# The view: the link that opened the page, then whatever the user did since. The browser makes
# a new map on the session's first view and whenever the page is come back to (its widgets
# then have forgotten their state).
map_new = first_map_view(MAP_SENT_KEY) or "explore_layer_reports" not in st.session_state

if VIEW_KEY not in st.session_state:
    st.session_state[VIEW_KEY] = parse_view(
        st.query_params.to_dict(), categories=[c.code for c in categories], zone_ids=list(zone_names), home=home
    )
for key, value in widget_defaults(st.session_state[VIEW_KEY]).items():
    if key not in st.session_state:
        st.session_state[key] = value

now: Step = step(
    st.session_state[VIEW_KEY],
    read_widgets(set(zone_names), role),
    st.session_state.get(MAP_KEY),
    st.session_state.get(MEMORY_KEY) or Memory(),
    new_map=map_new,
    locate=locate,
)
view = st.session_state[VIEW_KEY] = now.view
st.session_state[MEMORY_KEY] = now.memory
flt = view.filter

# Nothing above the map may come and go (a log-in, a warning): st_folium's frame would be made
# anew at another place in the page, and the map with it, at its first view. Staff keep the
# places of the residents' link and note, empty.
if role.is_staff:
    st.empty()
else:
    report_call_to_action()  # a resident's first thing on the map, on a phone too (issue 14.4)
town = municipality()
st.title(town.title(lang) if town is not None else t("explore.title"))
if role.is_staff:
    st.empty()
else:
    st.caption(t("explore.public_note"))
places_link("places.explore_link")  # for everyone, so nothing above the map comes and goes

layers = cached_layers(db, db_url, version, flt, role.value)
heat_on = view.heat and "reports" in view.layers and may_see_heat(role)
shown_heat = cached_heat(db, db_url, version, flt, role.value, now.window) if heat_on else None
shown_reports = (
    cached_view(db, db_url, version, flt, role.value, now.window) if "reports" in view.layers and not heat_on else None
)
zone_counts = zone_counts_now(static_layers.zones, db_url, version, flt, role.value, first_view=map_new)
folium_map, groups = build_map(
    layers,
    view,
    lang=lang,
    tiles=settings().tiles,
    categories=categories,
    origin=now.origin,
    reports_view=shown_reports,
    viewer=role,
    ringed=now.ringed,
    zone_counts=zone_counts,
    heat=shown_heat,
)
map_column, details_column = st.columns([3, 1], gap="medium")
with map_column:
    focus_center, focus_zoom = now.focus or (None, None)
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
    if shown_heat is not None:
        draw_heat_summary(shown_heat, flt)
if map_new:
    # A new map is sent alone (first_map_view): the filters, details and table follow in the
    # rerun that st_folium asks for once the map is drawn (it reports its bounds); so do the
    # language and the log-in on a session's first view (app.py).
    set_query_params(view_to_params(view, home=home))
    rerun_if_the_map_stays_silent(MAP_WAITED_KEY)
    st.stop()

with map_column, st.expander(t("map.list_title")):
    notes, items = features_in_view(
        layers, shown_reports, view, now.bounds, lang, categories, viewer=role, zone_counts=zone_counts
    )
    st.html(details_list_html(notes, items, "rtl" if is_rtl(lang) else "ltr"))
with details_column:
    if role.is_staff:
        draw_staff_details(
            details(static_layers, view.selected, categories, lang, store=db, viewer=role, zone_counts=zone_counts),
            view.selected,
        )
    else:
        st.caption(t("details.popup_hint"))

# The filters come after the map in the script, so the map is sent (and starts loading in the
# browser) first; their values were read from the session state above.
with st.sidebar:
    draw_filters(categories, zone_names, lang, now.dates_reversed, heat=may_see_heat(role))

show_table = table_shown(role)
draw_table(report_table(layers.reports, categories, lang) if show_table else None, layers.report_count)
set_query_params(view_to_params(view, home=home))
