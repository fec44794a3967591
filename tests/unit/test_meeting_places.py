"""Meeting places as residents look for them (issue #19): open or closed at chosen moments against
hand-checked answers, the filters, distances, plain words, and every parser of outside input."""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo import meeting_places as mp
from geo.meeting_places import PlaceFilter, When
from geo.model import MeetingPlace, MeetingPlaceKind

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LIBRARY_HOURS = "Mo-Th 10:00-19:00; Fr 10:00-16:00; Sa 10:00-13:00; PH off"


def place(hours: str, **fields: object) -> MeetingPlace:
    values: dict = {"name": "Biblioteket", "kind": MeetingPlaceKind.LIBRARY, "lon": 13.5958, "lat": 56.4618}
    return MeetingPlace(**{**values, "opening_hours": hours, **fields})


def at(*parts: int) -> dt.datetime:
    """A moment in Swedish local time."""
    return dt.datetime(*parts, tzinfo=STOCKHOLM)


# -- open or closed: hand-checked ---------------------------------------------------------------


def test_issue_19_a_weekday_evening() -> None:
    library = place(LIBRARY_HOURS)
    # Tuesday 1 December 2026, 18:30: open until 19:00 the same day
    state = mp.openness(library, at(2026, 12, 1, 18, 30))
    assert state.open is True and state.until == at(2026, 12, 1, 19, 0)
    assert mp.status_words(state, at(2026, 12, 1, 18, 30), "sv") == "Öppet nu, stänger i dag 19:00"
    assert mp.today_words(state, "en") == "10:00–19:00"
    # 19:30 the same evening: closed, opens Wednesday 10:00
    later = mp.openness(library, at(2026, 12, 1, 19, 30))
    assert later.open is False and later.opens == at(2026, 12, 2, 10, 0)
    assert mp.status_words(later, at(2026, 12, 1, 19, 30), "en") == "Closed, opens tomorrow 10:00"
    # Friday 4 December, 17:00: closed since 16:00, opens Saturday 10:00
    friday = mp.openness(library, at(2026, 12, 4, 17, 0))
    assert friday.open is False and friday.opens == at(2026, 12, 5, 10, 0)


def test_issue_19_a_swedish_public_holiday() -> None:
    library = place(LIBRARY_HOURS)
    # Juldagen, Friday 25 December 2026, noon: PH off. Annandag jul (Saturday) too, Sunday has no
    # hours: the next opening is Monday 28 December 10:00.
    state = mp.openness(library, at(2026, 12, 25, 12, 0))
    assert state.open is False and state.opens == at(2026, 12, 28, 10, 0)
    assert state.holiday == "Juldagen" and mp.holiday_name(dt.date(2026, 12, 25), "en") == "Christmas Day"
    assert mp.status_words(state, at(2026, 12, 25, 12, 0), "sv") == "Stängt, öppnar måndag 10:00"
    # Julafton (Thursday 24th) and Kristi himmelsfärdsdag (Thursday 14 May 2026) are closed too
    assert not mp.is_open(library, at(2026, 12, 24, 12, 0))
    assert not mp.is_open(library, at(2026, 5, 14, 12, 0))
    assert mp.is_open(library, at(2026, 5, 13, 12, 0))  # the Wednesday before is an ordinary day
    # hours without "PH off" stay open on a holiday
    assert mp.is_open(place("Mo-Fr 08:00-16:00"), at(2026, 12, 25, 12, 0))


def test_the_parsers_swedish_calendar_is_the_holidays_packages() -> None:
    """``PH`` means Sweden's public and de facto holidays (``holidays``), every day of ten years."""
    hours = place("Mo-Su 10:00-19:00; PH off")
    day = dt.date(2026, 1, 1)
    while day < dt.date(2036, 1, 1):
        holiday = day in mp.holiday_days(day.year)
        assert mp.is_open(hours, at(day.year, day.month, day.day, 12, 0)) is not holiday, day
        day += dt.timedelta(days=1)


