"""The team's meeting place editor (issue #19): validation beside each field, saving with its audit
record, moving, retiring, two people editing at once, and the hours built from simple controls."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geo import audit
from geo.auth import User
from geo.meeting_places import check_hours, is_open
from geo.model import MeetingPlace, Role
from geo.place_editor import PlaceForm, form_of, hours_rule, save_place, set_active, validate, with_rule
from geo.store import StaleEdit, Store

BOUNDARY = shapely.box(13.55, 56.40, 13.80, 56.65)  # EPSG:4326, around Markaryd
TEAM = User("kommun.anna", Role.TEAM)
ADMIN = User("admin", Role.ADMIN)
GOOD = PlaceForm(
    name="Läxhjälpen",
    kind="laxhjalp",
    lon=13.60,
    lat=56.46,
    opening_hours="Mo-Th 15:00-17:00; PH off",
    languages="sv, ar, so",
    audience=("unga",),
    fee="no",
    wheelchair="yes",
    description="Hjälp med läxorna.",
    descriptions={"ar": "مساعدة في الواجبات.", "so": "Caawimaad casharrada."},
    staff_note="Nyckel hos vaktmästaren",
)


def fields(problems: list) -> dict[str, str]:
    return {p.field: p.key for p in problems}


def test_a_good_form_has_no_problem() -> None:
    assert validate(GOOD, BOUNDARY) == []


def test_issue_19_bad_input_gets_a_message_beside_its_field() -> None:
    bad = replace(
        GOOD,
        name=" ",
        lon=13.00,  # Malmö: outside the municipality
        lat=55.60,
        opening_hours="Mo-Thx 15:00-17:00",
        languages="sv, xx",
        descriptions={"ar": "ا" * 2001, "zz": "?"},
    )
    problems = validate(bad, BOUNDARY)
    assert fields(problems) == {
        "name": "place_edit.problem.name_missing",
        "position": "place_edit.problem.outside",
        "opening_hours": "place_edit.problem.hours",
        "languages": "place_edit.problem.languages",
        "description:ar": "place_edit.problem.too_long",
        "description:zz": "place_edit.problem.languages",
    }
    hours = next(p for p in problems if p.field == "opening_hours")
    assert dict(hours.values) == {"part": "x", "position": 6}
    assert next(p for p in problems if p.field == "languages").values == {"codes": "xx"}
    assert fields(validate(replace(GOOD, lon=None, lat=None), BOUNDARY)) == {
        "position": "place_edit.problem.no_position"
    }


def test_issue_19_nothing_is_saved_when_a_field_is_wrong(store: Store) -> None:
    result = save_place(store, replace(GOOD, opening_hours="Mån–tors 15–17"), TEAM, boundary=BOUNDARY)
    assert result.place is None and [p.field for p in result.problems] == ["opening_hours"]
    assert store.meeting_places(include_retired=True) == []


def test_issue_19_create_edit_move_retire_each_in_the_audit_history(store: Store) -> None:
    created = save_place(store, GOOD, TEAM, boundary=BOUNDARY).place
    assert created is not None and created.version == 1
    assert store.meeting_place(created.id).descriptions == {"ar": "مساعدة في الواجبات.", "so": "Caawimaad casharrada."}
    moved = replace(form_of(created), lon=13.61, lat=56.47, opening_hours="Mo-Fr 15:00-18:00")
    edited = save_place(store, moved, TEAM, boundary=BOUNDARY, place_id=created.id, expected_version=1).place
    assert edited is not None and (edited.lon, edited.lat, edited.version) == (13.61, 56.47, 2)
    retired = set_active(store, created.id, TEAM, active=False, expected_version=2)
    assert not retired.active and store.meeting_places() == []
    log = audit.entries(store, ADMIN)
    assert [(e.action, e.actor, e.target) for e in reversed(log)] == [
        ("place.create", "kommun.anna", created.id),
        ("place.update", "kommun.anna", created.id),
        ("place.retire", "kommun.anna", created.id),
    ]
    assert log[1].detail == {"fields": "position, opening_hours"}  # which fields, never their texts


def test_issue_19_two_people_editing_at_once_lose_nothing(store: Store) -> None:
    created = save_place(store, GOOD, TEAM, boundary=BOUNDARY).place
    assert created is not None
    first = replace(form_of(created), name="Läxhjälpen på biblioteket")
    save_place(store, first, TEAM, boundary=BOUNDARY, place_id=created.id, expected_version=1)
    with pytest.raises(StaleEdit):  # the second read version 1 too: refused, not overwriting the first
        save_place(
            store, replace(first, name="Läxhjälp"), TEAM, boundary=BOUNDARY, place_id=created.id, expected_version=1
        )
    assert store.meeting_place(created.id).name == "Läxhjälpen på biblioteket"


@pytest.mark.parametrize("user", [None, User("polis.erik", Role.POLICE), User("titta", Role.VIEWER)])
def test_only_those_who_manage_places_change_them(store: Store, user: User | None) -> None:
    with pytest.raises(PermissionError):
        save_place(store, GOOD, user, boundary=BOUNDARY)
    assert store.meeting_places(include_retired=True) == []


def test_issue_19_simple_controls_write_the_syntax() -> None:
    rule = hours_rule([0, 1, 2, 3], dt.time(10), dt.time(19))
    assert rule == "Mo-Th 10:00-19:00"
    assert hours_rule([0, 2, 4, 5], dt.time(9, 30), dt.time(0)) == "Mo,We,Fr,Sa 09:30-24:00"
    hours = with_rule(
        with_rule("", rule, holidays_off=True), hours_rule([4], dt.time(10), dt.time(16)), holidays_off=True
    )
    assert hours == "Mo-Th 10:00-19:00; Fr 10:00-16:00; PH off"
    place = MeetingPlace("x", GOOD.kind, 13.6, 56.46, opening_hours=hours)  # type: ignore[arg-type]
    stockholm = dt.timezone(dt.timedelta(hours=1))
    assert is_open(place, dt.datetime(2026, 12, 4, 15, 0, tzinfo=stockholm))  # a Friday afternoon
    assert not is_open(place, dt.datetime(2026, 12, 25, 12, 0, tzinfo=stockholm))  # Juldagen


@given(
    st.lists(st.integers(0, 6), max_size=7),
    st.times(),
    st.times(),
    st.booleans(),
    st.sampled_from(["", "Sa 10:00-13:00", "PH off", "Mo-Fr 08:00-16:00; PH off"]),
)
def test_any_choice_of_the_simple_controls_gives_hours_that_parse(
    days: list[int], start: dt.time, end: dt.time, off: bool, before: str
) -> None:
    hours = with_rule(before, hours_rule(days, start, end), holidays_off=off)
    assert check_hours(hours) is None, hours
    assert hours.count("PH off") <= 1


@given(
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True) | st.none(),
    st.text(max_size=40),
    st.text(max_size=20),
    st.dictionaries(st.text(max_size=4), st.text(max_size=30), max_size=3),
)
def test_any_form_is_checked_without_an_error(
    name: str, lon: float | None, hours: str, languages: str, descriptions: dict[str, str]
) -> None:
    form = replace(GOOD, name=name, lon=lon, lat=56.46 if lon is not None else None, opening_hours=hours,
                   languages=languages, descriptions=descriptions)  # fmt: skip
    problems = validate(form, BOUNDARY)
    assert all(p.key.startswith("place_edit.problem.") for p in problems)
