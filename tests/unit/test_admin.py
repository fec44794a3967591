"""Admin work: accounts and categories, with the last admin protected."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.account import change_own_password
from geo.admin import accounts, all_categories, create_account, reset_password, save_category, update_account
from geo.auth import AuthError, User, add_user, authenticate, keep_session, start_session, user_for_sso
from geo.cli import main
from geo.model import Category, Feeling, Role
from geo.store import Store, StoreError

ADMIN = User("admin", Role.ADMIN)
PASSWORD = "ett långt lösenord"


@pytest.fixture
def with_admin(store: Store) -> Store:
    add_user(store, "admin", PASSWORD, Role.ADMIN)
    return store


def test_admin_creates_an_account_that_can_log_in_and_then_deactivates_it(with_admin: Store) -> None:
    create_account(with_admin, ADMIN, "Polis.Erik", "polisens lösenord", "police")
    assert authenticate(with_admin, "polis.erik", "polisens lösenord") == User("polis.erik", Role.POLICE)
    update_account(with_admin, ADMIN, "polis.erik", role=Role.TEAM, active=False)
    assert authenticate(with_admin, "polis.erik", "polisens lösenord") is None
    found = {a.username: a for a in accounts(with_admin, ADMIN)}
    assert (found["polis.erik"].role, found["polis.erik"].active) == (Role.TEAM, False)


def test_reset_password_lifts_a_lockout(with_admin: Store) -> None:
    create_account(with_admin, ADMIN, "kommun.anna", "annas lösenord", Role.TEAM)
    for _ in range(5):
        authenticate(with_admin, "kommun.anna", "fel")
    assert {a.username: a for a in accounts(with_admin, ADMIN)}["kommun.anna"].locked
    reset_password(with_admin, ADMIN, "kommun.anna", "ett nytt lösenord")
    assert authenticate(with_admin, "kommun.anna", "ett nytt lösenord") == User("kommun.anna", Role.TEAM)
    with pytest.raises(AuthError) as short:
        reset_password(with_admin, ADMIN, "kommun.anna", "kort")
    assert short.value.key == "auth.error.password_short"


@pytest.mark.parametrize(("role", "active"), [(Role.TEAM, True), (Role.ADMIN, False)])
def test_the_last_active_admin_cannot_be_demoted_or_deactivated(with_admin: Store, role: Role, active: bool) -> None:
    with pytest.raises(AuthError) as refused:
        update_account(with_admin, ADMIN, "admin", role=role, active=active)
    assert refused.value.key == "admin.error.last_admin"
    create_account(with_admin, ADMIN, "admin2", PASSWORD, Role.ADMIN)
    update_account(with_admin, ADMIN, "admin", role=role, active=active)  # another admin remains


def test_categories_need_a_code_and_three_languages_and_are_retired_not_deleted(store: Store) -> None:
    labels = {"sv": "Mörk busshållplats", "en": "Dark bus stop", "ar": "موقف حافلات مظلم"}
    with pytest.raises(AuthError) as bad_code:
        save_category(store, ADMIN, Category("Mörk hållplats", Feeling.UNSAFE, labels))
    assert bad_code.value.key == "admin.error.category_code"
    with pytest.raises(AuthError) as no_arabic:
        save_category(store, ADMIN, Category("mork_hallplats", Feeling.UNSAFE, {**labels, "ar": " "}))
    assert no_arabic.value.key == "admin.error.category_labels"
    save_category(store, ADMIN, Category("mork_hallplats", Feeling.UNSAFE, labels, icon="🚏"))
    assert [c.code for c in store.categories()] == ["mork_hallplats"]
    save_category(store, ADMIN, Category("mork_hallplats", Feeling.UNSAFE, labels, icon="🚏", active=False))
    assert store.categories() == []
    assert [c.active for c in all_categories(store, ADMIN)] == [False]


@pytest.mark.parametrize("actor", [None, User("polis.erik", Role.POLICE), User("kommun.anna", Role.TEAM)])
def test_only_an_admin_may_manage(with_admin: Store, actor: User | None) -> None:
    with pytest.raises(PermissionError):
        accounts(with_admin, actor)
    with pytest.raises(PermissionError):
        create_account(with_admin, actor, "x.y", PASSWORD, Role.ADMIN)
    with pytest.raises(PermissionError):
        update_account(with_admin, actor, "admin", role=Role.TEAM, active=True)
    with pytest.raises(PermissionError):
        reset_password(with_admin, actor, "admin", PASSWORD)
    assert [a.username for a in accounts(with_admin, ADMIN)] == ["admin"]


def test_single_sign_on_finds_only_the_linked_active_account(with_admin: Store) -> None:
    create_account(with_admin, ADMIN, "polis.erik", "polisens lösenord", Role.POLICE)
    assert user_for_sso(with_admin, "erik.polis@polisen.se") is None  # never creates accounts
    update_account(with_admin, ADMIN, "polis.erik", role=Role.POLICE, active=True, sso_email="Erik.Polis@polisen.se")
    assert user_for_sso(with_admin, "erik.polis@polisen.se") == User("polis.erik", Role.POLICE)
    with pytest.raises(AuthError) as taken:
        update_account(with_admin, ADMIN, "admin", role=Role.ADMIN, active=True, sso_email="erik.polis@polisen.se")
    assert taken.value.key == "admin.error.sso_taken"
    with pytest.raises(AuthError) as bad:
        update_account(with_admin, ADMIN, "admin", role=Role.ADMIN, active=True, sso_email="inte en adress")
    assert bad.value.key == "admin.error.sso_email"
    update_account(with_admin, ADMIN, "polis.erik", role=Role.POLICE, active=False)  # keeps the link
    assert user_for_sso(with_admin, "erik.polis@polisen.se") is None  # but a deactivated account is out
    assert user_for_sso(with_admin, None) is None


def test_a_users_table_from_before_single_sign_on_gains_the_column_by_db_upgrade(tmp_path: Path) -> None:
    """The hand migration of ``users.sso_email`` is now Alembic's revision 0001, which adopts
    a database from before migrations: the app refuses it until ``db upgrade`` has run."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE users (username VARCHAR(64) PRIMARY KEY, password_hash VARCHAR(200) NOT NULL, "
                "role VARCHAR(16) NOT NULL, active BOOLEAN NOT NULL, failed_attempts INTEGER NOT NULL, "
                "locked_until DATETIME, created_at DATETIME NOT NULL)"
            )
        )
    engine.dispose()
    with pytest.raises(StoreError) as refused:
        Store.open(url)
    assert refused.value.reason == "outdated_schema"
    assert main(["--database", url, "db", "upgrade"]) == 0
    store = Store.open(url)
    add_user(store, "admin", PASSWORD, Role.ADMIN)
    assert authenticate(store, "admin", PASSWORD) == ADMIN
    assert user_for_sso(store, "admin@kommun.se") is None
    store.close()


