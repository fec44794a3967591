"""The staff-session route of `serve.py` (`geo.session_routes`), over real HTTP: a log-in's
one-time code becomes an HTTP-only, SameSite=Strict cookie once; any other body is 403 and
sets nothing; DELETE ends the session and clears the cookie (issue 14.8)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geo.auth import SESSION_COOKIE, add_user, resume_session, start_session
from geo.store import Store
from tests.http.conftest import RunningApp, api_server, fetch


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("staff-session")
    with api_server(tmp, f"sqlite:///{tmp / 'sessions.db'}", {}) as (app, _codes):
        yield app


def test_issue_14_a_login_code_becomes_an_http_only_cookie_once_and_delete_ends_it(server: RunningApp) -> None:
    store = Store.open(server.database_url)
    user = add_user(store, "polis.anna", "ett långt lösenord", "police")
    started = start_session(store, user)
    reply = fetch(f"{server.url}/staff-session", form={"handoff": started.handoff})
    assert reply.status == 204, reply
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    assert resume_session(store, token) is not None, "the cookie's token does not find the session"
    assert fetch(f"{server.url}/staff-session", form={"handoff": started.handoff}).status == 403, "traded twice"
    ended = fetch(f"{server.url}/staff-session", method="DELETE", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert ended.status == 204 and 'trygg_staff=""' in ended.headers["set-cookie"]
    assert resume_session(store, token) is None, "the session outlived logging out"
    store.close()


@pytest.mark.parametrize("body", [{}, {"handoff": ""}, {"handoff": "x" * 5000}, {"handoff": "ett påhittat värde"}])
def test_issue_14_any_other_code_is_refused_without_a_cookie(server: RunningApp, body: dict[str, str]) -> None:
    reply = fetch(f"{server.url}/staff-session", form=body)
    assert reply.status == 403 and "set-cookie" not in reply.headers
