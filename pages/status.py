"""Följ din rapport: the public status of a report, found by its reference code.

Every lookup answers, whether by the button or by Enter in the field (each Enter reruns
the page with the field's new value), and the address becomes ``/status?ref=CODE`` so it
can be saved or shared. A report that was not published says so and why, by kind.
"""

from __future__ import annotations

import streamlit as st

from geo.actions import Action, actions_for_report
from geo.i18n import format_day, label
from geo.reporting import PublicStatus, normalize_ref_code, public_status
from pages._shared import language, set_query_params, store, tr

CODE_KEY = "status_code"

t = tr()
lang = language()
db = store()


def show(found: PublicStatus) -> None:
    st.markdown(f"**{t('status.state')}**")
    st.text(label("status", found.status, lang))
    if found.moderation == "rejected":
        st.warning(t("status.rejected_why", reason=label("rejection", found.rejection or "other", lang)))
    elif found.moderation == "pending":
        st.info(t("status.pending"))
    st.caption(t("status.open") if found.is_open else t("status.closed"))
    st.markdown(f"**{t('status.reported')}**")
    st.text(format_day(found.created_at, lang))
    st.markdown(f"**{t('status.updated')}**")
    st.text(format_day(found.updated_at, lang))
    if found.public_comment:
        st.markdown(f"**{t('status.comment')}**")
        st.text(found.public_comment)
    show_actions(actions_for_report(db, found.id))


def show_actions(answering: list[Action]) -> None:
    """The public actions that answer the report: what, who is responsible, when it is due."""
    if not answering:
        return
    st.subheader(t("status.actions_title"))
    for action in answering:
        with st.container(border=True):
            st.markdown(f"**{t('status.action_state', status=label('action_status', action.status, lang))}**")
            st.text(action.title)
            if action.description:
                st.text(action.description)
            st.text(t("status.action_responsible", organisation=action.organisation))
            st.text(t("status.action_due", due=format_day(action.due_date, lang)))
            if action.status_comment:
                st.text(action.status_comment)


st.title(t("status.title"))
st.caption(t("status.help"))
if CODE_KEY not in st.session_state:
    st.session_state[CODE_KEY] = st.query_params.get("ref", "")
code = st.text_input(t("status.code"), key=CODE_KEY, placeholder="ABCD2345").strip()
pressed = st.button(t("status.look_up"), type="primary")
if code:
    normalized = normalize_ref_code(code)
    set_query_params({"ref": normalized} if normalized else {})
    found = public_status(db, code)
    if found is None:
        st.warning(t("status.not_found"))
    else:
        show(found)
else:
    set_query_params({})
    if pressed:
        st.warning(t("status.enter_code"))
