"""Users, roles, password hashing (argon2), lockout and session expiry.

Residents never log in: they are the public. Staff log in with a user name and a
password hashed with argon2id (argon2-cffi). After `MAX_FAILED_ATTEMPTS` wrong
passwords in a row an account is locked for `LOCKOUT`; a wrong password and an
unknown user give the same answer, in about the same time, so a login form does
not tell whether a user exists. A staff session ends after `SESSION_IDLE_LIMIT`
without activity.

Sessions live in the database (`geo.store.sessions`), so a staff member stays logged in
across a reload, a bookmark or a typed address, and whichever process serves them: the
log-in makes a row and a one-time hand-off code; the browser trades the code (once,
within `HANDOFF_LIFETIME`) for a random token in an HTTP-only cookie
(`geo.session_routes`); on a new page load the token finds the row again. Only SHA-256
hashes of codes and tokens are stored. The idle limit is checked on the row, so it holds
for every tab and process; logging out deletes the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.model import Role
from geo.store import Store, utcnow

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
SESSION_IDLE_LIMIT = dt.timedelta(minutes=30)
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
STAFF_ROLES = (Role.VIEWER, Role.TEAM, Role.POLICE, Role.ADMIN)
"""Roles of accounts; what each may do is `geo.rights`' table."""
_ACTING_ROLES = (Role.TEAM, Role.POLICE, Role.ADMIN)
SESSION_COOKIE = "trygg_staff"
"""The HTTP-only cookie that carries a staff session's token."""
HANDOFF_LIFETIME = dt.timedelta(minutes=2)
"""How long after logging in the browser may trade its one-time code for the cookie."""
TOUCH_EVERY = dt.timedelta(minutes=1)
"""A session's row records activity at most this often (each page run reads it)."""
MAX_SECRET_LENGTH = 128


def check_staff(actor: User | None, doing: str) -> User:
    """``actor`` when it is staff that acts (not a read-only viewer); otherwise
    `PermissionError`. Superseded by `geo.rights.require`, which names the one right needed."""
    if actor is None or actor.role not in _ACTING_ROLES:
        raise PermissionError(f"only staff may {doing}, got {actor!r}")
    return actor


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
    """Who is logged in and when they were last active (UTC); ``session_id`` names the
    session's row in the database (None: a session held by this page's state alone)."""

    user: User
    last_seen: dt.datetime
    session_id: str | None = None

    def expired(self, now: dt.datetime | None = None) -> bool:
        return (now or utcnow()) - self.last_seen > SESSION_IDLE_LIMIT

    def touched(self, now: dt.datetime | None = None) -> StaffSession:
        return StaffSession(self.user, now or utcnow(), self.session_id)


@dataclass(frozen=True)
class NewSession:
    """A session just started, and the one-time code its browser trades for the cookie."""

    session: StaffSession
    handoff: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def start_session(store: Store, user: User, *, now: dt.datetime | None = None) -> NewSession:
    """A database session for ``user`` (just authenticated) and its hand-off code."""
    now = now or utcnow()
    session_id, handoff = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    store.insert_session(session_id, _digest(handoff), user.username, now)
    return NewSession(StaffSession(user, now, session_id), handoff)


def issue_cookie_token(store: Store, handoff: str, *, now: dt.datetime | None = None) -> str | None:
    """The token for the session's cookie, in exchange for its hand-off code (once, within
    `HANDOFF_LIFETIME` of logging in); None for any other code."""
    if not handoff or len(handoff) > MAX_SECRET_LENGTH:
        return None
    token = secrets.token_urlsafe(32)
    since = (now or utcnow()) - HANDOFF_LIFETIME
    return token if store.trade_handoff(_digest(handoff), _digest(token), since) else None


def _live(store: Store, row: object | None, now: dt.datetime, last_seen: dt.datetime | None) -> StaffSession | None:
    """The session of ``row`` if its account is active and it has not been idle too long
    (a session found idle is deleted); its row records activity at most every `TOUCH_EVERY`."""
    if row is None:
        return None
    seen = max(_as_utc(row.last_seen), last_seen or _as_utc(row.last_seen))  # type: ignore[attr-defined]
    if now - seen > SESSION_IDLE_LIMIT or not row.active:  # type: ignore[attr-defined]
        store.delete_session(row.id)  # type: ignore[attr-defined]
        return None
    if now - _as_utc(row.last_seen) >= TOUCH_EVERY:  # type: ignore[attr-defined]
        store.touch_session(row.id, now)  # type: ignore[attr-defined]
    return StaffSession(User(row.username, Role(row.role)), now, row.id)  # type: ignore[attr-defined]


