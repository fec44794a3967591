"""Mitt konto: a staff member's own e-mail address and whether they want the daily digest of
reports awaiting moderation and overdue actions (`geo.outbox`). Staff only."""

from __future__ import annotations

import streamlit as st

from geo.outbox import save_staff_settings, staff_settings
from pages._shared import language, settings, staff_only, store, tr

t = tr()
lang = language()
db = store()

st.title(t("nav.account"))
user = staff_only()
if user is None:
    st.stop()


def load() -> None:
    found = staff_settings(db, user.username)
    st.session_state["account_email"] = found.email if found else ""
    st.session_state["account_digest"] = found.digest if found else False


def save() -> None:
    try:
        save_staff_settings(
            db,
            user.username,
            st.session_state.get("account_email", ""),
            bool(st.session_state.get("account_digest")),
            lang,
        )
    except ValueError as error:
        st.session_state["account_error"] = t(f"mail.account.error.{error}")
    else:
        st.session_state["account_flash"] = t("mail.account.saved")


if "account_email" not in st.session_state:
    load()
if not settings().mail_enabled:
    st.info(t("mail.account.disabled"))
st.text_input(t("mail.account.email"), key="account_email", max_chars=254, help=t("mail.account.help"))
st.checkbox(t("mail.account.digest"), key="account_digest")
st.button(t("mail.account.save"), on_click=save, type="primary", key="account_save")
if flash := st.session_state.pop("account_flash", None):
    st.success(flash)
if error := st.session_state.pop("account_error", None):
    st.error(error)
