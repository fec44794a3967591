"""geo.place_cards: the finder's list as one piece of HTML (issue #19)."""

from __future__ import annotations

import datetime as dt
import html
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from geo.meeting_places import Found
from geo.model import MeetingPlace, MeetingPlaceKind
from geo.place_cards import cards_html

TUESDAY_EVENING = dt.datetime(2026, 12, 1, 18, 0, tzinfo=dt.UTC)  # 19:00 in Markaryd
CAFE = MeetingPlace(
    "Språkcafé på biblioteket",
    MeetingPlaceKind.LANGUAGE_CAFE,
    13.598,
    56.462,
    address="Storgatan 1",
    opening_hours="Tu 17:00-20:00; PH off",
    languages=("sv", "ar"),
    description="Prata svenska över en kopp kaffe.",
    fee="no",
    wheelchair="yes",
    staff_note="Nyckeln hos vaktmästaren",
)


class Outline(HTMLParser):
    """The tags and the text a reader gets."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def outline(markup: str) -> Outline:
    parsed = Outline()
    parsed.feed(markup)
    return parsed


def test_issue_19_a_card_in_swedish_says_open_now_today_and_the_week_in_words() -> None:
    page = outline(cards_html([Found(CAFE, TUESDAY_EVENING, 240.0)], TUESDAY_EVENING, "sv"))
    assert [tag for tag, _ in page.tags][:3] == ["ol", "li", "details"]
    assert "1. Språkcafé på biblioteket · Öppet nu, stänger i dag 20:00 · 240 m" in page.text
    assert "Tisdag 17:00–20:00; stängt på helgdagar" in page.text
    assert "Prata svenska över en kopp kaffe." in page.text and "Kostar ingenting" in page.text
    assert not any("vaktmästaren" in text for text in page.text)  # the staff note never leaves


def test_issue_19_in_arabic_the_list_runs_right_to_left_and_swedish_text_is_marked_swedish() -> None:
    page = outline(cards_html([Found(CAFE, TUESDAY_EVENING)], TUESDAY_EVENING, "ar"))
    assert page.tags[0] == ("ol", {"class": "trygg-places", "dir": "rtl"})
    assert ("p", {"lang": "sv", "dir": "ltr"}) in page.tags
    assert "الوصف متوفر فقط باللغة السويدية." in page.text


@given(name=st.text(min_size=1, max_size=60))
def test_a_name_never_adds_markup(name: str) -> None:
    place = MeetingPlace(name, MeetingPlaceKind.OTHER, 13.6, 56.46, contact=name, description=name)
    markup = cards_html([Found(place, TUESDAY_EVENING)], TUESDAY_EVENING, "sv")
    page = outline(markup)
    assert {tag for tag, _ in page.tags} <= {"ol", "li", "details", "summary", "div", "p", "strong", "dl", "dt", "dd"}
    assert html.escape(name) in markup
