"""Följ din rapport: the public status of a report, found by its reference code."""

from __future__ import annotations

import streamlit as st

from geo.i18n import format_day, label
from geo.reporting import public_status
from pages._shared import language, store, tr

t = tr()
lang = language()
db = store()

st.title(t("status.title"))
st.caption(t("status.help"))
if "status_code" not in st.session_state:
    st.session_state["status_code"] = st.query_params.get("ref", "")
code = st.text_input(t("status.code"), key="status_code", max_chars=20)
if st.button(t("status.look_up"), type="primary") or (code and st.session_state.get("status_auto", True)):
    st.session_state["status_auto"] = False
    found = public_status(db, code)
    if found is None:
        st.warning(t("status.not_found"))
    else:
        st.markdown(f"**{t('status.state')}**")
        st.text(label("status", found.status, lang))
        st.caption(t("status.open") if found.is_open else t("status.closed"))
        if found.moderation == "pending":
            st.info(t("status.pending"))
        elif found.moderation == "rejected":
            st.info(t("status.rejected"))
        st.markdown(f"**{t('status.reported')}**")
        st.text(format_day(found.created_at, lang))
        st.markdown(f"**{t('status.updated')}**")
        st.text(format_day(found.updated_at, lang))
        if found.public_comment:
            st.markdown(f"**{t('status.comment')}**")
            st.text(found.public_comment)
