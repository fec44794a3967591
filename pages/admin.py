"""Administration: staff accounts and report categories. Admin only (checked in
`geo.admin` as well: a police or team user who types this page's address is refused)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.admin import accounts, all_categories, create_account, reset_password, save_category, update_account
from geo.auth import STAFF_ROLES, AuthError
from geo.i18n import LANGUAGES, format_day, label
from geo.model import Category, Feeling
from pages._mail_admin import mail_admin
from pages._shared import language, staff_only, store, tr

NEW = ""
t = tr()
lang = language()
db = store()

st.title(t("admin.title"))
user = staff_only(admin=True)
roles = [r.value for r in STAFF_ROLES]


def show_result(key: str) -> None:
    if message := st.session_state.pop(f"{key}_flash", None):
        st.success(message)
    if message := st.session_state.pop(f"{key}_error", None):
        st.error(message)


def create_user() -> None:
    try:
        created = create_account(
            db,
            user,
            st.session_state["admin_new_user"],
            st.session_state["admin_new_password"],
            st.session_state["admin_new_role"],
        )
    except AuthError as error:
        st.session_state["admin_users_error"] = t(error.key)
    else:
        st.session_state["admin_users_flash"] = t("admin.user_created", user=created.username)
        st.session_state["admin_new_user"] = ""
    st.session_state["admin_new_password"] = ""


def update_user() -> None:
    name = st.session_state["admin_user"]
    try:
        update_account(
            db,
            user,
            name,
            role=st.session_state["admin_user_role"],
            active=st.session_state["admin_user_active"],
            sso_email=st.session_state["admin_user_sso"],
        )
        if st.session_state.get("admin_user_password"):
            reset_password(db, user, name, st.session_state["admin_user_password"])
    except AuthError as error:
        st.session_state["admin_users_error"] = t(error.key)
    else:
        st.session_state["admin_users_flash"] = t("admin.user_saved", user=name)
    st.session_state["admin_user_password"] = ""


def load_user() -> None:
    found = {a.username: a for a in accounts(db, user)}.get(st.session_state["admin_user"])
    if found is not None:
        st.session_state["admin_user_role"] = found.role.value
        st.session_state["admin_user_active"] = found.active
        st.session_state["admin_user_sso"] = found.sso_email


users_tab, categories_tab, mail_tab = st.tabs([t("admin.users"), t("admin.categories"), t("admin.mail")])
with mail_tab:
    mail_admin(db, user)
with users_tab:
    show_result("admin_users")
    people = accounts(db, user)
    st.dataframe(
        pd.DataFrame(
            {
                t("admin.username"): [a.username for a in people],
                t("admin.role"): [label("role", a.role, lang) for a in people],
                t("admin.active"): [a.active for a in people],
                t("admin.locked"): [a.locked for a in people],
                t("admin.created"): [format_day(a.created_at, lang) for a in people],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(t("admin.new_user"))
    name_col, role_col = st.columns(2)
    name_col.text_input(t("admin.username"), key="admin_new_user", max_chars=64, help=t("admin.username_help"))
    role_col.selectbox(t("admin.role"), roles, format_func=lambda r: label("role", r, lang), key="admin_new_role")
    st.text_input(t("admin.password"), type="password", key="admin_new_password", help=t("admin.password_help"))
    st.button(t("admin.create_user"), on_click=create_user, key="admin_create_user", type="primary")

    names = [a.username for a in people]
    if names:
        st.subheader(t("admin.change_user"))
        if st.session_state.get("admin_user") not in names:
            st.session_state["admin_user"] = names[0]
            load_user()
        st.selectbox(t("admin.username"), names, key="admin_user", on_change=load_user)
        role_col, active_col = st.columns(2)
        role_col.selectbox(t("admin.role"), roles, format_func=lambda r: label("role", r, lang), key="admin_user_role")
        active_col.checkbox(t("admin.active"), key="admin_user_active")
        st.text_input(t("admin.sso_email"), key="admin_user_sso", max_chars=254, help=t("admin.sso_email_help"))
        st.text_input(
            t("admin.new_password"), type="password", key="admin_user_password", help=t("admin.password_help")
        )
        st.button(t("admin.save_user"), on_click=update_user, key="admin_save_user")


def load_category() -> None:
    code = st.session_state["admin_category"]
    found = {c.code: c for c in all_categories(db, user)}.get(code)
    st.session_state["admin_cat_code"] = code
    st.session_state["admin_cat_feeling"] = found.feeling.value if found else Feeling.UNSAFE.value
    st.session_state["admin_cat_icon"] = found.icon if found else ""
    st.session_state["admin_cat_order"] = found.sort_order if found else 100
    st.session_state["admin_cat_active"] = found.active if found else True
    for code_lang in LANGUAGES:
        st.session_state[f"admin_cat_label_{code_lang}"] = found.labels.get(code_lang, "") if found else ""
        st.session_state[f"admin_cat_help_{code_lang}"] = found.help.get(code_lang, "") if found else ""


def store_category() -> None:
    try:
        save_category(
            db,
            user,
            Category(
                code=st.session_state["admin_cat_code"].strip(),
                feeling=Feeling(st.session_state["admin_cat_feeling"]),
                labels={c: st.session_state[f"admin_cat_label_{c}"] for c in LANGUAGES},
                help={c: st.session_state[f"admin_cat_help_{c}"] for c in LANGUAGES},
                icon=st.session_state["admin_cat_icon"],
                sort_order=int(st.session_state["admin_cat_order"]),
                active=st.session_state["admin_cat_active"],
            ),
        )
    except AuthError as error:
        st.session_state["admin_categories_error"] = t(error.key)
    else:
        st.session_state["admin_categories_flash"] = t("admin.category_saved")
        st.session_state["admin_category_pending"] = st.session_state["admin_cat_code"].strip()


with categories_tab:
    show_result("admin_categories")
    cats = all_categories(db, user)
    codes = [c.code for c in cats]
    if (pending := st.session_state.pop("admin_category_pending", None)) is not None:
        st.session_state["admin_category"] = pending
        load_category()
    if "admin_category" not in st.session_state or st.session_state["admin_category"] not in [NEW, *codes]:
        st.session_state["admin_category"] = NEW
        load_category()
    by_code = {c.code: c for c in cats}
    st.selectbox(
        t("admin.category"),
        [NEW, *codes],
        format_func=lambda c: (
            t("admin.new_category")
            if c == NEW
            else f"{by_code[c].icon} {by_code[c].label(lang)}"
            + ("" if by_code[c].active else f" ({t('admin.retired')})")
        ),
        key="admin_category",
        on_change=load_category,
    )
    is_new = st.session_state["admin_category"] == NEW
    st.text_input(
        t("admin.category_code"), key="admin_cat_code", disabled=not is_new, help=t("admin.category_code_help")
    )
    st.radio(
        t("admin.category_feeling"),
        [f.value for f in Feeling],
        format_func=lambda v: label("feeling", v, lang),
        key="admin_cat_feeling",
        horizontal=True,
    )
    icon_col, order_col, active_col = st.columns(3)
    icon_col.text_input(t("admin.category_icon"), key="admin_cat_icon", max_chars=8)
    order_col.number_input(t("admin.category_order"), key="admin_cat_order", step=1, min_value=0, max_value=10_000)
    active_col.checkbox(t("admin.category_active"), key="admin_cat_active")
    for code_lang, language_name in LANGUAGES.items():
        label_col, help_col = st.columns([1, 2])
        label_col.text_input(
            t("admin.category_label", language=language_name), key=f"admin_cat_label_{code_lang}", max_chars=80
        )
        help_col.text_input(
            t("admin.category_help", language=language_name), key=f"admin_cat_help_{code_lang}", max_chars=300
        )
    st.button(t("admin.save_category"), on_click=store_category, key="admin_save_category", type="primary")
