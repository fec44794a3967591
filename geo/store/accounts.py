"""Staff accounts: the ``users`` table, asked for in domain terms by `geo.auth` and
`geo.admin` (which hash passwords and decide who may do what)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from geo.model import Role
from geo.store.base import StoreBase
from geo.store.engine import utcnow
from geo.store.tables import users

ADMIN_ROLE = Role.ADMIN.value
"""The role that must keep at least one active account."""


class UserChangeRefused(ValueError):
    """An account cannot be changed so; ``reason``: ``no_user``, ``last_admin`` (the last
    active admin must stay one), ``sso_taken`` (the e-mail is linked to another account)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class UserStore(StoreBase):
    """Staff accounts (mixed into `geo.store.Store`). Moments are UTC-aware."""

    def add_user(self, username: str, password_hash: str, role: str) -> bool:
        """A new active account; False (and nothing written) when the name is taken."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    users.insert().values(
                        username=username,
                        password_hash=password_hash,
                        role=role,
                        active=True,
                        failed_attempts=0,
                        created_at=utcnow(),
                    )
                )
        except sa.exc.IntegrityError:
            return False
        return True

    def user(self, username: str) -> dict[str, Any] | None:
        """Every column of the account ``username`` (password hash included), or None."""
        with self.reading() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
        return None if row is None else dict(row)

    def users(self) -> list[dict[str, Any]]:
        """Every account by name, without its password hash."""
        columns = [c for c in users.columns if c.name != "password_hash"]
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(sa.select(*columns).order_by(users.c.username)).mappings()]

    def active_user_by_sso_email(self, email: str) -> tuple[str, str] | None:
        """``(username, role)`` of the active account linked to ``email`` (lower case), or None."""
        query = sa.select(users.c.username, users.c.role).where(users.c.sso_email == email, users.c.active.is_(True))
        with self.reading() as conn:
            row = conn.execute(query).first()
        return None if row is None else (row.username, row.role)

    def has_admin(self) -> bool:
        with self.reading() as conn:
            return (
                conn.execute(sa.select(users.c.username).where(users.c.role == ADMIN_ROLE).limit(1)).first() is not None
            )

    def login_failed(self, username: str, *, now: dt.datetime, max_failed: int, lockout: dt.timedelta) -> None:
        """Count one more wrong password (in one ``UPDATE``, so concurrent attempts all
        count); at ``max_failed`` the account is locked until ``now + lockout`` and the
        count starts again."""
        with self.engine.begin() as conn:
            conn.execute(
                users.update().where(users.c.username == username).values(failed_attempts=users.c.failed_attempts + 1)
            )
            conn.execute(
                users.update()
                .where(users.c.username == username, users.c.failed_attempts >= max_failed)
                .values(failed_attempts=0, locked_until=now + lockout)
            )

    def login_succeeded(self, username: str, *, password_hash: str | None = None) -> None:
        """Forget the wrong passwords and any lock-out; store ``password_hash`` when given (a rehash)."""
        values: dict[str, object] = {"failed_attempts": 0, "locked_until": None}
        if password_hash is not None:
            values["password_hash"] = password_hash
        with self.engine.begin() as conn:
            conn.execute(users.update().where(users.c.username == username).values(**values))

    def set_password(self, username: str, password_hash: str) -> None:
        """A new password, lock-out lifted; `UserChangeRefused` (``no_user``) for an unknown name."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                users.update()
                .where(users.c.username == username)
                .values(password_hash=password_hash, failed_attempts=0, locked_until=None)
            ).rowcount
        if not changed:
            raise UserChangeRefused("no_user", f"no user {username!r}")

    def update_user(self, username: str, *, role: str, active: bool, sso_email: str | bool | None = False) -> None:
        """Change an account's role and whether it may log in, and its single sign-on
        e-mail unless ``sso_email`` is False (None unlinks), all in one transaction.
        Raises `UserChangeRefused` for an unknown account, for demoting or deactivating
        the last active admin, or for an e-mail linked to another account."""
        values: dict[str, object] = {"role": role, "active": active}
        if sso_email is not False:
            values["sso_email"] = sso_email
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(users.c.role, users.c.active).where(users.c.username == username)).first()
            if row is None:
                raise UserChangeRefused("no_user", f"no user {username!r}")
            if row.role == ADMIN_ROLE and row.active and not (role == ADMIN_ROLE and active):
                admins = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(users)
                    .where(users.c.role == ADMIN_ROLE, users.c.active.is_(True))
                ).scalar()
                if (admins or 0) <= 1:
                    raise UserChangeRefused("last_admin", "the last active admin must stay an active admin")
            if sso_email:
                taken = conn.execute(
                    sa.select(users.c.username).where(users.c.sso_email == sso_email, users.c.username != username)
                ).first()
                if taken:
                    raise UserChangeRefused("sso_taken", f"{sso_email!r} is linked to {taken.username!r}")
            conn.execute(users.update().where(users.c.username == username).values(**values))
