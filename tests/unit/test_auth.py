from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.auth import (
    HANDOFF_LIFETIME,
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    SESSION_IDLE_LIMIT,
    AuthError,
    StaffSession,
    User,
    add_user,
    authenticate,
    end_session,
    ensure_first_admin,
    issue_cookie_token,
    keep_session,
    list_users,
    resume_session,
    start_session,
)
from geo.model import Role
from geo.store import Store
from geo.store.tables import staff_sessions, users

PASSWORD = "rätt häst batteri"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_password_is_stored_as_argon2_hash_only(store: Store) -> None:
    add_user(store, "Polis.Anna", PASSWORD, Role.POLICE)
    with store.engine.connect() as conn:
        stored = conn.execute(users.select()).mappings().one()
    assert stored["username"] == "polis.anna"
    assert stored["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in stored["password_hash"]


def test_right_password_logs_in_with_the_role(store: Store) -> None:
    add_user(store, "anna", PASSWORD, "police")
    assert authenticate(store, " Anna ", PASSWORD) == User("anna", Role.POLICE)


def test_wrong_password_and_unknown_user_look_the_same(store: Store) -> None:
    add_user(store, "anna", PASSWORD, Role.TEAM)
    assert authenticate(store, "anna", "fel lösenord!") is None
    assert authenticate(store, "nobody", "fel lösenord!") is None


def test_five_failures_lock_the_account_for_a_while(store: Store) -> None:
    add_user(store, "anna", PASSWORD, Role.TEAM)
    for _ in range(MAX_FAILED_ATTEMPTS):
        assert authenticate(store, "anna", "gissning123", now=NOW) is None
    assert authenticate(store, "anna", PASSWORD, now=NOW + dt.timedelta(minutes=1)) is None, "locked"
    assert authenticate(store, "anna", PASSWORD, now=NOW + LOCKOUT + dt.timedelta(seconds=1)) is not None


def test_success_resets_the_failure_count(store: Store) -> None:
    add_user(store, "anna", PASSWORD, Role.TEAM)
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        authenticate(store, "anna", "gissning123", now=NOW)
    assert authenticate(store, "anna", PASSWORD, now=NOW) is not None
    authenticate(store, "anna", "gissning123", now=NOW)
    assert authenticate(store, "anna", PASSWORD, now=NOW) is not None


@pytest.mark.parametrize(
    ("name", "password", "role", "key"),
    [
        ("a b", PASSWORD, "team", "auth.error.username"),
        ("<script>", PASSWORD, "team", "auth.error.username"),
        ("anna", "kort", "team", "auth.error.password_short"),
        ("anna", PASSWORD, "public", "auth.error.role"),
        ("anna", PASSWORD, "chef", "auth.error.role"),
    ],
)
def test_bad_users_are_refused(store: Store, name: str, password: str, role: str, key: str) -> None:
    with pytest.raises(AuthError) as caught:
        add_user(store, name, password, role)
    assert caught.value.key == key


def test_duplicate_user_is_refused(store: Store) -> None:
    add_user(store, "anna", PASSWORD, Role.TEAM)
    with pytest.raises(AuthError, match="exists already"):
        add_user(store, "ANNA", PASSWORD, Role.ADMIN)


def test_first_admin_from_environment_once(store: Store) -> None:
    assert not ensure_first_admin(store, None)
    assert ensure_first_admin(store, PASSWORD)
    assert not ensure_first_admin(store, PASSWORD)
    assert list_users(store) == [User("admin", Role.ADMIN)]


def test_session_ends_after_inactivity() -> None:
    session = StaffSession(User("anna", Role.TEAM), NOW)
    assert not session.expired(NOW + SESSION_IDLE_LIMIT)
    assert session.expired(NOW + SESSION_IDLE_LIMIT + dt.timedelta(seconds=1))
    assert not session.touched(NOW + SESSION_IDLE_LIMIT).expired(NOW + SESSION_IDLE_LIMIT * 1.5)


def test_issue_14_a_session_survives_a_new_page_load_through_its_cookie_only(store: Store) -> None:
    user = add_user(store, "polis.anna", PASSWORD, Role.POLICE)
    started = start_session(store, user, now=NOW)
    token = issue_cookie_token(store, started.handoff, now=NOW + dt.timedelta(seconds=2))
    assert token is not None
    # a reload, a bookmark or a typed address: only the cookie's token comes with it
    resumed = resume_session(store, token, now=NOW + dt.timedelta(minutes=29))
    assert resumed is not None and resumed.user == user and resumed.session_id == started.session.session_id
    with store.engine.connect() as conn:
        row = conn.execute(staff_sessions.select()).mappings().one()
    assert token not in row.values() and started.handoff not in row.values(), "a secret is stored in clear"


def test_issue_14_a_hand_off_code_gives_one_cookie_once_and_only_soon_after_logging_in(store: Store) -> None:
    user = add_user(store, "polis.anna", PASSWORD, Role.POLICE)
    late = start_session(store, user, now=NOW)
    assert issue_cookie_token(store, late.handoff, now=NOW + HANDOFF_LIFETIME + dt.timedelta(seconds=1)) is None
    started = start_session(store, user, now=NOW)
    assert issue_cookie_token(store, "made-up", now=NOW) is None
    assert issue_cookie_token(store, started.handoff, now=NOW) is not None
    assert issue_cookie_token(store, started.handoff, now=NOW) is None, "a code was traded twice"
    assert resume_session(store, "made-up", now=NOW) is None and resume_session(store, None, now=NOW) is None


def test_issue_14_the_stored_session_ends_after_30_idle_minutes_in_any_tab(store: Store) -> None:
    user = add_user(store, "polis.anna", PASSWORD, Role.POLICE)
    started = start_session(store, user, now=NOW)
    token = issue_cookie_token(store, started.handoff, now=NOW)
    # activity in one tab keeps the session alive for a reload elsewhere
    kept = keep_session(store, started.session, now=NOW + dt.timedelta(minutes=25))
    assert kept is not None
    assert resume_session(store, token, now=NOW + dt.timedelta(minutes=50)) is not None
    # then nothing for longer than the limit: over, for the page and for the cookie
    idle = NOW + dt.timedelta(minutes=50) + SESSION_IDLE_LIMIT + dt.timedelta(seconds=1)
    assert keep_session(store, kept, now=idle) is None
    assert resume_session(store, token, now=idle) is None


def test_issue_14_logging_out_or_deactivating_the_account_ends_the_stored_session(store: Store) -> None:
    user = add_user(store, "polis.anna", PASSWORD, Role.POLICE)
    started = start_session(store, user, now=NOW)
    token = issue_cookie_token(store, started.handoff, now=NOW)
    end_session(store, started.session)
    assert resume_session(store, token, now=NOW) is None
    assert keep_session(store, started.session, now=NOW) is None
    again = start_session(store, user, now=NOW)
    with store.engine.begin() as conn:
        conn.execute(users.update().values(active=False))
    assert keep_session(store, again.session, now=NOW) is None


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.text(max_size=300))
def test_issue_14_no_made_up_code_or_token_opens_a_session(store: Store, code: str) -> None:
    """The cookie route and a page load take these from the outside world."""
    assert issue_cookie_token(store, code) is None
    assert resume_session(store, code) is None
    end_session(store, token=code)  # never raises