def test_issue_19_hours_across_midnight() -> None:
    late = place("Fr 22:00-02:00")
    friday_night = at(2026, 12, 4, 23, 0)
    state = mp.openness(late, friday_night)
    assert state.open is True and state.until == at(2026, 12, 5, 2, 0)
    assert mp.status_words(state, friday_night, "sv") == "Öppet nu, stänger i morgon 02:00"
    # Saturday 01:30: still open, and today's hours say the night that is running
    small_hours = mp.openness(late, at(2026, 12, 5, 1, 30))
    assert small_hours.open is True and mp.today_words(small_hours, "sv") == "22:00–02:00"
    # Saturday 02:30: closed until next Friday 22:00
    after = mp.openness(late, at(2026, 12, 5, 2, 30))
    assert after.open is False and after.opens == at(2026, 12, 11, 22, 0)
    assert mp.status_words(after, at(2026, 12, 5, 2, 30), "en") == "Closed, opens Friday 22:00"
    # a place open until midnight closes "24:00"
    assert mp.today_words(mp.openness(place("Mo-Su 18:00-24:00"), at(2026, 12, 5, 20, 0)), "sv") == "18:00–24:00"


def test_issue_19_the_change_to_summer_time() -> None:
    """Sunday 28 March 2027 the clocks go from 02:00 to 03:00: at 01:30 a place open 01:00–03:00
    closes in 30 real minutes; at 03:30 (01:30 UTC) it is closed."""
    night = place("Su 01:00-03:00")
    state = mp.openness(night, dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC))
    assert state.open is True and state.until == at(2027, 3, 28, 3, 0)
    assert state.until - dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC) == dt.timedelta(minutes=30)
    assert not mp.is_open(night, dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC))


def test_issue_19_the_change_back_to_winter_time() -> None:
    """Sunday 25 October 2026 the clocks go from 03:00 back to 02:00: 02:30 happens twice, and the
    place open 01:00–03:00 is open both times, closing at 03:00 CET (02:00 UTC)."""
    night = place("Su 01:00-03:00")
    for moment in (dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)):
        state = mp.openness(night, moment)
        assert state.open is True and state.until == dt.datetime(2026, 10, 25, 2, 0, tzinfo=dt.UTC)
    assert not mp.is_open(night, dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC))
    # an office opening at 08:00 local time: 06:00 UTC in summer, 07:00 UTC in winter
    office = place("Mo-Fr 08:00-16:00")
    assert mp.is_open(office, dt.datetime(2026, 10, 23, 6, 30, tzinfo=dt.UTC))
    assert not mp.is_open(office, dt.datetime(2026, 10, 26, 6, 30, tzinfo=dt.UTC))
    assert mp.is_open(office, dt.datetime(2026, 10, 26, 7, 30, tzinfo=dt.UTC))


def test_hours_not_given_or_not_understood_are_not_known() -> None:
    for hours in ("", "Mån–tors 10–19", 'Mo-Su unknown "vid aktiviteter"'):
        state = mp.openness(place(hours), at(2026, 12, 1, 12, 0))
        assert state.open is None
        assert mp.status_words(state, at(2026, 12, 1, 12, 0), "sv") == "Öppettiderna är inte kända"


def test_parsing_is_cached_per_place_and_version() -> None:
    first = place(LIBRARY_HOURS, id="p1")
    assert mp.hours_of(first) is mp.hours_of(first)
    edited = place("24/7", id="p1", version=2)
    assert mp.is_open(edited, at(2026, 12, 25, 3, 0))  # the new version's hours, not the cached ones


# -- plain words -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", "Måndag–torsdag 10:00–19:00; fredag 10:00–16:00; lördag 10:00–13:00; stängt på helgdagar"),
        ("en", "Monday–Thursday 10:00–19:00; Friday 10:00–16:00; Saturday 10:00–13:00; closed on public holidays"),
        (
            "ar",  # each time kept left to right inside the Arabic sentence (U+2066 … U+2069)
            "الاثنين–الخميس \u206610:00–19:00\u2069؛ الجمعة \u206610:00–16:00\u2069؛ "
            "السبت \u206610:00–13:00\u2069؛ مغلق في العطل الرسمية",
        ),
    ],
)
def test_issue_19_hours_in_plain_words(lang: str, expected: str) -> None:
    assert mp.render_hours(LIBRARY_HOURS, lang, week_of=dt.date(2026, 12, 1)) == expected


