"""Who may do what: the rights table, as data, and its two checks.

Every staff entry point of `geo` asks `require` (or `allowed`) for the one `Right` it
needs; the pages ask `allowed` to show each role only what it may use, and `geo` checks
again, so a typed address or a forged widget value changes nothing. The README holds the
same table (a test checks that they agree).

Decisions:

- **The municipality's team** moderates residents' text, sets status and public
  comments, and manages zones, meeting places, categories and actions; it may import and
  make exact exports.
- **The police** review the medborgarlöften areas, follow their promises up, and set
  status and public comments on reports **anywhere in the municipality**, not only inside
  their areas: a report a few metres outside an area (the dark path leading to it) is
  often the police's matter too, an area's outline is drawn for follow-up, not as a limit
  of the police's work, and the public comment is signed by the status history either
  way. They do not moderate: publishing a resident's words is the municipality's
  decision, as the controller of the data (personuppgiftsansvarig).
- **The admin** does everything, and alone manages accounts and settings and reads the
  audit log (`geo.audit`).
- **Viewers** (politicians, partners in platssamverkan) only look: the staff views of
  published reports at their exact places and the areas' reviews, no report waiting for
  moderation (its text is not checked yet), no change, no exact export.
- **Dossiers** (a zone's actions, meetings and organisations, `geo.actions.require_dossier`):
  the team and the admin edit every place's dossier; the police edit the dossier of a zone
  where the police take part, that is where an organisation of the kind *polis* is listed
  among its organisations and has not left (`WHERE_LISTED`): a platssamverkan is run by those
  who take part in it, and the team decides who does by listing them; viewers edit none.
- Every staff member may change their own password.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping

from geo.auth import User
from geo.model import Role


class Right(enum.StrEnum):
    """One thing staff may be allowed to do; codes are stable (README, tests, catalogue ``right.<code>``)."""

    VIEW_STAFF = "view_staff"
    """See the staff views: exact places, report histories, the areas' reviews."""
    VIEW_PENDING = "view_pending"
    """See reports waiting for moderation (their text not checked yet)."""
    MODERATE = "moderate"
    """Publish, reject or redact residents' reports."""
    SET_STATUS = "set_status"
    """Change a report's status, write its public comment, mark it a duplicate."""
    MANAGE_ZONES = "manage_zones"
    MANAGE_PLACES = "manage_places"
    """Meeting places (mötesplatser)."""
    MANAGE_CATEGORIES = "manage_categories"
    MANAGE_ACTIONS = "manage_actions"
    """Åtgärder and their dossiers."""
    FOLLOW_UP_PROMISES = "follow_up_promises"
    """The medborgarlöften areas' activity log."""
    MAKE_LAGESBILD = "make_lagesbild"
    EXPORT_EXACT = "export_exact"
    """Export layers as stored: reports at their exact places, with ids."""
    IMPORT = "import"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_SETTINGS = "manage_settings"
    """The municipality's settings, its boundary included."""
    VIEW_AUDIT = "view_audit"
    CHANGE_OWN_PASSWORD = "change_own_password"


_EVERY_STAFF = frozenset({Role.VIEWER, Role.POLICE, Role.TEAM, Role.ADMIN})
_ACTING = frozenset({Role.POLICE, Role.TEAM, Role.ADMIN})
_MUNICIPALITY = frozenset({Role.TEAM, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})

WHO: Mapping[Right, frozenset[Role]] = {
    Right.VIEW_STAFF: _EVERY_STAFF,
    Right.VIEW_PENDING: _ACTING,
    Right.MODERATE: _MUNICIPALITY,
    Right.SET_STATUS: _ACTING,
    Right.MANAGE_ZONES: _MUNICIPALITY,
    Right.MANAGE_PLACES: _MUNICIPALITY,
    Right.MANAGE_CATEGORIES: _MUNICIPALITY,
    Right.MANAGE_ACTIONS: _MUNICIPALITY,
    Right.FOLLOW_UP_PROMISES: _ACTING,
    Right.MAKE_LAGESBILD: _ACTING,
    Right.EXPORT_EXACT: _ACTING,
    Right.IMPORT: _MUNICIPALITY,
    Right.MANAGE_ACCOUNTS: _ADMIN,
    Right.MANAGE_SETTINGS: _ADMIN,
    Right.VIEW_AUDIT: _ADMIN,
    Right.CHANGE_OWN_PASSWORD: _EVERY_STAFF,
}
"""The rights table: each right and the roles that hold it. The public holds none."""

WHERE_LISTED: Mapping[Right, Mapping[Role, str]] = {Right.MANAGE_ACTIONS: {Role.POLICE: "polis"}}
"""Rights a role holds besides the table, only in the places where an organisation of its kind
(`geo.actions.ActorKind` value) is listed and has not left: the police edit the dossiers of
the zones they take part in."""

TABLE_ROLES: tuple[Role, ...] = (Role.VIEWER, Role.POLICE, Role.TEAM, Role.ADMIN)
"""The roles of the table's columns, from least to most."""


def role_allows(role: Role | None, right: Right) -> bool:
    """Whether ``role`` holds ``right`` (the public and None hold none)."""
    return role is not None and role in WHO[Right(right)]


def allowed(user: User | None, right: Right) -> bool:
    """Whether ``user`` (None: nobody logged in) may do ``right``."""
    return user is not None and role_allows(user.role, right)


def require(user: User | None, right: Right) -> User:
    """``user`` when it may do ``right``; otherwise `PermissionError` naming the right and the user."""
    if not allowed(user, right):
        raise PermissionError(f"{Right(right).value!r} is not allowed to {user!r}")
    assert user is not None
    return user


def allowed_where(user: User | None, right: Right, listed: Collection[str]) -> bool:
    """Whether ``user`` may do ``right`` in a place whose listed organisations (still taking
    part) are of the kinds ``listed``: by the table (`WHO`), or by `WHERE_LISTED`."""
    if allowed(user, right):
        return True
    kind = WHERE_LISTED.get(Right(right), {}).get(user.role) if user is not None else None
    return kind is not None and kind in listed


def require_where(user: User | None, right: Right, listed: Collection[str]) -> User:
    """``user`` when it may do ``right`` in a place with ``listed`` (`allowed_where`); otherwise
    `PermissionError`."""
    if not allowed_where(user, right, listed):
        raise PermissionError(f"{Right(right).value!r} is not allowed to {user!r} here")
    assert user is not None
    return user


def rights_of(role: Role) -> frozenset[Right]:
    """Every right ``role`` holds."""
    return frozenset(right for right, roles in WHO.items() if role in roles)
