"""Users, roles, password hashing (argon2), lockout and session expiry.

Residents never log in: they are the public. Staff log in with a user name and a
password hashed with argon2id (argon2-cffi). After `MAX_FAILED_ATTEMPTS` wrong
passwords in a row an account is locked for `LOCKOUT`; a wrong password and an
unknown user give the same answer, in about the same time, so a login form does
not tell whether a user exists. A staff session ends after `SESSION_IDLE_LIMIT`
without activity.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.model import Role
from geo.store import Store, users, utcnow

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_IDLE_LIMIT = dt.timedelta(minutes=30)
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
STAFF_ROLES = (Role.TEAM, Role.POLICE, Role.ADMIN)


class AuthError(ValueError):
    """A user cannot be created or changed; ``key`` names the catalogue message."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key


@dataclass(frozen=True)
class User:
    username: str
    role: Role


@dataclass(frozen=True)
class StaffSession:
    """Who is logged in and when they were last active (UTC)."""

    user: User
    last_seen: dt.datetime

    def expired(self, now: dt.datetime | None = None) -> bool:
        return (now or utcnow()) - self.last_seen > SESSION_IDLE_LIMIT

    def touched(self, now: dt.datetime | None = None) -> StaffSession:
        return StaffSession(self.user, now or utcnow())


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so both cases take as long."""
    return _hasher().hash("no such user: constant-time answer")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``, salted."""
    return _hasher().hash(password)


def user_for_sso(store: Store, email: str | None) -> User | None:
    """The active staff account linked to ``email``, the address an OIDC provider
    vouched for (`st.login`); None if no account is linked to it. Single sign-on
    never creates accounts: an admin links them."""
    if not email or "@" not in email:
        return None
    query = sa.select(users.c.username, users.c.role).where(
        users.c.sso_email == email.strip().lower(), users.c.active.is_(True)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else User(row.username, Role(row.role))


def add_user(store: Store, username: str, password: str, role: Role | str) -> User:
    """Create a staff user. Raises `AuthError` for a bad name, a short password, an
    unknown role or a name already taken."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AuthError("auth.error.username", f"username must match {USERNAME_PATTERN.pattern}, got {username!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("auth.error.password_short", f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    try:
        staff_role = Role(role)
    except ValueError:
        staff_role = None
    if staff_role not in STAFF_ROLES:
        allowed = ", ".join(r.value for r in STAFF_ROLES)
        raise AuthError("auth.error.role", f"role must be one of {allowed}, got {role!r}")
    try:
        with store.engine.begin() as conn:
            conn.execute(
                users.insert().values(
                    username=name,
                    password_hash=_hasher().hash(password),
                    role=staff_role.value,
                    active=True,
                    failed_attempts=0,
                    created_at=utcnow().replace(tzinfo=None),
                )
            )
    except sa.exc.IntegrityError as error:
        raise AuthError("auth.error.exists", f"user {name!r} exists already") from error
    return User(name, staff_role)


def authenticate(store: Store, username: str, password: str, *, now: dt.datetime | None = None) -> User | None:
    """The user when name and password match and the account is neither locked nor
    inactive; otherwise None, whatever the reason."""
    now = (now or utcnow()).astimezone(dt.UTC).replace(tzinfo=None)
    name = username.strip().lower()
    with store.engine.begin() as conn:
        row = conn.execute(sa.select(users).where(users.c.username == name)).mappings().first()
        if row is None:
            _verify(_dummy_hash(), password)
            return None
        locked = row["locked_until"] is not None and row["locked_until"] > now
        matches = _verify(row["password_hash"], password)
        if locked or not row["active"]:
            return None
        if not matches:
            failed = row["failed_attempts"] + 1
            values: dict[str, object] = {"failed_attempts": failed}
            if failed >= MAX_FAILED_ATTEMPTS:
                values = {"failed_attempts": 0, "locked_until": now + LOCKOUT}
            conn.execute(users.update().where(users.c.username == name).values(**values))
            return None
        values = {"failed_attempts": 0, "locked_until": None}
        if _hasher().check_needs_rehash(row["password_hash"]):
            values["password_hash"] = _hasher().hash(password)
        conn.execute(users.update().where(users.c.username == name).values(**values))
        return User(name, Role(row["role"]))


def ensure_first_admin(store: Store, password: str | None, username: str = "admin") -> bool:
    """Create the first admin from ``TRYGG_ADMIN_PASSWORD`` when no admin exists.
    Returns True when one was created."""
    if not password:
        return False
    with store.engine.connect() as conn:
        has_admin = conn.execute(sa.select(users.c.username).where(users.c.role == Role.ADMIN.value)).first()
    if has_admin:
        return False
    add_user(store, username, password, Role.ADMIN)
    return True


def list_users(store: Store) -> list[User]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(users.c.username, users.c.role).order_by(users.c.username)).all()
    return [User(r.username, Role(r.role)) for r in rows]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