def test_plain_words_for_nights_seasons_and_holidays_with_hours() -> None:
    assert mp.render_hours("Fr 22:00-02:00", "sv", week_of=dt.date(2026, 12, 1)) == "Fredag 22:00–02:00"
    assert mp.render_hours("Tu 17:00-19:00; Jul off", "en", week_of=dt.date(2026, 12, 1)) == (
        "Tuesday 17:00–19:00; the hours change over the year"
    )
    assert mp.render_hours("Mo-Fr 09:00-17:00; PH 10:00-14:00", "sv", week_of=dt.date(2026, 12, 1)) == (
        "Måndag–fredag 09:00–17:00; helgdagar 10:00–14:00"
    )
    assert mp.render_hours("24/7", "en", week_of=dt.date(2026, 12, 1)) == "Monday–Sunday 00:00–24:00"


def test_hours_said_on_cards_and_popups_keep_the_teams_old_text_when_not_understood() -> None:
    """Hours written before the syntax was required show as written, on the card and in the popup alike."""
    assert mp.hours_said("Fr 22:00-02:00", "sv") == mp.render_hours("Fr 22:00-02:00", "sv")
    assert mp.hours_said("Mån–tors 10–19", "ar") == "Mån–tors 10–19"
    assert mp.hours_said("  ", "en") == ""


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "part"),
    [("Mo-Thx 10:00-19:00", 5, "x"), ("Mo-Th 10:00-25:99", 15, "99"), ("Mån–tors 10–19", 0, "Mån–tors")],
)
def test_issue_19_hours_not_understood_point_at_the_part_that_failed(text: str, position: int, part: str) -> None:
    problem = mp.check_hours(text)
    assert problem is not None and (problem.position, problem.part) == (position, part)
    assert text[problem.position :].startswith(problem.part)


@given(st.text(max_size=60))
def test_any_text_is_either_understood_or_pointed_at(text: str) -> None:
    problem = mp.check_hours(text)
    if problem is None:
        mp.openness(place(text), at(2026, 12, 1, 12, 0))  # understood: it can be evaluated
        mp.render_hours(text, "ar", week_of=dt.date(2026, 12, 1))
    else:
        assert 0 <= problem.position <= len(text)
        assert text[problem.position :].startswith(problem.part)


_TOKENS = st.sampled_from(
    ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "PH", "off", "10:00", "19:00", "-", ",", ";", " ", "Jul", "24/7", "[1]"]
)


@given(st.lists(_TOKENS, max_size=12).map("".join))
def test_any_expression_of_opening_hours_words_is_understood_or_pointed_at(text: str) -> None:
    test_any_text_is_either_understood_or_pointed_at.hypothesis.inner_test(text)  # type: ignore[attr-defined]


@given(st.text(max_size=40))
def test_fee_wheelchair_audience_and_languages_take_any_text(text: str) -> None:
    for parse in (mp.parse_fee, mp.parse_access, mp.parse_audience):
        with contextlib.suppress(ValueError):
            parse(text)
    codes = mp.split_codes(text)
    assert all(code == code.strip().lower() and code for code in codes)
    assert set(mp.unknown_languages(codes)) <= set(codes)


def test_outside_values_read_as_osm_writes_them() -> None:
    assert [mp.parse_fee(v) for v in ("no", "Nej", "gratis", "yes", "")] == ["no", "no", "no", "yes", ""]
    assert [mp.parse_access(v) for v in ("yes", "delvis", "no", "")] == ["yes", "limited", "no", ""]
    assert mp.parse_audience("unga, Women; alla") == ("unga", "kvinnor", "alla")
    assert mp.split_codes("sv, AR; ti, sv") == ("sv", "ar", "ti")
    assert mp.unknown_languages(("sv", "ar", "ti", "fa", "xx", "arabic")) == ["xx", "arabic"]
    with pytest.raises(ValueError, match="fee must be yes or no"):
        mp.parse_fee("kanske")


# -- languages and distance ---------------------------------------------------------------------------


def test_language_names_come_in_the_readers_language() -> None:
    assert [mp.language_name("ti", lang) for lang in ("sv", "en", "ar")] == ["tigrinja", "Tigrinya", "التغرينية"]


