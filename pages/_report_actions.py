"""The staff panel for one report: status with public comment, duplicate, redaction
and the audit history. Shared by Granskning and Medborgarlöften; not a page.
"""

from __future__ import annotations

import streamlit as st

from geo.auth import User
from geo.i18n import label
from geo.model import Status
from geo.moderation import (
    MAX_COMMENT_LENGTH,
    MAX_TEXT_LENGTH,
    change_status,
    describe_event,
    history,
    mark_duplicate,
    redact_text,
)
from geo.store import Store
from pages._shared import language, tr


def report_actions(db: Store, report: dict, user: User | None, key: str) -> None:
    """Widgets to act on ``report`` (a row of the reports table); ``key`` keeps the
    widgets of several panels on one page apart."""
    t = tr()
    lang = language()
    report_id = report["id"]
    statuses = [s.value for s in Status]

    def save_status() -> None:
        change_status(
            db,
            report_id,
            Status(st.session_state[f"{key}_status"]),
            user,
            public_comment=st.session_state.get(f"{key}_comment", ""),
        )
        st.session_state[f"{key}_comment"] = ""
        st.session_state[f"{key}_flash"] = t("actions.status_saved")

    def save_duplicate() -> None:
        try:
            mark_duplicate(db, report_id, st.session_state.get(f"{key}_duplicate", ""), user)
        except KeyError:
            st.session_state[f"{key}_error"] = t("actions.duplicate_unknown")
        except ValueError:
            st.session_state[f"{key}_error"] = t("actions.duplicate_self")
        else:
            st.session_state[f"{key}_duplicate"] = ""
            st.session_state[f"{key}_flash"] = t("actions.duplicate_saved")

    def save_redaction() -> None:
        redact_text(db, report_id, st.session_state.get(f"{key}_text", ""), user)
        st.session_state.pop(f"{key}_text", None)
        st.session_state[f"{key}_flash"] = t("actions.redacted")

    if flash := st.session_state.pop(f"{key}_flash", None):
        st.success(flash)
    if error := st.session_state.pop(f"{key}_error", None):
        st.error(error)
    left, right = st.columns([1, 2])
    left.selectbox(
        t("moderation.status"),
        options=statuses,
        index=statuses.index(report["status"]),
        format_func=lambda v: label("status", v, lang),
        key=f"{key}_status",
    )
    right.text_input(t("moderation.public_comment"), key=f"{key}_comment", max_chars=MAX_COMMENT_LENGTH)
    st.button(t("moderation.save_status"), key=f"{key}_save", on_click=save_status, type="primary")
    with st.expander(t("actions.more")):
        st.text_input(t("actions.duplicate_of"), key=f"{key}_duplicate", max_chars=16)
        st.button(t("actions.mark_duplicate"), key=f"{key}_mark_duplicate", on_click=save_duplicate)
        st.text_area(
            t("actions.redact_text"),
            value=report["text"],
            key=f"{key}_text",
            max_chars=MAX_TEXT_LENGTH,
            help=t("actions.redact_help"),
        )
        st.button(t("actions.redact"), key=f"{key}_redact", on_click=save_redaction)
    st.markdown(f"**{t('actions.history')}**")
    events = history(db, report_id, user)
    if not events:
        st.caption(t("actions.no_history"))
    for event in events:
        st.caption(describe_event(event, lang))
