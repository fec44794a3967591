"""Administration: staff accounts (the admin), report categories (the team and the admin) and
the audit log (the admin), each tab shown to the roles that hold its right (`geo.rights`;
checked in `geo.admin` and `geo.audit` as well: a role that types this page's address is
refused)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from geo import audit
from geo.admin import accounts, all_categories, create_account, reset_password, save_category, update_account
from geo.auth import STAFF_ROLES, AuthError
from geo.i18n import LANGUAGES, format_day, label
from geo.model import Category, Feeling
from geo.rights import Right, allowed
from pages._mail_admin import mail_admin
from pages._shared import language, needs, store, tr

NEW = ""
t = tr()
lang = language()
db = store()

st.title(t("admin.title"))
user = needs(Right.MANAGE_ACCOUNTS, Right.MANAGE_CATEGORIES, Right.VIEW_AUDIT, Right.MANAGE_SETTINGS)
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


def users_section() -> None:
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


def categories_section() -> None:
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


def audit_section() -> None:
    """The audit log, newest first, filtered by what, who and which days; the CSV holds what is shown."""
    groups = ["", *audit.ACTION_GROUPS]
    what_col, who_col, from_col, to_col = st.columns(4)
    what = what_col.selectbox(
        t("audit.filter.action"),
        groups,
        format_func=lambda g: t(f"audit.group.{g}") if g else t("audit.filter.all"),
        key="admin_audit_action",
    )
    who = who_col.selectbox(
        t("audit.filter.actor"),
        ["", *audit.actors(db, user)],
        format_func=lambda name: name or t("audit.filter.all"),
        key="admin_audit_actor",
    )
    first_day = from_col.date_input(
        t("audit.filter.first_day"), value=None, key="admin_audit_first", format="YYYY-MM-DD"
    )
    last_day = to_col.date_input(t("audit.filter.last_day"), value=None, key="admin_audit_last", format="YYYY-MM-DD")
    found = audit.entries(
        db,
        user,
        action=f"{what}." if what else "",
        actor=who,
        first_day=first_day if isinstance(first_day, dt.date) else None,
        last_day=last_day if isinstance(last_day, dt.date) else None,
        limit=None,
    )
    if not found:
        st.info(t("audit.empty"))
        return
    st.caption(t("audit.count", n=len(found)))
    shown = found[: audit.DEFAULT_LIMIT]
    st.dataframe(audit.table(shown, lang), hide_index=True, width="stretch")
    if len(found) > len(shown):
        st.caption(t("audit.truncated", n=len(shown)))
    st.download_button(
        t("audit.download"),
        audit.to_csv(found),
        file_name=f"audit-{dt.date.today().isoformat()}.csv",
        mime="text/csv",
        key="admin_audit_csv",
    )


SECTIONS = (
    ("admin.users", Right.MANAGE_ACCOUNTS, users_section),
    ("admin.categories", Right.MANAGE_CATEGORIES, categories_section),
    ("admin.mail", Right.MANAGE_SETTINGS, lambda: mail_admin(db, user)),
    ("audit.title", Right.VIEW_AUDIT, audit_section),
)
mine = [section for section in SECTIONS if allowed(user, section[1])]
for tab, (_, _, draw) in zip(st.tabs([t(key) for key, _, _ in mine]), mine, strict=True):
    with tab:
        draw()
