"""What every staff member may do to their own account: change their password
(``change_own_password`` in `geo.rights`), with the rules an admin's new account has."""

from __future__ import annotations

from geo import audit
from geo.auth import MIN_PASSWORD_LENGTH, AuthError, User, authenticate, hash_password
from geo.rights import Right, require
from geo.store import Store, UserChangeRefused


def change_own_password(
    store: Store, user: User | None, old: str, new: str, repeated: str, *, session_id: str | None = None
) -> int:
    """Give ``user`` the password ``new`` (typed twice: ``repeated``) once ``old`` proves it is
    them, and end every other session of theirs (a password is changed because it may be known:
    a browser logged in with the old one must not stay in). ``session_id`` is the session the
    change is made from, which stays. A wrong ``old`` counts as a failed log-in (so guessing here
    locks the account as guessing at the log-in does). Raises `AuthError` (``key``:
    ``account.error.old_wrong``, ``account.error.mismatch``, ``auth.error.password_short``);
    recorded in the audit log. Returns how many other sessions were ended."""
    user = require(user, Right.CHANGE_OWN_PASSWORD)
    if new != repeated:
        raise AuthError("account.error.mismatch", "the new password and its repetition differ")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AuthError("auth.error.password_short", f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    found = authenticate(store, user.username, old)
    if found is None or found.username != user.username:
        raise AuthError("account.error.old_wrong", "the current password is wrong")
    try:
        store.set_password(user.username, hash_password(new))
    except UserChangeRefused as refused:  # the account was removed meanwhile
        raise AuthError("account.error.old_wrong", str(refused)) from refused
    ended = store.delete_sessions_of(user.username, keep=session_id)
    audit.record(store, user, "account.password_change", user.username, {"sessions_ended": str(ended)})
    return ended
