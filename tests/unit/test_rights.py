"""The rights table (issue #17): every role × right as data, and the checks built on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.auth import User
from geo.model import Role
from geo.rights import TABLE_ROLES, WHO, Right, allowed, require, rights_of, role_allows

CELLS = [(role, right) for right in Right for role in (Role.PUBLIC, *TABLE_ROLES)]


def test_issue_17_every_right_has_a_row_and_the_public_holds_none() -> None:
    assert set(WHO) == set(Right)
    assert rights_of(Role.PUBLIC) == frozenset()
    assert all(Role.ADMIN in roles for roles in WHO.values())  # the admin may do everything


@pytest.mark.parametrize(("role", "right"), CELLS, ids=[f"{r.value}-{g.value}" for r, g in CELLS])
def test_issue_17_allowed_and_require_follow_the_table(role: Role, right: Right) -> None:
    user = User("someone", role)
    expected = role in WHO[right]
    assert allowed(user, right) is expected
    assert role_allows(role, right) is expected
    if expected:
        assert require(user, right) is user
    else:
        with pytest.raises(PermissionError, match=right.value):
            require(user, right)


@pytest.mark.parametrize("right", list(Right))
def test_issue_17_nobody_logged_in_may_do_nothing(right: Right) -> None:
    assert not allowed(None, right)
    with pytest.raises(PermissionError):
        require(None, right)


def test_issue_17_the_viewer_only_looks() -> None:
    assert rights_of(Role.VIEWER) == {Right.VIEW_STAFF, Right.CHANGE_OWN_PASSWORD}


def test_issue_17_police_set_status_but_do_not_moderate_or_manage() -> None:
    police = rights_of(Role.POLICE)
    assert {Right.SET_STATUS, Right.FOLLOW_UP_PROMISES, Right.VIEW_PENDING} <= police
    assert not police & {Right.MODERATE, Right.MANAGE_ZONES, Right.MANAGE_ACCOUNTS, Right.MANAGE_SETTINGS}


def test_issue_17_the_readme_table_is_the_table_in_geo() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- rights-table", 1)[1].split("<!-- /rights-table -->", 1)[0]
    lines = [line for line in block.splitlines() if line.startswith("| `")]
    header = next(line for line in block.splitlines() if line.startswith("| right"))
    columns = [cell.strip() for cell in header.strip("|").split("|")][2:]
    assert columns == [role.value for role in TABLE_ROLES]
    found: dict[str, frozenset[Role]] = {}
    for line in lines:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        marks = cells[2:]
        assert set(marks) <= {"✓", "–"}, line
        holders = (role for role, mark in zip(TABLE_ROLES, marks, strict=True) if mark == "✓")
        found[cells[0].strip("`")] = frozenset(holders)
    assert found == {right.value: roles for right, roles in WHO.items()}
