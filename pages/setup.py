"""Kommunens inställningar: the municipality's name, boundary and the texts residents see.

Before a deployment is set up, `app.py` shows this page at every address (issue 17): an admin
gets the set-up form, everyone else a plain "not set up yet" page. Afterwards it is the admin's
page for the same settings. The work is `geo.municipality`'s; `geo/` checks the role again.
"""

from __future__ import annotations

import streamlit as st
from pyproj import CRS

from geo.i18n import LANGUAGES
from geo.io import MAX_IMPORT_BYTES, ImportRefused, ImportSource
from geo.municipality import (
    BOUNDARY_SUFFIXES,
    TEXT_KEYS,
    Municipality,
    SetupRefused,
    read_boundary,
    set_up,
    update_texts,
)
from geo.rights import Right, role_allows
from pages._shared import SETUP_DONE_KEY, current_user, language, municipality, needs, store, tr, viewer

CRS_CHOICES = ("", "EPSG:3006", *(f"EPSG:{code}" for code in range(3007, 3019)), "EPSG:3021", "EPSG:4326")
"""What a boundary file without a CRS may be in: SWEREF 99 TM, its local zones, RT 90, WGS 84."""

t = tr()
lang = language()
db = store()
town = municipality()

if town is None and not role_allows(viewer(), Right.MANAGE_SETTINGS):
    st.title(t("setup.not_ready_title"))
    st.markdown(t("setup.not_ready"))
    st.caption(t("setup.not_ready_staff", login=t("auth.staff_login")))
    st.stop()
if town is not None:
    needs(Right.MANAGE_SETTINGS)
user = current_user()


def text_key(key: str, code: str) -> str:
    return f"setup_{key}_{code}"


def defaults(found: Municipality | None) -> None:
    """The fields start with what is stored (kept while the page is used)."""
    st.session_state.setdefault("setup_name", found.name if found else "")
    for key in TEXT_KEYS:
        for code in LANGUAGES:
            stored = (found.texts.get(key) or {}).get(code, "") if found else ""
            st.session_state.setdefault(text_key(key, code), stored)


def crs_label(code: str) -> str:
    return t("setup.crs_declared") if not code else f"{code} · {CRS.from_user_input(code).name}"


def home_caption(found: Municipality) -> None:
    (lat, lon), zoom = found.home
    west, south, east, north = found.bounds
    st.caption(
        t(
            "setup.home",
            lat=f"{lat:.5f}",
            lon=f"{lon:.5f}",
            zoom=zoom,
            west=f"{west:.4f}",
            east=f"{east:.4f}",
            south=f"{south:.4f}",
            north=f"{north:.4f}",
        )
    )


def save(found: Municipality | None) -> Municipality | None:
    """Read the boundary (if one was chosen) and store everything; a message on any problem."""
    state = st.session_state
    upload = state.get("setup_boundary")
    texts = {key: {code: state.get(text_key(key, code), "") for code in LANGUAGES} for key in TEXT_KEYS}
    try:
        if upload is not None:
            boundary = read_boundary(ImportSource(upload.name, upload.getvalue()), crs=state.get("setup_crs") or None)
            return set_up(db, user, name=state.get("setup_name", ""), boundary=boundary, texts=texts).municipality
        if found is None:
            raise SetupRefused("setup.error.boundary_missing")
        return update_texts(db, user, texts, name=state.get("setup_name", ""))
    except (ImportRefused, SetupRefused) as refused:
        st.error(refused.text(lang).replace("\n", "  \n"))  # one line for each feature at fault
    return None


defaults(town)
st.title(t("setup.title") if town is None else t("nav.setup"))
st.markdown(t("setup.intro") if town is None else t("setup.edit_intro"))
if town is not None:
    home_caption(town)
if st.session_state.pop("setup_saved", False):
    st.success(t("setup.saved"))

with st.form("setup_form", enter_to_submit=False):
    st.text_input(t("setup.name"), key="setup_name", max_chars=200)
    max_mb = MAX_IMPORT_BYTES // 1024 // 1024
    st.file_uploader(
        t("setup.boundary"),
        type=[s.lstrip(".") for s in BOUNDARY_SUFFIXES if s != ".shp"],
        key="setup_boundary",
        max_upload_size=max_mb,
    )
    st.caption(t("setup.boundary_help") + ("" if town is None else " " + t("setup.boundary_keep")))
    st.selectbox(t("setup.crs"), CRS_CHOICES, format_func=crs_label, key="setup_crs")
    st.subheader(t("setup.texts"))
    st.caption(t("setup.texts_help"))
    for key in TEXT_KEYS:
        for column, code in zip(st.columns(len(LANGUAGES)), LANGUAGES, strict=True):
            with column:
                st.text_input(f"{t(f'setup.field.{key}')} · {LANGUAGES[code]}", key=text_key(key, code), max_chars=300)
    submitted = st.form_submit_button(
        t("setup.save") if town is None else t("setup.save_edit"), type="primary", key="setup_save"
    )

if submitted:
    saved = save(town)
    if saved is not None:
        if town is None:
            st.session_state[SETUP_DONE_KEY] = saved.name
        else:
            st.session_state["setup_saved"] = True
        st.rerun()
