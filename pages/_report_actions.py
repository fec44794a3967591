"""The staff panel for one report: status with public comment, duplicate, redaction
and the audit history, each shown to the roles that may use it (`geo.rights`; `geo` checks
again). Shared by Granskning and Medborgarlöften; not a page.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from geo.auth import User
from geo.i18n import format_moment, label
from geo.model import Status
from geo.moderation import (
    MAX_COMMENT_LENGTH,
    MAX_TEXT_LENGTH,
    can_reply,
    change_status,
    describe_event,
    history,
    mark_duplicate,
    redact_text,
    reply,
    resident_messages,
)
from geo.outbox import MAX_REPLY_LENGTH
from geo.rights import Right, allowed
from geo.store import Store
from pages._shared import language, settings, tr


def report_actions(db: Store, report: dict, user: User | None, key: str, *, narrow: bool = False) -> None:
    """Widgets to act on ``report`` (a row of the reports table); ``key`` keeps the
    widgets of several panels on one page apart; ``narrow`` stacks them (a side panel)."""
    t = tr()
    lang = language()
    report_id = report["id"]

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

    _outcome(key)
    if allowed(user, Right.SET_STATUS):
        _status_widgets(report, key, save_status, narrow=narrow)
    if settings().mail_enabled:
        resident_mail(db, report_id, user, key)
    if allowed(user, Right.SET_STATUS):
        _more_widgets(report, user, key, save_duplicate, save_redaction)
    st.markdown(f"**{t('actions.history')}**")
    events = history(db, report_id, user)
    if not events:
        st.caption(t("actions.no_history"))
    for event in events:
        st.caption(describe_event(event, lang))


def _outcome(key: str) -> None:
    """What the last change said: done, or why not."""
    if flash := st.session_state.pop(f"{key}_flash", None):
        st.success(flash)
    if error := st.session_state.pop(f"{key}_error", None):
        st.error(error)


def _status_widgets(report: dict, key: str, save_status: Callable[[], None], *, narrow: bool = False) -> None:
    """Status and public comment (``set_status``), side by side unless ``narrow``."""
    t = tr()
    lang = language()
    statuses = [s.value for s in Status]
    left, right = (st.container(), st.container()) if narrow else st.columns([1, 2])
    left.selectbox(
        t("moderation.status"),
        options=statuses,
        index=statuses.index(report["status"]),
        format_func=lambda v: label("status", v, lang),
        key=f"{key}_status",
    )
    right.text_input(t("moderation.public_comment"), key=f"{key}_comment", max_chars=MAX_COMMENT_LENGTH)
    st.button(t("moderation.save_status"), key=f"{key}_save", on_click=save_status, type="primary")


def _more_widgets(
    report: dict,
    user: User | None,
    key: str,
    save_duplicate: Callable[[], None],
    save_redaction: Callable[[], None],
) -> None:
    """Duplicate (``set_status``) and redaction (``moderate``)."""
    t = tr()
    with st.expander(t("actions.more")):
        st.text_input(t("actions.duplicate_of"), key=f"{key}_duplicate", max_chars=16)
        st.button(t("actions.mark_duplicate"), key=f"{key}_mark_duplicate", on_click=save_duplicate)
        if allowed(user, Right.MODERATE):
            st.text_area(
                t("actions.redact_text"),
                value=report["text"],
                key=f"{key}_text",
                max_chars=MAX_TEXT_LENGTH,
                help=t("actions.redact_help"),
            )
            st.button(t("actions.redact"), key=f"{key}_redact", on_click=save_redaction)


def send_reply(db: Store, report_id: str, user: User | None, key: str) -> None:
    t = tr()
    text = st.session_state.get(f"{key}_reply", "").strip()
    if not text:
        st.session_state[f"{key}_error"] = t("actions.reply_empty")
    elif len(text) > MAX_REPLY_LENGTH:  # the text stays in the field to be shortened
        st.session_state[f"{key}_error"] = t("actions.reply_too_long", n=len(text), max=MAX_REPLY_LENGTH)
    elif reply(db, report_id, text, user):
        st.session_state[f"{key}_reply"] = ""
        st.session_state[f"{key}_flash"] = t("actions.reply_sent")
    else:
        st.session_state[f"{key}_error"] = t("actions.reply_unavailable")


def resident_mail(db: Store, report_id: str, user: User | None, key: str) -> None:
    """Writing to the resident (whose address staff never see) and what was sent to them."""
    t = tr()
    lang = language()
    with st.expander(t("actions.reply")):
        if can_reply(db, report_id, user):
            # No max_chars: Streamlit would drop a longer paste without a word (TESTING.md).
            st.text_area(t("actions.reply"), key=f"{key}_reply", help=t("actions.reply_help"))
            st.button(
                t("actions.send_reply"), key=f"{key}_send_reply", on_click=send_reply, args=(db, report_id, user, key)
            )
        else:
            st.caption(t("actions.reply_unavailable"))
        messages = resident_messages(db, report_id, user)
        if messages:
            st.markdown(f"**{t('actions.messages')}**")
        for message in messages:
            when = format_moment(message.sent_at, lang) if message.sent_at else ""
            state = label("mail.state", message.state, lang)
            st.caption(" · ".join(part for part in (label("mail.kind", message.kind, lang), state, when) if part))
