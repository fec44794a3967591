"""Every cell of the rights table, through the real `geo` entry points (issue #17): for each
right, each function that needs it is called by each role on a filled database (both
backends); a role the table allows gets its way, any other gets `PermissionError` (or, where
a refusal is a narrower view rather than an error, that narrower view)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
import shapely

from geo import (
    actions,
    admin,
    audit,
    dossier,
    lagesbild,
    moderation,
    municipality,
    outbox,
    place_editor,
    promises,
    review,
    zones,
)
from geo.account import change_own_password
from geo.auth import User, add_user
from geo.io import ImportSource, export_layer, import_layer
from geo.layers import ReportFilter, reports_layer
from geo.model import Category, Feeling, Moderation, Role, Status, ZoneKind
from geo.rights import TABLE_ROLES, WHO, Right
from geo.store import ReportQuery, Store

PASSWORD = "ett långt lösenord"
ROOT = User("root", Role.ADMIN)
SQUARE = shapely.box(13.6, 56.46, 13.601, 56.461)
"""A small polygon inside Centrum (EPSG:4326)."""

Attempt = Callable[[Store, User], object]
"""Calls one entry point as the user; its answer is not looked at (only whether it refused)."""


def _report(store: Store, moderation_state: str, *, inside: bool = True) -> str:
    """The id of a report in the given moderation state, inside Centrum (a medborgarlöfte
    area) or outside every medborgarlöfte area."""
    frame = store.reports_frame(ReportQuery(moderation=(moderation_state,)))
    centrum = shapely.box(13.59, 56.45, 13.61, 56.47)
    for row in frame.itertuples():
        if centrum.covers(shapely.Point(row.lon, row.lat)) == inside:
            return str(row.id)
    raise LookupError(moderation_state)


def _zone_id(store: Store, name: str) -> str:
    return next(z.id for z in store.zones() if z.name == name)


def _form(name: str = "Torget") -> zones.ZoneForm:
    return zones.ZoneForm(name, ZoneKind.PLATSSAMVERKAN, SQUARE)


def _draft(store: Store) -> actions.ActionDraft:
    start, due = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
    zone = _zone_id(store, "Stationen")
    return actions.ActionDraft(
        title="Ny belysning", organisation="Kommunen", start_date=start, due_date=due, zone_id=zone
    )


def _refused_unless(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionError(what)


def view_pending_on_the_map(store: Store, user: User) -> None:
    shown = reports_layer(store, ReportFilter(), viewer=user.role)
    _refused_unless((shown["moderation"] == Moderation.PENDING.value).any(), "no pending report shown")


def view_pending_in_an_area(store: Store, user: User) -> None:
    found = review.review_area(store, _zone_id(store, "Centrum"), user)
    assert found is not None
    _refused_unless((found.reports["moderation"] == Moderation.PENDING.value).any(), "no pending report shown")


def export_exact(store: Store, user: User) -> None:
    exported = json.loads(export_layer(store, user, "reports", "geojson").data)
    ids = {f["properties"].get("id") for f in exported["features"]}
    _refused_unless(ids != {None}, "the public face was exported")


def change_status_inside_an_area(store: Store, user: User) -> None:
    moderation.change_status(store, _report(store, "published"), Status.CONFIRMED, user, public_comment="Vi tittar")


def change_status_outside_every_area(store: Store, user: User) -> None:
    report_id = _report(store, "published", inside=False)
    moderation.change_status(store, report_id, Status.ACTION_PLANNED, user, public_comment="Lampa beställd")


def mark_duplicate(store: Store, user: User) -> None:
    code = store.reports_frame(ReportQuery(ids=(_report(store, "published"),)))["ref_code"].iloc[0]
    moderation.mark_duplicate(store, _report(store, "published", inside=False), code, user)


def save_category(store: Store, user: User) -> None:
    labels = {"sv": "Klotter", "en": "Graffiti", "ar": "كتابة على الجدران"}
    admin.save_category(store, user, Category("klotter", Feeling.UNSAFE, labels))


def change_own_password_(store: Store, user: User) -> None:
    if user.role is not Role.PUBLIC:
        add_user(store, user.username, PASSWORD, user.role)
    change_own_password(store, user, PASSWORD, "ett nytt långt lösenord", "ett nytt långt lösenord")


def _geojson(name: str) -> ImportSource:
    properties = {"name": name, "kind": "platssamverkan"}
    feature = {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(SQUARE)}
    return ImportSource("f.geojson", json.dumps({"type": "FeatureCollection", "features": [feature]}).encode())


ENTRY_POINTS: dict[Right, dict[str, Attempt]] = {
    Right.VIEW_STAFF: {
        "actions": lambda s, u: actions.actions(s, u),
        "meetings": lambda s, u: dossier.meetings(s, _zone_id(s, "Stationen"), u),
        "review_areas": lambda s, u: review.review_areas(s, u),
        "review_area": lambda s, u: review.review_area(s, _zone_id(s, "Centrum"), u),
        "history": lambda s, u: moderation.history(s, _report(s, "published"), u),
    },
    Right.VIEW_PENDING: {"map": view_pending_on_the_map, "area_review": view_pending_in_an_area},
    Right.MODERATE: {
        "pending_reports": lambda s, u: moderation.pending_reports(s, u),
        "publish": lambda s, u: moderation.moderate(s, [_report(s, "pending")], Moderation.PUBLISHED, u),
        "reject": lambda s, u: moderation.moderate(s, [_report(s, "pending")], Moderation.REJECTED, u, reason="other"),
        "redact": lambda s, u: moderation.redact_text(s, _report(s, "published"), "[borttaget]", u),
    },
    Right.SET_STATUS: {
        "inside_an_area": change_status_inside_an_area,
        "outside_every_area": change_status_outside_every_area,
        "duplicate": mark_duplicate,
    },
    Right.MANAGE_ZONES: {
        "create": lambda s, u: zones.save_zone(s, _form(), u),
        "update": lambda s, u: zones.save_zone(s, _form("Stationen"), u, zone_id=_zone_id(s, "Stationen")),
        "delete": lambda s, u: zones.delete_zone(s, _zone_id(s, "Stationen"), u),
    },
    Right.MANAGE_CATEGORIES: {
        "list": lambda s, u: admin.all_categories(s, u),
        "save": save_category,
    },
    Right.MANAGE_ACTIONS: {
        "create_action": lambda s, u: actions.create_action(s, _draft(s), u),
        "add_partner": lambda s, u: dossier.add_actor(
            s, _zone_id(s, "Stationen"), u, organisation="Fastighet AB", kind=next(iter(dossier.ActorKind)).value
        ),
    },
    Right.MANAGE_PLACES: {
        "create": lambda s, u: place_editor.save_place(
            s, place_editor.PlaceForm(name="Språkcafé", lon=13.6, lat=56.46), u, boundary=None
        ),
    },
    Right.IMPORT: {"zones": lambda s, u: import_layer(s, u, _geojson("Torget"), "zones")},
    Right.EXPORT_EXACT: {"reports": export_exact},
    Right.MANAGE_ACCOUNTS: {
        "list": lambda s, u: admin.accounts(s, u),
        "create": lambda s, u: admin.create_account(s, u, "ny.polis", PASSWORD, Role.POLICE),
        "update": lambda s, u: admin.update_account(s, u, "root", role=Role.ADMIN, active=True),
        "reset_password": lambda s, u: admin.reset_password(s, u, "root", PASSWORD + "!"),
    },
    Right.FOLLOW_UP_PROMISES: {
        "add_activity": lambda s, u: promises.add_activity(s, _zone_id(s, "Centrum"), "Trygghetsvandring i oktober", u),
    },
    Right.MANAGE_SETTINGS: {
        "texts": lambda s, u: municipality.update_texts(s, u, {}, name="Testkommun"),
        "mail_overview": lambda s, u: outbox.overview(s, u),
        "boundary_import": lambda s, u: import_layer(s, u, _geojson("Ny"), "boundary"),
    },
    Right.VIEW_AUDIT: {
        "entries": lambda s, u: audit.entries(s, u),
        "actors": lambda s, u: audit.actors(s, u),
        "csv": lambda s, u: audit.to_csv(audit.entries(s, u)),
    },
    Right.CHANGE_OWN_PASSWORD: {"change": change_own_password_},
    Right.MAKE_LAGESBILD: {
        "document": lambda s, u: lagesbild.make(
            s, actor=u, zone=None, date_from=None, date_to=None, lang="sv", today=dt.date(2026, 11, 30)
        ),
    },
}

NOT_YET_IN_GEO: set[Right] = set()
"""Rights whose entry points other work adds: each gets its cells here when it lands."""

CELLS = [
    pytest.param(role, right, name, id=f"{right.value}-{name}-{role.value}")
    for right, attempts in ENTRY_POINTS.items()
    for name in attempts
    for role in (Role.PUBLIC, *TABLE_ROLES)
]


def test_issue_17_every_right_has_its_entry_points_here() -> None:
    assert set(ENTRY_POINTS) | NOT_YET_IN_GEO == set(Right)


@pytest.mark.parametrize(("role", "right", "entry"), CELLS)
def test_issue_17_each_cell_is_enforced_in_geo(filled_store: Store, role: Role, right: Right, entry: str) -> None:
    if right is Right.MANAGE_ACCOUNTS:
        add_user(filled_store, ROOT.username, PASSWORD, ROOT.role)
    attempt = ENTRY_POINTS[right][entry]
    user = User(f"someone.{role.value}", role)
    if role in WHO[right]:
        attempt(filled_store, user)
    else:
        with pytest.raises(PermissionError):
            attempt(filled_store, user)


def test_issue_17_nobody_logged_in_is_refused_everywhere(filled_store: Store) -> None:
    for right, attempts in ENTRY_POINTS.items():
        for name, attempt in attempts.items():
            if right in (Right.VIEW_PENDING, Right.EXPORT_EXACT, Right.CHANGE_OWN_PASSWORD):
                continue  # these take a user's role: the public's cells cover them
            with pytest.raises(PermissionError):
                attempt(filled_store, None)  # type: ignore[arg-type]
            assert name


# -- which place's dossier: the team every one, the police where they take part (#21) ----------

DOSSIER_ENTRIES: dict[str, Callable[[Store, User, str], object]] = {
    "create_action": lambda s, u, z: actions.create_action(
        s, actions.ActionDraft(title="Lampa", organisation="Kommunen", start_date=dt.date(2026, 11, 1),
                               due_date=dt.date(2026, 12, 1), zone_id=z), u),
    "change_status": lambda s, u, z: actions.change_status(s, _team_action(s, z), actions.ActionStatus.ONGOING, u),
    "mark_done": lambda s, u, z: actions.mark_done(s, _team_action(s, z), u),
    "link_reports": lambda s, u, z: actions.link_reports(s, _team_action(s, z), "", u),
    "record_meeting": lambda s, u, z: dossier.record_meeting(s, z, u, held_on=dt.date(2026, 11, 2), present=[]),
    "add_partner": lambda s, u, z: dossier.add_actor(s, z, u, organisation="Fastighet AB", kind="fastighetsagare"),
    "partner_leaves": lambda s, u, z: dossier.actor_leaves(
        s, dossier.add_actor(s, z, TEAM_USER, organisation="Butiken", kind="naringsidkare").id, u),
}  # fmt: skip
TEAM_USER = User("kommun.anna", Role.TEAM)


def _team_action(store: Store, zone_id: str) -> str:
    draft = actions.ActionDraft(
        title="Röja sly", organisation="Kommunen", start_date=dt.date(2026, 11, 1), due_date=dt.date(2026, 12, 1),
        zone_id=zone_id,
    )  # fmt: skip
    return actions.create_action(store, draft, TEAM_USER).id


@pytest.mark.parametrize("listed", [True, False], ids=["police-listed", "police-not-listed"])
@pytest.mark.parametrize("entry", list(DOSSIER_ENTRIES))
@pytest.mark.parametrize("role", [Role.PUBLIC, *TABLE_ROLES], ids=lambda r: r.value)
def test_issue_21_the_rights_table_decides_who_edits_which_places_dossier(
    filled_store: Store, role: Role, entry: str, listed: bool
) -> None:
    zone = _zone_id(filled_store, "Stationen")
    if listed:
        dossier.add_actor(filled_store, zone, TEAM_USER, organisation="Polisen i Markaryd", kind="polis")
    user = User(f"someone.{role.value}", role)
    may = role in (Role.TEAM, Role.ADMIN) or (role is Role.POLICE and listed)
    assert actions.may_edit_dossier(filled_store, zone, user) is may
    if may:
        DOSSIER_ENTRIES[entry](filled_store, user, zone)
    else:
        with pytest.raises(PermissionError):
            DOSSIER_ENTRIES[entry](filled_store, user, zone)


def test_issue_21_the_police_edit_a_dossier_only_while_they_take_part(filled_store: Store) -> None:
    police = User("polis.erik", Role.POLICE)
    stationen, centrum = _zone_id(filled_store, "Stationen"), _zone_id(filled_store, "Centrum")
    taking_part = dossier.add_actor(filled_store, stationen, TEAM_USER, organisation="Polisen", kind="polis")
    dossier.record_meeting(filled_store, stationen, police, held_on=dt.date(2026, 11, 2), present=["Polisen"])
    assert not actions.may_edit_dossier(filled_store, centrum, police), "only where they are listed"
    assert not actions.may_edit_dossier(filled_store, None, police), "an action of no zone is the municipality's"
    dossier.actor_leaves(filled_store, taking_part.id, TEAM_USER)
    with pytest.raises(PermissionError):
        dossier.record_meeting(filled_store, stationen, police, held_on=dt.date(2026, 11, 3), present=[])
    assert actions.may_edit_dossier(filled_store, stationen, TEAM_USER)