def resume_session(store: Store, token: str | None, *, now: dt.datetime | None = None) -> StaffSession | None:
    """The session whose cookie holds ``token`` (a reload, a bookmark, a typed address),
    unless it was idle longer than `SESSION_IDLE_LIMIT`, ended, or its account was deactivated."""
    if not token or len(token) > MAX_SECRET_LENGTH:
        return None
    row = store.session_by_token(_digest(token))
    return _live(store, row, _as_utc(now or utcnow()), None)


def keep_session(store: Store, session: StaffSession, *, now: dt.datetime | None = None) -> StaffSession | None:
    """``session`` marked active now, or None once it has ended: idle too long (here or in
    another tab), logged out, or its account deactivated. A session without a row (held by
    the page's state alone) only has its idle limit checked."""
    now = _as_utc(now or utcnow())
    if session.session_id is None:
        return None if session.expired(now) else session.touched(now)
    row = store.session_by_id(session.session_id)
    return _live(store, row, now, _as_utc(session.last_seen))


def end_session(store: Store, session: StaffSession | None = None, *, token: str | None = None) -> None:
    """Log out: delete the session's row (by the page's session, or by the cookie's token)."""
    if session is not None and session.session_id is not None:
        store.delete_session(session.session_id)
    if token and len(token) <= MAX_SECRET_LENGTH:
        store.delete_session_by_token(_digest(token))


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
    found = store.active_user_by_sso_email(email.strip().lower())
    return None if found is None else User(found[0], Role(found[1]))


def add_user(store: Store, username: str, password: str, role: Role | str) -> User:
    """Create a staff user. Raises `AuthError` for a bad name, a short password, an
    unknown role or a name already taken."""
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AuthError("auth.error.username", f"username must match {USERNAME_PATTERN.pattern}, got {username!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("auth.error.password_short", f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    staff_role = staff_role_or_none(role)
    if staff_role is None:
        allowed = ", ".join(r.value for r in STAFF_ROLES)
        raise AuthError("auth.error.role", f"role must be one of {allowed}, got {role!r}")
    if not store.add_user(name, _hasher().hash(password), staff_role.value):
        raise AuthError("auth.error.exists", f"user {name!r} exists already")
    return User(name, staff_role)


def staff_role_or_none(role: Role | str) -> Role | None:
    """``role`` as a staff `Role`, or None when it names none."""
    try:
        found = Role(role)
    except ValueError:
        return None
    return found if found in STAFF_ROLES else None


def authenticate(store: Store, username: str, password: str, *, now: dt.datetime | None = None) -> User | None:
    """The user when name and password match and the account is neither locked nor
    inactive; otherwise None, whatever the reason."""
    now = now or utcnow()
    name = username.strip().lower()
    row = store.user(name)
    if row is None:
        _verify(_dummy_hash(), password)
        return None
    locked = row["locked_until"] is not None and row["locked_until"] > now
    matches = _verify(row["password_hash"], password)
    if locked or not row["active"]:
        return None
    if not matches:
        store.login_failed(name, now=now, max_failed=MAX_FAILED_ATTEMPTS, lockout=LOCKOUT)
        return None
    rehash = _hasher().hash(password) if _hasher().check_needs_rehash(row["password_hash"]) else None
    store.login_succeeded(name, password_hash=rehash)
    return User(name, Role(row["role"]))


def ensure_first_admin(store: Store, password: str | None, username: str = "admin") -> bool:
    """Create the first admin from ``TRYGG_ADMIN_PASSWORD`` when no admin exists.
    Returns True when one was created."""
    if not password or store.has_admin():
        return False
    add_user(store, username, password, Role.ADMIN)
    return True


def list_users(store: Store) -> list[User]:
    return [User(r["username"], Role(r["role"])) for r in store.users()]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
