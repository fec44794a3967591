"""Admin work: accounts and categories, with the last admin protected."""

from __future__ import annotations

import pytest

from geo.admin import accounts, all_categories, create_account, reset_password, save_category, update_account
from geo.auth import AuthError, User, add_user, authenticate
from geo.model import Category, Feeling, Role
from geo.store import Store

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
