"""Staff accounts (the admin: ``manage_accounts``) and the report categories (the team
and the admin: ``manage_categories``; `geo.rights`).

Every function takes the acting `User` and refuses anyone without the right with
`PermissionError`; every change is recorded in the audit log (`geo.audit`), never a
password or an e-mail address. Input problems raise `AuthError` whose ``key`` names the message
in the translation catalogue. An admin cannot lock themself out: the last active
admin can be neither demoted nor deactivated.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from geo import audit
from geo.auth import (
    MIN_PASSWORD_LENGTH,
    AuthError,
    User,
    add_user,
    hash_password,
    staff_role_or_none,
)
from geo.model import Category, Feeling, Role
from geo.privacy import is_valid_email
from geo.rights import Right, require
from geo.store import Store, UserChangeRefused, utcnow

CATEGORY_CODE = re.compile(r"^[a-z0-9_]{2,64}$")
LANGUAGES_NEEDED = ("sv", "en", "ar")
MAX_LABEL = 80
MAX_HELP = 300


@dataclass(frozen=True)
class Account:
    """A staff account as an admin sees it (never its password hash)."""

    username: str
    role: Role
    active: bool
    locked: bool
    created_at: dt.datetime
    sso_email: str = ""


def accounts(store: Store, actor: User | None) -> list[Account]:
    """Every staff account, by name."""
    require(actor, Right.MANAGE_ACCOUNTS)
    now = utcnow()
    return [
        Account(
            username=r["username"],
            role=Role(r["role"]),
            active=bool(r["active"]),
            locked=r["locked_until"] is not None and r["locked_until"] > now,
            created_at=r["created_at"],
            sso_email=r["sso_email"] or "",
        )
        for r in store.users()
    ]


def create_account(store: Store, actor: User | None, username: str, password: str, role: Role | str) -> User:
    """A new staff account (`geo.auth.add_user` checks name, password and role)."""
    user = require(actor, Right.MANAGE_ACCOUNTS)
    created = add_user(store, username, password, role)
    audit.record(store, user, "account.create", created.username, {"role": created.role.value})
    return created


def update_account(
    store: Store, actor: User | None, username: str, *, role: Role | str, active: bool, sso_email: str | None = None
) -> None:
    """Change an account's role, whether it may log in, and (when ``sso_email`` is
    given; empty unlinks) the e-mail address its single sign-on identity has."""
    user = require(actor, Right.MANAGE_ACCOUNTS)
    email: str | bool | None = False
    if sso_email is not None:
        email = sso_email.strip().lower()
        if email and not is_valid_email(email):
            raise AuthError("admin.error.sso_email", f"not an e-mail address: {sso_email!r}")
        email = email or None
    new_role = staff_role_or_none(role)
    if new_role is None:
        raise AuthError("auth.error.role", f"role must be a staff role, got {role!r}")
    try:
        store.update_user(username, role=new_role.value, active=active, sso_email=email)
    except UserChangeRefused as refused:
        raise AuthError(f"admin.error.{refused.reason}", str(refused)) from refused
    detail = {"role": new_role.value, "active": "yes" if active else "no"}
    if email is not False:
        detail["sso"] = "linked" if email else "unlinked"  # never the address itself
    audit.record(store, user, "account.update", username, detail)


def reset_password(store: Store, actor: User | None, username: str, password: str) -> None:
    """Give an account a new password, lift any lock-out, and end the account's sessions
    (whoever was logged in with the old password logs in again)."""
    user = require(actor, Right.MANAGE_ACCOUNTS)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("auth.error.password_short", f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        store.set_password(username, hash_password(password))
    except UserChangeRefused as refused:
        raise AuthError(f"admin.error.{refused.reason}", str(refused)) from refused
    store.delete_sessions_of(username, keep=None)
    audit.record(store, user, "account.password_reset", username)


def all_categories(store: Store, actor: User | None) -> list[Category]:
    """Every category, retired ones included."""
    require(actor, Right.MANAGE_CATEGORIES)
    return store.categories(include_inactive=True)


def save_category(store: Store, actor: User | None, category: Category) -> None:
    """Add a category or change one. A category is never deleted, since reports
    keep pointing at it: retire it with ``active=False`` instead."""
    user = require(actor, Right.MANAGE_CATEGORIES)
    if not CATEGORY_CODE.match(category.code):
        raise AuthError("admin.error.category_code", f"code must match {CATEGORY_CODE.pattern}")
    labels = {lang: category.labels.get(lang, "").strip() for lang in LANGUAGES_NEEDED}
    if not all(labels.values()):
        raise AuthError("admin.error.category_labels", "a label is needed in sv, en and ar")
    help_texts = {lang: category.help.get(lang, "").strip() for lang in LANGUAGES_NEEDED}
    if any(len(v) > MAX_LABEL for v in labels.values()) or any(len(v) > MAX_HELP for v in help_texts.values()):
        raise AuthError("admin.error.category_long", "label or help text too long")
    store.upsert_categories(
        [
            Category(
                code=category.code,
                feeling=Feeling(category.feeling),
                labels=labels,
                help={k: v for k, v in help_texts.items() if v},
                icon=category.icon.strip()[:8],
                sort_order=int(category.sort_order),
                active=bool(category.active),
            )
        ]
    )
    detail = {"label": labels["sv"], "active": "yes" if category.active else "no"}
    audit.record(store, user, "category.save", category.code, detail)
