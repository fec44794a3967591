"""The admin's view of the outbox (a tab of Administration; not a page): whether e-mail is
set up, how many messages are in each state, and those that did not go, with a way to send
one again. Never an address or a message's text."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.auth import User
from geo.i18n import format_moment, label
from geo.outbox import overview, retry
from geo.store import Store
from pages._shared import language, tr


def retry_chosen(db: Store, user: User | None) -> None:
    chosen = st.session_state.get("admin_mail_pick")
    if chosen is not None and retry(db, user, int(chosen)):
        st.session_state["admin_mail_flash"] = tr()("admin.mail_retried")


def mail_admin(db: Store, user: User | None) -> None:
    t = tr()
    lang = language()
    seen = overview(db, user)
    if seen.server is None:
        st.info(t("admin.mail_off"))
    else:
        st.caption(t("admin.mail_server", server=seen.server, sender=seen.sender))
    st.text(t("admin.mail_counts", **seen.counts))
    if flash := st.session_state.pop("admin_mail_flash", None):
        st.success(flash)
    st.subheader(t("admin.mail_troubles"))
    if not seen.troubles:
        st.caption(t("admin.mail_none"))
        return
    rows = seen.troubles

    def describe(row: dict) -> str:
        return f"{label('mail.kind', row['kind'], lang)} · {row['ref_code'] or row['username'] or ''}"

    st.dataframe(
        pd.DataFrame(
            {
                t("admin.mail_col_when"): [format_moment(r["created_at"], lang) for r in rows],
                t("admin.mail_col_kind"): [describe(r) for r in rows],
                t("admin.mail_col_to"): [t("mail.to_resident") if r["ref_code"] else r["username"] for r in rows],
                t("admin.mail_col_state"): [label("mail.state", r["state"], lang) for r in rows],
                t("admin.mail_col_attempts"): [r["attempts"] for r in rows],
                t("admin.mail_col_next"): [
                    format_moment(r["next_attempt_at"], lang) if r["state"] == "pending" else "" for r in rows
                ],
                t("admin.mail_col_error"): [r["last_error"] for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    retryable = {r["id"]: r for r in rows if r["state"] in ("failed", "sending")}
    if retryable:
        st.selectbox(
            t("admin.mail_pick"),
            list(retryable),
            format_func=lambda i: f"{format_moment(retryable[i]['created_at'], lang)} · {describe(retryable[i])}",
            key="admin_mail_pick",
        )
        st.button(t("admin.mail_retry"), on_click=retry_chosen, args=(db, user), key="admin_mail_retry")
