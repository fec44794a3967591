"""Mötesplatser (issue #19) through AppTest, on a real SQLite file with the demo's places."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import StaffSession, User
from geo.model import MeetingPlace, MeetingPlaceKind, Role
from geo.store import Store, utcnow
from tests.app.conftest import app_on_demo

ROOT = Path(__file__).resolve().parents[2]
STROMSNASBRUK = {"lat": 56.5521, "lng": 13.7206}


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return Store.open(app_on_demo(tmp_path / "places.db", monkeypatch, reports=0))


def places_page(lang: str = "sv") -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "places.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    return at


def cards(at: AppTest) -> str:
    """The finder's list of places: one HTML element (geo/place_cards.py)."""
    return next((h.value for h in at.html if 'class="trygg-places"' in h.value), "")


def titles(at: AppTest) -> list[str]:
    return [html.unescape(title) for title in re.findall(r"<summary>(.*?)</summary>", cards(at))]


def texts(at: AppTest) -> list[str]:
    """Every text of the cards as a reader sees it (tags gone, entities read)."""
    return [html.unescape(text) for text in re.findall(r">([^<>]+)<", cards(at))]


def test_issue_19_the_finder_lists_every_place_in_use(db: Store) -> None:
    at = places_page()
    listed = titles(at)
    assert len(listed) == len(db.meeting_places()) and listed[0].startswith("1. ")
    assert any("Språkcafé på Markaryds bibliotek" in title for title in listed)


def test_issue_19_a_tap_on_the_map_sorts_by_distance(db: Store) -> None:
    at = places_page()
    at.session_state["places_map"] = {"last_clicked": STROMSNASBRUK}
    at.run()
    first = titles(at)[0]
    assert "bibliotek" in first.casefold() and "Strömsnäsbruk" in first and "m" in first.split("·")[-1]
    assert "Närmast punkten du tryckte på först." in [i.value for i in at.info]


def test_issue_19_filters_by_language_and_kind(db: Store) -> None:
    at = places_page("en")
    at.multiselect(key="places_languages").set_value(["uk"]).run()
    assert {title.split(". ", 1)[1].split(" · ")[0] for title in titles(at)} == {
        p.name for p in db.meeting_places() if "uk" in p.languages
    }
    at.multiselect(key="places_kinds").set_value(["sprakcafe"]).run()
    assert len(titles(at)) == 2  # the library's language café and the women's café
    assert "Ukrainian" in at.multiselect(key="places_languages").format_func("uk")


def test_issue_19_a_card_in_arabic_with_the_swedish_fallback_said(db: Store) -> None:
    at = places_page("ar")
    said = texts(at)
    assert "تدرّب على اللغة السويدية مع فنجان قهوة بصحبة متطوعين. جميع المستويات مرحّب بها والمشاركة مجانية." in said
    assert any(value.startswith("الثلاثاء \u206617:00–19:00\u2069") for value in said)  # the café's hours, in Arabic
    assert "الوصف متوفر فقط باللغة السويدية." in said  # a place without Arabic
    assert '<p lang="sv" dir="ltr">' in cards(at)  # a Swedish description is read out in Swedish
    assert cards(at).startswith('<ol class="trygg-places" dir="rtl">')


def test_issue_19_the_public_never_sees_the_staff_note(db: Store) -> None:
    secret = "Nyckeln hänger hos vaktmästaren"
    db.add_meeting_places(
        [MeetingPlace("Hemligt café", MeetingPlaceKind.LANGUAGE_CAFE, 13.6, 56.46, staff_note=secret)]
    )
    at = places_page()
    everything = [e.value for kind in (at.text, at.markdown, at.caption, at.info, at.html) for e in kind]
    assert any("Hemligt café" in title for title in titles(at))
    assert not any(secret in str(value) for value in everything)


def editor(user: User) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "place_editor.py"), default_timeout=60)
    at.session_state["staff_session"] = StaffSession(user, utcnow())
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_issue_19_the_editor_checks_the_hours_live_and_saves_nothing_wrong(db: Store) -> None:
    before = len(db.meeting_places())
    at = editor(User("kommun.anna", Role.TEAM))
    at.text_input(key="pe_name").set_value("Läxhjälp i Timsfors").run()
    at.session_state["pe_map"] = {"last_clicked": {"lat": 56.4845, "lng": 13.6090}}
    at.run()
    at.text_input(key="pe_opening_hours").set_value("Mo-Thx 15:00-17:00").run()
    errors = [e.value for e in at.error]
    assert any("”x” (tecken 6)" in e for e in errors), errors  # pointing at the part that failed
    assert "Mo-Thx 15:00-17:00\n     ^" in [c.value for c in at.code]
    at.text_input(key="pe_languages").set_value("sv, xx").run()
    next(b for b in at.button if b.label == "Spara").click().run()
    assert "Inget sparades. Rätta det som står vid fälten." in [e.value for e in at.error]
    assert any("Okänd språkkod: xx" in e.value for e in at.error)
    assert len(db.meeting_places()) == before

    at.text_input(key="pe_opening_hours").set_value("Mo-Th 15:00-17:00; PH off").run()
    assert "Så här förstås tiderna: Måndag–torsdag 15:00–17:00; stängt på helgdagar" in [s.value for s in at.success]
    at.text_input(key="pe_languages").set_value("sv, ar").run()
    next(b for b in at.button if b.label == "Spara").click().run()
    assert not at.exception
    assert "Sparat: Läxhjälp i Timsfors" in [s.value for s in at.success]
    saved = next(p for p in db.meeting_places() if p.name == "Läxhjälp i Timsfors")
    assert (saved.lon, saved.lat, saved.languages) == (13.6090, 56.4845, ("sv", "ar"))


def test_issue_19_a_place_outside_the_municipality_is_refused_beside_the_map(db: Store) -> None:
    at = editor(User("kommun.anna", Role.TEAM))
    at.text_input(key="pe_name").set_value("Café i Malmö").run()
    at.session_state["pe_map"] = {"last_clicked": {"lat": 55.6050, "lng": 13.0038}}
    at.run()
    next(b for b in at.button if b.label == "Spara").click().run()
    assert "Platsen ligger utanför kommunen. Välj en plats inom kommungränsen." in [e.value for e in at.error]
    assert not any(p.name == "Café i Malmö" for p in db.meeting_places(include_retired=True))


def test_the_editor_refuses_the_police_and_the_public(db: Store) -> None:
    at = editor(User("polis.erik", Role.POLICE))
    assert at.error and not at.text_input
