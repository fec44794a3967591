"""Redigera mötesplatser: the team creates, edits, moves and retires meeting places (issue #19).

Staff with the right to manage places (`geo.rights.Right.MANAGE_PLACES`; checked in
`geo.place_editor` as well). Opening hours in OpenStreetMap's syntax with a live check (the part
that failed, or the hours in plain words), or built with simple day and time controls.
Logic: `geo.place_editor`, `geo.meeting_places`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from geo import mapview
from geo import meeting_places as mp
from geo.i18n import label, language_names
from geo.layers import boundary_layer
from geo.model import Access
from geo.place_editor import PlaceForm, form_of, hours_rule, save_place, set_active, with_rule
from geo.rights import Right
from geo.store import StaleEdit
from pages._shared import language, map_home, needs, settings, store, tr

CHOICE_KEY = "pe_choice"
PENDING_KEY = "pe_pending"
PROBLEMS_KEY = "pe_problems"
FLASH_KEY = "pe_flash"
POSITION_KEY = "pe_position"
LAST_CLICK_KEY = "pe_last_click"
MAP_KEY = "pe_map"
NEW = ""
EDITED_LANGUAGES = ("en", "ar")
"""Descriptions every place is offered a field for besides Swedish; others by code."""

t = tr()
lang = language()
db = store()

st.title(t("place_edit.title"))
user = needs(Right.MANAGE_PLACES)

found_boundary = db.boundary()
boundary = found_boundary[1] if found_boundary else None
places = {p.id: p for p in db.meeting_places(include_retired=True)}


def load_choice() -> None:
    """Fill the fields with the chosen place (or empty them for a new one)."""
    choice = st.session_state.get(CHOICE_KEY, NEW)
    form = form_of(places[choice]) if choice in places else PlaceForm()
    state = st.session_state
    for name in ("name", "kind", "address", "opening_hours", "languages", "accessibility", "contact"):
        state[f"pe_{name}"] = getattr(form, name)
    state["pe_audience"] = list(form.audience)
    state["pe_fee"] = form.fee
    state["pe_wheelchair"] = form.wheelchair
    state["pe_description_sv"] = form.description
    for code in EDITED_LANGUAGES:
        state[f"pe_description_{code}"] = form.descriptions.get(code, "")
    others = {c: text for c, text in form.descriptions.items() if c not in EDITED_LANGUAGES}
    state["pe_other_code"], state["pe_other_text"] = next(iter(sorted(others.items())), ("", ""))
    state["pe_staff_note"] = form.staff_note
    state[POSITION_KEY] = (form.lon, form.lat) if form.lon is not None else None
    state[PROBLEMS_KEY] = []
    state.pop("pe_retire_confirm", None)


def current_form() -> PlaceForm:
    state = st.session_state
    position = state.get(POSITION_KEY)
    descriptions = {code: state.get(f"pe_description_{code}") or "" for code in EDITED_LANGUAGES}
    other_code = (state.get("pe_other_code") or "").strip().lower()
    if other_code or (state.get("pe_other_text") or "").strip():
        descriptions[other_code] = state.get("pe_other_text") or ""
    return PlaceForm(
        name=state.get("pe_name") or "",
        kind=state.get("pe_kind") or "",
        lon=position[0] if position else None,
        lat=position[1] if position else None,
        address=state.get("pe_address") or "",
        opening_hours=state.get("pe_opening_hours") or "",
        languages=state.get("pe_languages") or "",
        audience=tuple(state.get("pe_audience") or ()),
        fee=state.get("pe_fee") or "",
        wheelchair=state.get("pe_wheelchair") or "",
        accessibility=state.get("pe_accessibility") or "",
        contact=state.get("pe_contact") or "",
        description=state.get("pe_description_sv") or "",
        descriptions=descriptions,
        staff_note=state.get("pe_staff_note") or "",
    )


def save() -> None:
    choice = st.session_state.get(CHOICE_KEY, NEW)
    old = places.get(choice)
    try:
        result = save_place(
            db,
            current_form(),
            user,
            boundary=boundary,
            place_id=old.id if old else None,
            expected_version=old.version if old else None,
        )
    except StaleEdit:
        st.session_state[PROBLEMS_KEY] = []
        st.session_state[FLASH_KEY] = ("error", t("place_edit.stale"))
        return
    st.session_state[PROBLEMS_KEY] = list(result.problems)
    if result.place is None:
        st.session_state[FLASH_KEY] = ("error", t("place_edit.not_saved"))
        return
    st.session_state[FLASH_KEY] = ("success", t("place_edit.saved", name=result.place.name))
    st.session_state[PENDING_KEY] = result.place.id


def change_use(active: bool) -> None:
    place = places[st.session_state[CHOICE_KEY]]
    try:
        set_active(db, place.id, user, active=active, expected_version=place.version)
    except StaleEdit:
        st.session_state[FLASH_KEY] = ("error", t("place_edit.stale"))
        return
    key = "place_edit.restored" if active else "place_edit.retired"
    st.session_state[FLASH_KEY] = ("success", t(key, name=place.name))
    st.session_state[PENDING_KEY] = place.id


def add_rule() -> None:
    state = st.session_state
    rule = hours_rule(state.get("pe_days") or [], state["pe_open"], state["pe_close"])
    state["pe_opening_hours"] = with_rule(
        state.get("pe_opening_hours") or "", rule, holidays_off=bool(state.get("pe_holidays_off"))
    )


def problem_here(name: str) -> None:
    for problem in st.session_state.get(PROBLEMS_KEY) or []:
        if problem.field == name:
            st.error(t(problem.key, **dict(problem.values)))


def hours_check() -> None:
    """The live check of the opening hours: where reading stopped, or what was understood."""
    text = st.session_state.get("pe_opening_hours") or ""
    if not text.strip():
        return
    problem = mp.check_hours(text)
    if problem is not None:
        st.error(t("place_edit.problem.hours", part=problem.part, position=problem.position + 1))
        st.code(f"{text}\n{' ' * problem.position}^", language=None)
    else:
        st.success(t("place_edit.hours_understood", words=mp.render_hours(text, lang)))


def position_map() -> None:
    click = (st.session_state.get(MAP_KEY) or {}).get("last_clicked")
    if isinstance(click, dict) and click != st.session_state.get(LAST_CLICK_KEY):
        st.session_state[LAST_CLICK_KEY] = click
        st.session_state[POSITION_KEY] = (float(click["lng"]), float(click["lat"]))
    position = st.session_state.get(POSITION_KEY)
    st.markdown(f"**{t('place_edit.position')}**")
    st.caption(t("place_edit.position_help"))
    home_centre, home_zoom = map_home()  # the municipality's (geo.municipality)
    # a place being edited: its street, so that a move lands where meant
    centre, zoom = ((position[1], position[0]), 15) if position else (home_centre, home_zoom)
    base = mapview.base_map(settings().tiles, center=centre, zoom=zoom)
    groups = [mapview.boundary_group(boundary_layer(db)), mapview.pin_group(position)]
    mapview.localized(base, *groups)
    st_folium(
        base,
        key=MAP_KEY,
        feature_group_to_add=groups,
        returned_objects=["last_clicked"],
        use_container_width=True,
        height=320,
    )
    if position:
        st.caption(t("place_edit.position_at", lat=f"{position[1]:.5f}", lon=f"{position[0]:.5f}"))
    else:
        st.caption(t("place_edit.no_position"))
    problem_here("position")


def hours_builder() -> None:
    with st.expander(t("place_edit.builder")):
        st.multiselect(
            t("place_edit.builder_days"),
            options=list(range(7)),
            format_func=lambda d: mp.weekday_name(d, lang, capital=True),
            placeholder=t("place_edit.builder_days"),
            key="pe_days",
            select_all=False,  # Streamlit's "Select all" is English
        )
        columns = st.columns(2)
        columns[0].time_input(t("place_edit.builder_open"), value=dt.time(10, 0), key="pe_open", step=900)
        columns[1].time_input(t("place_edit.builder_close"), value=dt.time(16, 0), key="pe_close", step=900)
        st.checkbox(t("place_edit.builder_holidays"), key="pe_holidays_off", value=True)
        st.button(t("place_edit.builder_add"), on_click=add_rule)


def description_fields() -> None:
    st.markdown(f"**{t('place_edit.descriptions')}**")
    for code in ("sv", *EDITED_LANGUAGES):
        st.text_area(
            t("place_edit.description_in", language=mp.language_name(code, lang)), key=f"pe_description_{code}"
        )
        problem_here(f"description:{code}")
    columns = st.columns([1, 3])
    columns[0].text_input(t("place_edit.other_code"), key="pe_other_code")
    columns[1].text_area(t("place_edit.other_text"), key="pe_other_text")
    other = (st.session_state.get("pe_other_code") or "").strip().lower()
    problem_here(f"description:{other}")


if (pending := st.session_state.pop(PENDING_KEY, None)) is not None:  # after a save
    places = {p.id: p for p in db.meeting_places(include_retired=True)}
    st.session_state[CHOICE_KEY] = pending
    load_choice()
if CHOICE_KEY not in st.session_state or st.session_state[CHOICE_KEY] not in [NEW, *places]:
    st.session_state[CHOICE_KEY] = NEW
    load_choice()


def choice_name(place_id: str) -> str:
    if place_id == NEW:
        return t("place_edit.new")
    place = places[place_id]
    name = f"{place.name} · {label('meeting_place_kind', place.kind, lang)}"
    return name if place.active else t("place_edit.retired_mark", name=name)


st.selectbox(
    t("place_edit.choose"), options=[NEW, *places], format_func=choice_name, key=CHOICE_KEY, on_change=load_choice
)
chosen = places.get(st.session_state[CHOICE_KEY])

st.text_input(t("place_edit.name"), key="pe_name")
problem_here("name")
st.selectbox(
    t("place_edit.kind"),
    options=list(mp.kinds()),
    format_func=lambda k: label("meeting_place_kind", k, lang),
    key="pe_kind",
)
problem_here("kind")
st.text_input(t("place_edit.address"), key="pe_address")
problem_here("address")
position_map()

st.text_input(t("place_edit.hours"), key="pe_opening_hours")
hours_check()
hours_builder()

st.text_input(t("place_edit.languages"), key="pe_languages")
codes = mp.split_codes(st.session_state.get("pe_languages") or "")
if codes and not mp.unknown_languages(codes):
    st.caption(t("place_edit.languages_named", names=language_names(codes, lang)))
problem_here("languages")
st.multiselect(
    t("place_edit.audience"),
    options=list(mp.audiences()),
    format_func=lambda a: label("audience", a, lang),
    placeholder=t("places.any"),
    key="pe_audience",
    select_all=False,  # Streamlit's "Select all" is English
)
fee_words: dict[str, Any] = {
    "": t("place_edit.fee.unknown"),
    "no": t("place_edit.fee.no"),
    "yes": t("place_edit.fee.yes"),
}
st.radio(t("place_edit.fee"), options=list(fee_words), format_func=fee_words.__getitem__, horizontal=True, key="pe_fee")
st.radio(
    t("place_edit.wheelchair"),
    options=[a.value for a in Access],
    format_func=lambda a: t(f"wheelchair.{a}") if a else t("place_edit.wheelchair.unknown"),
    horizontal=True,
    key="pe_wheelchair",
)
st.text_input(t("place_edit.accessibility"), key="pe_accessibility")
problem_here("accessibility")
st.text_input(t("place_edit.contact"), key="pe_contact")
problem_here("contact")
description_fields()
st.text_area(t("place_edit.staff_note"), key="pe_staff_note")
problem_here("staff_note")

st.button(t("place_edit.save"), type="primary", on_click=save)
# what saving or retiring did, beside the buttons: on a phone the top of the form is far away
if flash := st.session_state.pop(FLASH_KEY, None):
    (st.success if flash[0] == "success" else st.error)(flash[1])
if chosen is not None:
    if chosen.active:
        st.checkbox(t("place_edit.retire_confirm"), key="pe_retire_confirm")
        st.button(
            t("place_edit.retire"),
            on_click=change_use,
            args=(False,),
            disabled=not st.session_state.get("pe_retire_confirm"),
        )
    else:
        # beside its button, not above the form: a notice added above moved the form down, and on a
        # phone the answer to "retire" went out of sight (the choice list marks it retired too)
        st.warning(t("place_edit.is_retired"))
        st.button(t("place_edit.restore"), on_click=change_use, args=(True,))
