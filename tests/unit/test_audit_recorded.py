"""The existing staff functions record their actions in the audit log (issue #17): accounts
and roles, categories, zones, imports, exact exports, one's own password; never a password,
an e-mail address or a report's text."""

from __future__ import annotations

import json

import shapely

from geo import admin, audit, zones
from geo.account import change_own_password
from geo.auth import User, add_user
from geo.io import ImportSource, export_layer, import_layer
from geo.model import Category, Feeling, Role, ZoneKind
from geo.store import Store

PASSWORD = "ett långt lösenord"
ADMIN = User("root", Role.ADMIN)
TEAM = User("anna", Role.TEAM)


def logged(store: Store) -> list[tuple[str, str, str, dict[str, str]]]:
    return [(e.actor, e.action, e.target, dict(e.detail)) for e in reversed(audit.entries(store, ADMIN))]


def test_issue_17_account_changes_are_logged_without_passwords_or_addresses(store: Store) -> None:
    add_user(store, "root", PASSWORD, Role.ADMIN)
    admin.create_account(store, ADMIN, "Polis.Bo", PASSWORD, Role.POLICE)
    admin.update_account(store, ADMIN, "polis.bo", role=Role.VIEWER, active=False, sso_email="bo@polisen.se")
    admin.update_account(store, ADMIN, "polis.bo", role=Role.VIEWER, active=True)
    admin.reset_password(store, ADMIN, "polis.bo", PASSWORD + "!")
    assert logged(store) == [
        ("root", "account.create", "polis.bo", {"role": "police"}),
        ("root", "account.update", "polis.bo", {"role": "viewer", "active": "no", "sso": "linked"}),
        ("root", "account.update", "polis.bo", {"role": "viewer", "active": "yes"}),
        ("root", "account.password_reset", "polis.bo", {}),
    ]
    text = audit.to_csv(audit.entries(store, ADMIN)).decode("utf-8-sig")
    assert PASSWORD not in text and "polisen.se" not in text


def test_issue_17_own_password_change_is_logged(store: Store) -> None:
    add_user(store, "anna", PASSWORD, Role.TEAM)
    change_own_password(store, TEAM, PASSWORD, "ett annat långt lösenord", "ett annat långt lösenord")
    assert logged(store) == [("anna", "account.password_change", "anna", {"sessions_ended": "0"})]


def test_issue_17_categories_and_zones_are_logged(filled_store: Store) -> None:
    labels = {"sv": "Klotter", "en": "Graffiti", "ar": "كتابة على الجدران"}
    admin.save_category(filled_store, TEAM, Category("klotter", Feeling.UNSAFE, labels, active=False))
    form = zones.ZoneForm("Torget", ZoneKind.PLATSSAMVERKAN, shapely.box(13.6, 56.46, 13.601, 56.461))
    zone_id = zones.save_zone(filled_store, form, TEAM).zone_id
    assert zone_id is not None
    zones.save_zone(filled_store, form, TEAM, zone_id=zone_id)
    zones.delete_zone(filled_store, zone_id, TEAM)
    assert logged(filled_store) == [
        ("anna", "category.save", "klotter", {"label": "Klotter", "active": "no"}),
        ("anna", "zone.create", zone_id, {"name": "Torget", "kind": "platssamverkan"}),
        ("anna", "zone.update", zone_id, {"name": "Torget", "kind": "platssamverkan"}),
        ("anna", "zone.delete", zone_id, {"name": "Torget"}),
    ]


def test_issue_17_a_refused_change_logs_nothing(filled_store: Store) -> None:
    result = zones.save_zone(filled_store, zones.ZoneForm("", ZoneKind.PLATSSAMVERKAN, None), TEAM)
    assert not result.ok
    assert logged(filled_store) == []


def test_issue_17_imports_and_exact_exports_are_logged_public_exports_are_not(filled_store: Store) -> None:
    feature = {
        "type": "Feature",
        "properties": {"name": "Torget", "kind": "platssamverkan"},
        "geometry": shapely.geometry.mapping(shapely.box(13.6, 56.46, 13.601, 56.461)),
    }
    source = ImportSource("z.geojson", json.dumps({"type": "FeatureCollection", "features": [feature]}).encode())
    import_layer(filled_store, TEAM, source, "zones", dry_run=True)  # a dry run writes nothing
    import_layer(filled_store, TEAM, source, "zones")
    export_layer(filled_store, Role.PUBLIC, "reports", "csv")
    export_layer(filled_store, User("polis", Role.POLICE), "reports", "csv", crs="3006")
    export_layer(filled_store, Role.ADMIN, "zones", "geojson")  # the command line
    export_layer(filled_store, User("politiker", Role.VIEWER), "reports", "geojson")  # the public face
    assert logged(filled_store) == [
        ("anna", "import.layer", "zones", {"mode": "append", "features": "1", "added": "1", "changed": "0",
                                           "removed": "0"}),
        ("polis", "export.exact", "reports", {"format": "csv", "crs": "EPSG:3006", "features": "5"}),
        ("system", "export.exact", "zones", {"format": "geojson", "crs": "EPSG:4326", "features": "3"}),
    ]  # fmt: skip
