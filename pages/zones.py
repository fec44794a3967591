"""Områden: the team draws and edits platssamverkan zones and medborgarlöften areas.

For staff who may manage zones (`geo.rights`; checked in `geo.zones` as well). The map's draw tools (Leaflet.draw,
served by the app) give the shape; `geo.zones` checks, repairs and stores it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import shapely
import streamlit as st

from geo import mapview
from geo.i18n import label
from geo.layers import boundary_layer, zones_layer
from geo.model import ZoneKind
from geo.rights import Right
from geo.zones import LIMITS, ZoneForm, delete_zone, save_zone
from pages._shared import drawing_value, language, map_home, needs, settings, store, tr

CHOICE_KEY = "zones_choice"
PENDING_KEY = "zones_pending_choice"
NEW = ""
FIELDS = ("name", "kind", "promise_text", "police_contact", "description", "start_date", "end_date")

t = tr()
lang = language()
db = store()

st.title(t("zones.title"))
user = needs(Right.MANAGE_ZONES)

zones = zones_layer(db)
zone_ids = list(zones["id"])
names = dict(zip(zones["id"], zones["name"], strict=True))


def load_choice() -> None:
    """Fill the form with the chosen zone (or empty it for a new one)."""
    choice = st.session_state[CHOICE_KEY]
    row = zones.set_index("id").loc[choice] if choice in zone_ids else None
    for name in FIELDS:
        value: Any = None if row is None else row[name]
        if name == "kind":
            value = value or ZoneKind.MEDBORGARLOFTE.value
        elif name in ("start_date", "end_date"):
            value = None if value is None or value != value else value  # NaN/NaT -> None
        else:
            value = value or ""
        st.session_state[f"zones_{name}"] = value
    st.session_state["zones_shape_from"] = NEW
    st.session_state.pop("zones_delete_confirm", None)


if (pending := st.session_state.pop(PENDING_KEY, None)) is not None:  # after save or delete
    st.session_state[CHOICE_KEY] = pending
    load_choice()
if CHOICE_KEY not in st.session_state or st.session_state[CHOICE_KEY] not in [NEW, *zone_ids]:
    st.session_state[CHOICE_KEY] = NEW
    load_choice()

st.selectbox(
    t("zones.choose"),
    options=[NEW, *zone_ids],
    format_func=lambda i: (
        t("zones.new") if i == NEW else f"{names[i]} · {label('zone_kind', zones.set_index('id').loc[i, 'kind'], lang)}"
    ),
    key=CHOICE_KEY,
    on_change=load_choice,
)
choice = st.session_state[CHOICE_KEY]
map_key = f"zones_map_{choice or 'new'}"
current = db.zone_geometry(choice) if choice != NEW else None

if flash := st.session_state.pop("zones_flash", None):
    st.success(flash)

map_column, form_column = st.columns([3, 2])
with map_column:
    st.caption(t("zones.draw_help"))
    home_centre, home_zoom = map_home()
    others = zones[zones["id"] != choice]
    m = mapview.drawing_map(
        settings().tiles,
        center=home_centre,
        zoom=home_zoom,
        around=current or shapely.union_all(list(boundary_layer(db).geometry)),  # EPSG:4326
        context=[mapview.zones_group(others, kind) for kind in ZoneKind],
        current=current,
        tools=("polygon", "rectangle"),
    )
    drawings = drawing_value(m, map_key)

# nothing drawn or edited yet: the stored shape stands
drawn = current if drawings is None else mapview.drawn_shape(drawings)

with form_column:
    # No max_chars: Streamlit would drop a longer paste without a word (TESTING.md); save_zone says what is too long.
    st.text_input(t("zones.name"), key="zones_name")
    st.radio(
        t("zones.kind"),
        options=[k.value for k in ZoneKind][::-1],
        format_func=lambda v: label("zone_kind", v, lang),
        key="zones_kind",
        horizontal=True,
    )
    st.text_area(t("zones.promise_text"), key="zones_promise_text", help=t("zones.at_most", max=LIMITS["promise_text"]))
    st.text_input(t("zones.police_contact"), key="zones_police_contact")
    st.text_area(t("zones.description"), key="zones_description", help=t("zones.at_most", max=LIMITS["description"]))
    start_col, end_col = st.columns(2)
    start_col.date_input(t("zones.start_date"), key="zones_start_date", format="YYYY-MM-DD")
    end_col.date_input(t("zones.end_date"), key="zones_end_date", format="YYYY-MM-DD")
    st.selectbox(
        t("zones.shape_from"),
        options=[NEW, *[i for i in zone_ids if i != choice]],
        format_func=lambda i: t("zones.shape_drawn") if i == NEW else names[i],
        key="zones_shape_from",
    )
    source = st.session_state["zones_shape_from"]
    geometry = db.zone_geometry(source) if source != NEW else drawn

    if st.button(t("zones.save"), type="primary", key="zones_save"):
        start: dt.date | None = st.session_state["zones_start_date"]
        end: dt.date | None = st.session_state["zones_end_date"]
        result = save_zone(
            db,
            ZoneForm(
                name=st.session_state["zones_name"],
                kind=ZoneKind(st.session_state["zones_kind"]),
                geometry=geometry,
                description=st.session_state["zones_description"],
                promise_text=st.session_state["zones_promise_text"],
                police_contact=st.session_state["zones_police_contact"],
                start_date=start,
                end_date=end,
            ),
            user,
            zone_id=None if choice == NEW else choice,
        )
        if result.ok:
            st.session_state["zones_flash"] = t("zones.saved_repaired" if result.repaired else "zones.saved")
            st.session_state[PENDING_KEY] = result.zone_id
            st.rerun()
        for problem in result.problems:
            field = t(f"zones.{problem.field}") if problem.field in LIMITS else ""
            st.error(t(f"zones.error.{problem.code}", field=field, n=problem.length, max=problem.limit))

    if choice != NEW:
        with st.expander(t("zones.delete")):
            st.checkbox(t("zones.delete_confirm", name=names[choice]), key="zones_delete_confirm")
            if st.button(
                t("zones.delete"), key="zones_delete", disabled=not st.session_state.get("zones_delete_confirm")
            ):
                delete_zone(db, choice, user)
                st.session_state[PENDING_KEY] = NEW
                st.session_state["zones_flash"] = t("zones.deleted")
                st.rerun()
