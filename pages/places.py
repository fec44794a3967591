"""Mötesplatser: a resident finds a meeting place open now, near them, in their language (issue #19).

Public, phone first: filters, "near me" (the browser's position, a tap on the small map, or a place
by name), the places nearest first with today's hours, each one's card. Logic: `geo.meeting_places`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from geo import mapview
from geo import meeting_places as mp
from geo.i18n import label
from geo.layers import boundary_layer
from geo.meeting_places import Found, PlaceFilter, When
from geo.model import MeetingPlace
from geo.place_cards import cards_html
from geo.places import Place, known_places
from geo.store import Store
from pages._browser import locate_button, position_of
from pages._shared import language, map_home, settings, store, tr

ORIGIN_KEY = "places_origin"
LAST_CLICK_KEY = "places_last_click"
MAP_KEY = "places_map"
LOCATE_KEY = "places_locate"
NOTE_KEY = "places_note"
SEARCH_KEY = "places_search"
NAMES_KEY = "places_names"
SHOWN_KEY = "places_shown"
VIEW_KEY = "places_view"
PAGE_SIZE = 20
"""Places listed at first (nearest first); "show more" adds as many again."""
LOCATE_ERRORS = ("denied", "unavailable", "timeout", "unsupported")

t = tr()
lang = language()
db = store()


@st.cache_resource(show_spinner=False, max_entries=16)
def cached_places(_db: Store, db_key: str, version: int) -> tuple[MeetingPlace, ...]:
    """Shared, not copied per run (the places are frozen): a rerun does not unpickle 1,000 places."""
    return tuple(_db.meeting_places())


@st.cache_resource(show_spinner=False, max_entries=16)
def cached_names(_db: Store, db_key: str, version: int, lang: str) -> tuple[tuple[Place, ...], tuple[str, ...]]:
    """The places "or search for a place" offers, and how each is named in ``lang``: shared, not
    unpickled per run (1,000 names were 3 ms a run)."""
    names = tuple(known_places(_db))
    parts = ((p.name, label("place_kind", p.kind, lang), p.detail) for p in names)
    words = tuple(" · ".join(part for part in three if part) for three in parts)
    return names, words


@st.cache_data(show_spinner=False, max_entries=16)
def cached_boundary(_db: Store, db_key: str, version: int) -> Any:
    return boundary_layer(_db)


def set_origin(lon: float, lat: float, how: str) -> None:
    """The point distances are measured from (EPSG:4326), and how it was chosen."""
    st.session_state[ORIGIN_KEY] = (lon, lat, how)
    st.session_state[SHOWN_KEY] = PAGE_SIZE
    st.session_state[VIEW_KEY] = {"center": [lat, lon], "zoom": 15}


def located() -> None:
    position = position_of(LOCATE_KEY)
    if position is None:
        return
    if "error" in position:
        kind = position["error"] if position["error"] in LOCATE_ERRORS else "unavailable"
        st.session_state[NOTE_KEY] = f"places.locate_error.{kind}"
        return
    try:
        set_origin(float(position["lon"]), float(position["lat"]), "position")
    except (KeyError, TypeError, ValueError):
        st.session_state[NOTE_KEY] = "places.locate_error.unavailable"


def go_to_place() -> None:
    chosen = st.session_state.get(SEARCH_KEY)
    names: Sequence[Place] = st.session_state.get(NAMES_KEY) or ()
    if isinstance(chosen, int) and 0 <= chosen < len(names):
        set_origin(names[chosen].lon, names[chosen].lat, "place")


def clear_origin() -> None:
    for key in (ORIGIN_KEY, VIEW_KEY, SEARCH_KEY):
        st.session_state.pop(key, None)


def show_more() -> None:
    st.session_state[SHOWN_KEY] = st.session_state.get(SHOWN_KEY, PAGE_SIZE) + PAGE_SIZE


def language_options(places: Sequence[MeetingPlace]) -> list[str]:
    codes = {code for p in places for code in p.languages}
    return sorted(codes, key=lambda c: mp.language_name(c, lang).casefold())


def read_filter() -> PlaceFilter:
    state = st.session_state
    return PlaceFilter(
        when=When(state.get("places_when") or When.ANY),
        languages=tuple(state.get("places_languages") or ()),
        audience=tuple(state.get("places_audience") or ()),
        kinds=tuple(state.get("places_kinds") or ()),
        free=bool(state.get("places_free")),
        wheelchair=bool(state.get("places_wheelchair")),
    )


def filters(places: Sequence[MeetingPlace]) -> None:
    st.radio(
        t("places.when"),
        options=[w.value for w in When],
        format_func=lambda v: t(f"places.when.{v}"),
        horizontal=True,
        key="places_when",
    )
    st.multiselect(
        t("places.languages"),
        options=language_options(places),
        format_func=lambda c: mp.language_name(c, lang),
        placeholder=t("places.languages_any"),
        key="places_languages",
        select_all=False,  # Streamlit's "Select all" is English
    )
    with st.expander(t("places.more_filters")):
        st.multiselect(
            t("places.audience"),
            options=list(mp.audiences()),
            format_func=lambda c: label("audience", c, lang),
            placeholder=t("places.any"),
            key="places_audience",
            select_all=False,  # Streamlit's "Select all" is English
        )
        st.multiselect(
            t("places.kinds"),
            options=list(mp.kinds()),
            format_func=lambda c: label("meeting_place_kind", c, lang),
            placeholder=t("places.any"),
            key="places_kinds",
            select_all=False,  # Streamlit's "Select all" is English
        )
        st.checkbox(t("places.free"), key="places_free")
        st.checkbox(t("places.wheelchair"), key="places_wheelchair")


def near_me(version: int) -> None:
    st.subheader(t("places.near_title"))
    locate_button(label=t("places.locate"), busy=t("places.locating"), key=LOCATE_KEY, on_position=located)
    if note := st.session_state.pop(NOTE_KEY, None):
        st.warning(t(note))
    names, words = cached_names(db, db.database_key, version, lang)
    st.session_state[NAMES_KEY] = names
    st.selectbox(
        t("places.search"),
        options=list(range(len(names))),
        format_func=words.__getitem__,
        index=None,
        placeholder=t("places.search_placeholder"),
        key=SEARCH_KEY,
        on_change=go_to_place,
    )
    st.caption(t("places.tap_help"))


def small_map(found: list[Found], origin: tuple[float, float] | None, version: int) -> None:
    view = st.session_state.get(VIEW_KEY) or {}
    home_centre, home_zoom = map_home()  # the municipality's (geo.municipality)
    base = mapview.base_map(settings().tiles, center=home_centre, zoom=home_zoom)
    markers = [(f.place.lon, f.place.lat, f"{n}. {f.place.name}") for n, f in enumerate(found, start=1)]
    groups = [
        mapview.boundary_group(cached_boundary(db, db.database_key, version)),
        mapview.numbered_places_group(markers),
        mapview.pin_group(origin),
    ]
    mapview.localized(base, *groups)
    st_folium(
        base,
        key=MAP_KEY,
        feature_group_to_add=groups,
        returned_objects=["last_clicked"],
        center=view.get("center"),
        zoom=view.get("zoom"),
        use_container_width=True,
        height=300,
    )


st.title(t("places.title"))
st.caption(t("places.intro"))


@st.fragment
def finder() -> None:
    """Everything a filter, the search, a tap or "near me" changes: such a change reruns this part
    only, not the app's menu and shell (issue #19: "open now near me" within 1.2× a plain rerun).

    The answer is sent first: the filters and the search stand above the count and the list, and
    the map between them, but each is sent after the list into the place kept for it (widgets'
    values are in the session's state before they are drawn), so a changed filter shows its
    answer without waiting for the controls and the map to be sent again."""
    version = db.data_version()
    places = cached_places(db, db.database_key, version)

    click = (st.session_state.get(MAP_KEY) or {}).get("last_clicked")
    if isinstance(click, dict) and click != st.session_state.get(LAST_CLICK_KEY):
        st.session_state[LAST_CLICK_KEY] = click
        set_origin(float(click["lng"]), float(click["lat"]), "map")

    controls = st.container()
    origin_state = st.session_state.get(ORIGIN_KEY)
    origin = (origin_state[0], origin_state[1]) if origin_state else None
    now = dt.datetime.now(dt.UTC)
    found = mp.find(places, read_filter(), now, origin)
    shown = found[: st.session_state.get(SHOWN_KEY, PAGE_SIZE)]
    st.subheader(t("places.found", n=len(found)))
    map_slot = st.container()
    if not found:
        st.info(t("places.none"))
    if shown:
        st.html(cards_html(shown, now, lang))  # one element for the list: one message, not ~10 per card
    if len(found) > len(shown):
        st.button(t("places.more", n=len(found) - len(shown)), on_click=show_more)
    with controls:
        filters(places)
        near_me(version)
        if origin_state:
            st.info(t(f"places.origin.{origin_state[2]}"))
            st.button(t("places.clear_origin"), on_click=clear_origin)
    with map_slot:
        small_map(shown, origin, version)


finder()
