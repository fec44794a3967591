"""Mötesplatser (issue #19) through AppTest, on a real SQLite file with the demo's places."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.model import MeetingPlace, MeetingPlaceKind
from geo.store import Store
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


def titles(at: AppTest) -> list[str]:
    return [e.label for e in at.expander if e.label[:1].isdigit()]


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
    assert {e.label.split(". ", 1)[1].split(" · ")[0] for e in at.expander if e.label[:1].isdigit()} == {
        p.name for p in db.meeting_places() if "uk" in p.languages
    }
    at.multiselect(key="places_kinds").set_value(["sprakcafe"]).run()
    assert len(titles(at)) == 2  # the library's language café and the women's café
    assert "Ukrainian" in at.multiselect(key="places_languages").format_func("uk")


def test_issue_19_a_card_in_arabic_with_the_swedish_fallback_said(db: Store) -> None:
    at = places_page("ar")
    texts = [t.value for t in at.text]
    assert "تدرّب على اللغة السويدية مع فنجان قهوة بصحبة متطوعين. جميع المستويات مرحّب بها والمشاركة مجانية." in texts
    assert any(value.startswith("الثلاثاء \u206617:00–19:00\u2069") for value in texts)  # the café's hours, in Arabic
    assert "الوصف متوفر فقط باللغة السويدية." in [c.value for c in at.caption]  # a place without Arabic


def test_issue_19_the_public_never_sees_the_staff_note(db: Store) -> None:
    secret = "Nyckeln hänger hos vaktmästaren"
    db.add_meeting_places(
        [MeetingPlace("Hemligt café", MeetingPlaceKind.LANGUAGE_CAFE, 13.6, 56.46, staff_note=secret)]
    )
    at = places_page()
    everything = [e.value for kind in (at.text, at.markdown, at.caption, at.info) for e in kind]
    assert any("Hemligt café" in title for title in titles(at))
    assert not any(secret in str(value) for value in everything)