def test_changing_ones_own_password_ends_ones_other_sessions_and_keeps_this_one(with_admin: Store) -> None:
    create_account(with_admin, ADMIN, "kommun.anna", "annas lösenord", Role.TEAM)
    anna = User("kommun.anna", Role.TEAM)
    here, phone, other = (start_session(with_admin, anna).session for _ in range(3))
    erik = create_account(with_admin, ADMIN, "polis.erik", "eriks lösenord", Role.POLICE)
    eriks = start_session(with_admin, erik).session
    ended = change_own_password(
        with_admin,
        anna,
        "annas lösenord",
        "ett nytt långt lösenord",
        "ett nytt långt lösenord",
        session_id=here.session_id,
    )
    assert ended == 2
    assert keep_session(with_admin, here) is not None  # the browser the change was made in stays in
    assert keep_session(with_admin, phone) is None and keep_session(with_admin, other) is None
    assert keep_session(with_admin, eriks) is not None  # someone else's session is untouched


def test_an_admins_password_reset_ends_every_session_of_that_account(with_admin: Store) -> None:
    anna = create_account(with_admin, ADMIN, "kommun.anna", "annas lösenord", Role.TEAM)
    sessions = [start_session(with_admin, anna).session for _ in range(2)]
    reset_password(with_admin, ADMIN, "kommun.anna", "ett nytt lösenord")
    assert all(keep_session(with_admin, s) is None for s in sessions)
