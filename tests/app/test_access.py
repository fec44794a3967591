"""Who sees what: every page and every data query × anonymous / viewer / team / police / admin.

Pages are run with Streamlit's AppTest on a real SQLite file, as the person would
reach them by typing the address; data queries are called directly, since the
rule is enforced in geo/ and not only by hiding pages.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import admin, moderation, review, zones
from geo.auth import StaffSession, User
from geo.explore import load_layers
from geo.layers import ReportFilter, reports_layer
from geo.model import Category, Feeling, Moderation, Role, Status, ZoneKind
from geo.privacy import PUBLIC_GRID_M
from geo.rights import Right, role_allows
from geo.store import Store, utcnow
from geo.viewstate import ExploreView
from tests.app.conftest import map_reported

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
PEOPLE = {
    "anonymous": None,
    "viewer": User("politiker.eva", Role.VIEWER),
    "team": User("kommun.anna", Role.TEAM),
    "police": User("polis.erik", Role.POLICE),
    "admin": User("admin", Role.ADMIN),
}
STAFF_ONLY = "bara för inloggad personal"
ROLE_REFUSED = "Din roll får inte använda den här sidan"
EVERYONE = {"anonymous", "viewer", "team", "police", "admin"}
STAFF = {"viewer", "team", "police", "admin"}

# page -> who may use it (everyone else gets the refusal in the page's own words), as geo/rights.py says
PAGES = {
    "explore.py": EVERYONE,
    "report.py": EVERYONE,
    "status.py": EVERYONE,
    "promise.py": EVERYONE,
    "review.py": STAFF,
    "moderation.py": {"team", "admin"},
    "zones.py": {"team", "admin"},
    "import_export.py": STAFF,
    "admin.py": {"team", "admin"},  # the team: categories only
    "dossier.py": STAFF,
    "place_editor.py": {"team", "admin"},
    "account.py": STAFF,
}


@pytest.fixture
def app_db(filled_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("TRYGG_DATABASE_URL", str(filled_store.engine.url))
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    monkeypatch.setenv("TRYGG_DEMO_REPORTS", "0")
    return filled_store


def run_page(page: str, person: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=TIMEOUT)
    if PEOPLE[person] is not None:
        at.session_state["staff_session"] = StaffSession(PEOPLE[person], utcnow())
    at.run()
    map_reported(at)
    assert not at.exception, [e.message for e in at.exception]
    return at


def refusal(at: AppTest) -> str | None:
    for error in at.error:
        if STAFF_ONLY in error.value or ROLE_REFUSED in error.value:
            return error.value
    return None


@pytest.mark.parametrize("person", list(PEOPLE))
@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_is_shown_or_refused_by_role(app_db: Store, page: str, person: str) -> None:
    at = run_page(page, person)
    if person in PAGES[page]:
        assert refusal(at) is None
        assert at.title, "the page shows its title"
        assert at.button or at.text_input or at.selectbox, "the page shows its controls"
    else:
        assert refusal(at) is not None
        assert not at.button and not at.text_input and not at.selectbox, "nothing of the page is shown"
        assert not at.dataframe


def test_anonymous_explore_table_lists_only_published_reports(app_db: Store) -> None:
    public = run_page("explore.py", "anonymous")
    staff = run_page("explore.py", "police")
    assert not public.dataframe  # the public asks for the table
    public.toggle(key="explore_show_table").set_value(True).run()
    assert len(public.dataframe[0].value) == 4  # the four published ones of the six
    assert len(staff.dataframe[0].value) == 5  # plus the pending one; never the rejected one


@pytest.mark.parametrize("person", list(PEOPLE))
def test_report_queries_follow_the_viewers_role(app_db: Store, person: str) -> None:
    user = PEOPLE[person]
    role = Role.PUBLIC if user is None else user.role
    layer = reports_layer(app_db, ReportFilter(), viewer=role)
    layers = load_layers(app_db, ExploreView(), viewer=role)
    exact = reports_layer(app_db, ReportFilter(), viewer=Role.TEAM).set_index("id")
    if user is None:
        assert set(layer["moderation"]) == {Moderation.PUBLISHED.value}
        shown = layers.reports.set_index("id")
        moved = shown.geometry.to_crs("EPSG:3006").distance(exact.loc[shown.index].geometry.to_crs("EPSG:3006"))
        assert (moved > 0).all() and (moved <= PUBLIC_GRID_M / 2 * 2**0.5 + 0.01).all()
    elif user.role is Role.VIEWER:  # exact places, but no text that moderation has not checked yet
        assert set(layer["moderation"]) == {Moderation.PUBLISHED.value}
        shown = layers.reports.set_index("id")
        assert shown.geometry.geom_equals(exact.loc[shown.index].geometry).all()
    else:
        assert set(layer["moderation"]) == {Moderation.PUBLISHED.value, Moderation.PENDING.value}
        shown = layers.reports.set_index("id")
        assert shown.geometry.geom_equals(exact.loc[shown.index].geometry).all()


def _calls(store: Store, user: User | None) -> dict[str, object]:
    report_id = reports_layer(store, ReportFilter(), viewer=Role.TEAM)["id"].iloc[0]
    zone_id = store.zones()[0].id
    form = zones.ZoneForm("Ny", ZoneKind.PLATSSAMVERKAN, zones.check_shape(None).geometry)
    category = Category("ny_kategori", Feeling.UNSAFE, {"sv": "Ny", "en": "New", "ar": "جديد"})
    return {
        "pending_reports": lambda: moderation.pending_reports(store, user),
        "moderate": lambda: moderation.moderate(store, [], Moderation.PUBLISHED, user),
        "change_status": lambda: moderation.change_status(store, report_id, Status.CONFIRMED, user),
        "history": lambda: moderation.history(store, report_id, user),
        "redact_text": lambda: moderation.redact_text(store, report_id, "kort", user),
        "review_areas": lambda: review.review_areas(store, user),
        "review_area": lambda: review.review_area(store, zone_id, user, today=dt.date(2026, 11, 1)),
        "save_zone": lambda: zones.save_zone(store, form, user),
        "accounts": lambda: admin.accounts(store, user),
        "create_account": lambda: admin.create_account(store, user, "ny.person", "ett långt lösenord", Role.TEAM),
        "save_category": lambda: admin.save_category(store, user, category),
    }


NEEDS = {
    "pending_reports": Right.MODERATE,
    "moderate": Right.MODERATE,
    "change_status": Right.SET_STATUS,
    "history": Right.VIEW_STAFF,
    "redact_text": Right.MODERATE,
    "review_areas": Right.VIEW_STAFF,
    "review_area": Right.VIEW_STAFF,
    "save_zone": Right.MANAGE_ZONES,
    "accounts": Right.MANAGE_ACCOUNTS,
    "create_account": Right.MANAGE_ACCOUNTS,
    "save_category": Right.MANAGE_CATEGORIES,
}


@pytest.mark.parametrize("person", list(PEOPLE))
def test_every_staff_and_admin_query_refuses_the_wrong_role(app_db: Store, person: str) -> None:
    user = PEOPLE[person]
    allowed = {name for name, right in NEEDS.items() if user is not None and role_allows(user.role, right)}
    for name, call in _calls(app_db, user).items():
        if name in allowed:
            call()
        else:
            with pytest.raises(PermissionError):
                call()
