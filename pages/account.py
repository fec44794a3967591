"""Mitt konto: every staff member sees what their role may do, changes their own password
(`geo.account`; the old password is asked for, the rules are a new account's), and sets their
own e-mail address and whether they want the daily digest of reports awaiting moderation and
overdue actions (`geo.outbox`)."""

from __future__ import annotations

import streamlit as st

from geo.account import change_own_password
from geo.auth import AuthError
from geo.i18n import label
from geo.outbox import save_staff_settings, staff_settings
from geo.rights import Right, rights_of
from pages._shared import current_session_id, language, needs, settings, store, tr

FIELDS = ("account_old", "account_new", "account_repeat")

t = tr()
lang = language()
db = store()

st.title(t("account.title"))
user = needs(Right.CHANGE_OWN_PASSWORD)
if user is None:
    st.stop()

st.caption(t("auth.logged_in_as", user=user.username, role=label("role", user.role, lang)))
st.subheader(t("account.rights"))
st.markdown("\n".join(f"- {t(f'right.{right.value}')}" for right in Right if right in rights_of(user.role)))

# -- own password -------------------------------------------------------------------------------

st.subheader(t("account.password_title"))
if message := st.session_state.pop("account_password_flash", None):
    st.success(message)
    for key in FIELDS:  # emptied once changed; after a refusal what was typed stays
        st.session_state[key] = ""
with st.form("account_password", enter_to_submit=False):
    old = st.text_input(t("account.old_password"), type="password", autocomplete="current-password", key=FIELDS[0])
    new = st.text_input(
        t("account.new_password"),
        type="password",
        autocomplete="new-password",
        help=t("account.password_help"),
        key=FIELDS[1],
    )
    repeated = st.text_input(t("account.repeat_password"), type="password", autocomplete="new-password", key=FIELDS[2])
    submitted = st.form_submit_button(t("account.change_password"), type="primary")
if submitted:
    try:
        change_own_password(db, user, old, new, repeated, session_id=current_session_id())
    except AuthError as error:
        st.error(t(error.key))
    else:
        st.session_state["account_password_flash"] = t("account.password_changed")
        st.rerun()

# -- own e-mail and digest ----------------------------------------------------------------------

st.subheader(t("account.mail_title"))


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
