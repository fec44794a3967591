"""Issue #17 through AppTest on a real SQLite file (and PostGIS): changing one's own password
on Mitt konto, the admin's audit log, and each role's report panel showing what it may do."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo import audit, zones
from geo.auth import StaffSession, User, add_user, authenticate
from geo.model import Role, ZoneKind
from geo.store import Store, utcnow

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
OLD, NEW = "ett långt lösenord", "ett annat långt lösenord"
ADMIN = User("admin", Role.ADMIN)


@pytest.fixture
def app_db(filled_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("TRYGG_DATABASE_URL", str(filled_store.engine.url))
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    return filled_store


def page(name: str, user: User, lang: str = "sv") -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=TIMEOUT)
    at.session_state["staff_session"] = StaffSession(user, utcnow())
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def change(at: AppTest, old: str, new: str, repeated: str) -> AppTest:
    at.text_input(key="account_old").input(old)
    at.text_input(key="account_new").input(new)
    at.text_input(key="account_repeat").input(repeated)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize(
    ("lang", "wrong_old", "mismatch", "short", "changed"),
    [
        ("sv", "stämmer inte", "inte likadana", "minst 10 tecken", "Ditt lösenord är bytt"),
        ("en", "is not right", "not the same", "at least 10 characters", "Your password has been changed"),
        ("ar", "غير صحيحة", "غير متطابقتين", "10 أحرف", "تم تغيير كلمة المرور"),
    ],
)
def test_issue_17_a_viewer_changes_their_own_password(
    app_db: Store, lang: str, wrong_old: str, mismatch: str, short: str, changed: str
) -> None:
    viewer = add_user(app_db, "politiker.eva", OLD, Role.VIEWER)
    at = page("account.py", viewer, lang)
    assert wrong_old not in " ".join(e.value for e in at.error)
    assert change(at, "fel lösenord!", NEW, NEW).error[0].value.count(wrong_old) == 1
    assert at.text_input(key="account_new").value == NEW  # what was typed stays after a refusal
    assert mismatch in change(at, OLD, NEW, NEW + "x").error[0].value
    assert short in change(at, OLD, "kort", "kort").error[0].value
    assert authenticate(app_db, "politiker.eva", OLD) == viewer  # nothing changed so far
    change(at, OLD, NEW, NEW)
    assert changed in at.success[0].value
    assert at.text_input(key="account_old").value == ""  # emptied once changed
    assert authenticate(app_db, "politiker.eva", NEW) == viewer
    assert authenticate(app_db, "politiker.eva", OLD) is None
    logged = audit.entries(app_db, ADMIN)
    assert [(e.actor, e.action) for e in logged] == [("politiker.eva", "account.password_change")]


def test_issue_17_the_admin_reads_filters_and_downloads_the_audit_log(app_db: Store) -> None:
    add_user(app_db, ADMIN.username, OLD, ADMIN.role)
    team = User("kommun.anna", Role.TEAM)
    form = zones.ZoneForm("Torget", ZoneKind.PLATSSAMVERKAN, shapely.box(13.6, 56.46, 13.601, 56.461))
    zone_id = zones.save_zone(app_db, form, team).zone_id
    assert zone_id is not None
    zones.delete_zone(app_db, zone_id, team)
    at = page("admin.py", ADMIN)
    assert [tab.label for tab in at.tabs] == ["Användare", "Kategorier", "E-post", "Händelselogg"]
    table = at.dataframe[-1].value
    assert list(table["Vad"]) == ["Område borttaget", "Område skapat"]  # newest first
    assert list(table["Vem"]) == ["kommun.anna", "kommun.anna"]
    assert "namn: Torget" in table["Detaljer"].iloc[0]
    at.selectbox(key="admin_audit_action").set_value("account").run()
    assert any("Inga händelser" in info.value for info in at.info)
    at.selectbox(key="admin_audit_action").set_value("zone").run()
    assert len(at.dataframe[-1].value) == 2
    assert at.get("download_button")  # the CSV of what is shown


def test_issue_17_the_team_gets_categories_only_on_the_admin_page(app_db: Store) -> None:
    at = page("admin.py", User("kommun.anna", Role.TEAM))
    assert [tab.label for tab in at.tabs] == ["Kategorier"]
    assert not at.get("download_button")


@pytest.mark.parametrize(
    ("role", "status", "redact"),
    [(Role.VIEWER, False, False), (Role.POLICE, True, False), (Role.TEAM, True, True)],
)
def test_issue_17_the_report_panel_offers_each_role_what_it_may_do(
    app_db: Store, role: Role, status: bool, redact: bool
) -> None:
    at = page("review.py", User("someone", role))
    keys = {w.key for w in at.selectbox} | {w.key for w in at.text_area} | {w.key for w in at.button}
    assert any(str(k).endswith("_save") for k in keys) is status
    assert any(str(k).endswith("_redact") for k in keys) is redact
    assert at.markdown  # the history heading is there for every role