def test_distances_are_metres_in_sweref99tm() -> None:
    near = place("", name="Nära", lon=13.5958, lat=56.4618)
    far = place("", name="Långt", lon=13.7205, lat=56.5520)  # Strömsnäsbruk
    metres = mp.distances_m([near, far], 13.5958, 56.4618 + 0.009)  # 0.009° north: about 1 km
    assert metres[0] == pytest.approx(1001, abs=5)
    assert 11_800 < metres[1] < 11_900  # 9.04 km north, 7.67 km east (cos 56.5°)
    assert mp.distance_words(1234, "sv") == "1,2 km" and mp.distance_words(344, "en") == "340 m"


# -- the finder --------------------------------------------------------------------------------------


def finder_places() -> list[MeetingPlace]:
    return [
        place("Tu 17:00-19:00; PH off", name="Språkcafé", kind=MeetingPlaceKind.LANGUAGE_CAFE,
              languages=("sv", "ar"), audience=("nyanlanda",), fee="no", wheelchair="yes", lat=56.4620),
        place("Mo-Fr 15:00-21:00", name="Fritidsgården", kind=MeetingPlaceKind.YOUTH_CENTRE,
              languages=("sv", "so"), audience=("unga",), fee="no", wheelchair="limited", lat=56.4700),
        place("Sa 10:00-13:00", name="Biblioteket", languages=("sv", "en"), fee="", wheelchair="yes", lat=56.4640),
        place("24/7", name="Nedlagd", active=False),
    ]  # fmt: skip


def names(found: list[mp.Found]) -> list[str]:
    return [f.place.name for f in found]


def test_issue_19_the_filters() -> None:
    places = finder_places()
    tuesday_evening = at(2026, 12, 1, 18, 0)
    assert names(mp.find(places, PlaceFilter(), tuesday_evening)) == ["Biblioteket", "Fritidsgården", "Språkcafé"]
    assert names(mp.find(places, PlaceFilter(when=When.NOW), tuesday_evening)) == ["Fritidsgården", "Språkcafé"]
    assert names(mp.find(places, PlaceFilter(when=When.TODAY), at(2026, 12, 1, 9, 0))) == [
        "Fritidsgården",
        "Språkcafé",
    ]
    assert names(mp.find(places, PlaceFilter(when=When.TODAY), at(2026, 12, 1, 20, 0))) == ["Fritidsgården"]
    assert len(mp.find(places, PlaceFilter(when=When.WEEK), tuesday_evening)) == 3
    assert names(mp.find(places, PlaceFilter(languages=("ar", "so")), tuesday_evening)) == [
        "Fritidsgården",
        "Språkcafé",
    ]
    # the library has no audience: it is for everyone, so it answers "youth" too
    assert names(mp.find(places, PlaceFilter(audience=("unga",)), tuesday_evening)) == ["Biblioteket", "Fritidsgården"]
    assert names(mp.find(places, PlaceFilter(kinds=("sprakcafe",)), tuesday_evening)) == ["Språkcafé"]
    assert names(mp.find(places, PlaceFilter(free=True), tuesday_evening)) == ["Fritidsgården", "Språkcafé"]
    assert names(mp.find(places, PlaceFilter(wheelchair=True), tuesday_evening)) == ["Biblioteket", "Språkcafé"]


def test_issue_19_nearest_first_from_a_point() -> None:
    found = mp.find(finder_places(), PlaceFilter(), at(2026, 12, 1, 18, 0), origin=(13.5958, 56.4700))
    assert names(found) == ["Fritidsgården", "Biblioteket", "Språkcafé"]
    assert found[0].distance_m == pytest.approx(0, abs=1) and found[1].distance_m == pytest.approx(668, abs=5)


def test_a_description_in_the_readers_language_or_swedish() -> None:
    cafe = place("", description="Öva svenska", descriptions={"ar": "تدرّب على السويدية"})
    assert cafe.description_in("ar") == ("تدرّب على السويدية", "ar")
    assert cafe.description_in("en") == ("Öva svenska", "sv")
    assert place("", descriptions={"en": "Hello"}).description_in("sv") == ("Hello", "en")
