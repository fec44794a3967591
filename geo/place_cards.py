"""The finder's list of meeting places as one piece of HTML (issue #19).

One element for the whole list instead of a dozen Streamlit elements per card: a rerun of the
finder then sends the browser one message for the list, not some 200, and the answer shows sooner.
The structure stays what a screen reader needs: an ordered list, each card a ``<details>`` whose
``<summary>`` is its title (a button that opens it, by keyboard as well), the facts a description
list, a text in another language than the page's marked with its ``lang`` and ``dir``.

Every text from the team or a file is escaped (`html.escape`): a place's name can never add markup
or script to the page. Pure: no Streamlit, no store.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from geo import meeting_places as mp
from geo.i18n import is_rtl, label, language_names, translate
from geo.model import MeetingPlace

LIST_CLASS = "trygg-places"
CARD_CLASS = "trygg-place"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _direction(lang: str) -> str:
    return "rtl" if is_rtl(lang) else "ltr"


def card_title(number: int, found: mp.Found, now: dt.datetime, lang: str) -> str:
    """``3. Språkcafé · Öppet nu, till 19:00 · 350 m``: what a closed card says."""
    where = f" · {mp.distance_words(found.distance_m, lang)}" if found.distance_m is not None else ""
    return f"{number}. {found.place.name} · {mp.status_words(found.state, now, lang)}{where}"


def hours_text(place: MeetingPlace, lang: str) -> str:
    """The week's hours in words of ``lang`` (`geo.meeting_places.hours_said`), or that they are not known."""
    return mp.hours_said(place.opening_hours, lang) or translate("places.hours_unknown", lang)


def facts(place: MeetingPlace, lang: str) -> list[tuple[str, str]]:
    """(name, value) of what a card says below the hours and description; empty values left out."""
    wheelchair = translate(f"wheelchair.{place.wheelchair}", lang) if place.wheelchair else ""
    fee = {"no": translate("places.fee_no", lang), "yes": translate("places.fee_yes", lang)}.get(place.fee, "")
    rows = [
        (translate("places.languages", lang), language_names(place.languages, lang)),
        (
            translate("places.audience", lang),
            ("، " if is_rtl(lang) else ", ").join(label("audience", a, lang) for a in place.audience),
        ),
        (translate("places.address", lang), place.address),
        (translate("places.accessibility", lang), "; ".join(filter(None, (wheelchair, place.accessibility)))),
        (translate("places.fee", lang), fee),
        (translate("places.contact", lang), place.contact),
    ]
    return [(name, value) for name, value in rows if value]


def card_html(number: int, found: mp.Found, now: dt.datetime, lang: str) -> str:
    """One card: its title as the ``<summary>``, today's hours first, then the kind, the week's
    hours, the description (in ``lang`` where written, else Swedish, said so) and the facts."""
    place, state = found.place, found.state
    body = [f"<p><strong>{_esc(translate('places.today', lang))}:</strong> {_esc(mp.today_words(state, lang))}</p>"]
    if state.holiday and not state.today:
        name = mp.holiday_name(mp.local(now).date(), lang)
        body.append(f'<p class="trygg-place-note">{_esc(translate("places.holiday_today", lang, name=name))}</p>')
    body.append(f"<p>{_esc(label('meeting_place_kind', place.kind, lang))}</p>")
    rows = [f"<dt>{_esc(translate('places.hours', lang))}</dt><dd>{_esc(hours_text(place, lang))}</dd>"]
    description, written_in = place.description_in(lang)
    if description:
        said = ""
        if written_in != lang:
            note = translate("places.description_in", lang, language=mp.language_name(written_in, lang))
            said = f'<p class="trygg-place-note">{_esc(note)}</p>'
        rows.append(
            f"<dt>{_esc(translate('places.what', lang))}</dt>"
            f'<dd><p lang="{_esc(written_in)}" dir="{_direction(written_in)}">{_esc(description)}</p>{said}</dd>'
        )
    rows += [f"<dt>{_esc(name)}</dt><dd>{_esc(value)}</dd>" for name, value in facts(place, lang)]
    title = _esc(card_title(number, found, now, lang))
    return (
        f'<li class="{CARD_CLASS}"><details><summary>{title}</summary>'
        f'<div class="trygg-place-body">{"".join(body)}<dl>{"".join(rows)}</dl></div></details></li>'
    )


def cards_html(found: Sequence[mp.Found], now: dt.datetime, lang: str) -> str:
    """The listed places, numbered from 1 in ``found``'s order, as one ordered list."""
    cards = "".join(card_html(number, item, now, lang) for number, item in enumerate(found, start=1))
    return f'<ol class="{LIST_CLASS}" dir="{_direction(lang)}">{cards}</ol>'
