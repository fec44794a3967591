"""Meeting places as residents look for them: open now, opens next, near me, in my language.

Pure logic (no store, no Streamlit). Opening hours are OpenStreetMap's ``opening_hours`` syntax,
read by the maintained parser ``opening-hours-py`` in the municipality's time zone
(`geo.config.TIME_ZONE`) with Sweden's public holidays (``PH off`` works). The parser's Swedish
calendar is the ``holidays`` package's Sweden, public and de facto days (julafton, nyårsafton,
midsommarafton): a test holds the two together, and ``holidays`` names the day on a card.
A parsed expression is cached per place and version (`hours_of`).

Distances are straight lines in SWEREF 99 TM (EPSG:3006, metres) between EPSG:4326 points.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

import holidays
import numpy as np
from babel import Locale
from opening_hours import OpeningHours, ParserError, State

from geo.config import LOCAL_TIME_ZONE
from geo.crs import to_sweref99tm
from geo.i18n import is_rtl, translate
from geo.model import Access, Audience, MeetingPlace, MeetingPlaceKind

COUNTRY = "SE"
HOLIDAY_CATEGORIES = ("public", "de_facto")
"""The days ``PH`` means: Sweden's public holidays and the de facto ones (the eves of
midsummer, Christmas and New Year), as the parser's Swedish calendar has them."""
WEEK = dt.timedelta(days=7)
PARSE_ERRORS = (ParserError, SyntaxError, ValueError, OverflowError)
"""What the parser raises for a text it does not understand."""


class When(enum.StrEnum):
    """The finder's time filter."""

    ANY = "any"
    NOW = "now"
    TODAY = "today"
    WEEK = "week"


# -- parsing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoursProblem:
    """Why an ``opening_hours`` text was not understood: ``position`` is the 0-based index of the
    character where reading stopped, ``part`` the text from there to the next space or ``;``."""

    text: str
    position: int
    part: str


def check_hours(text: str) -> HoursProblem | None:
    """None when ``text`` is empty or valid ``opening_hours`` syntax; else where it failed."""
    if not text.strip():
        return None
    try:
        _parse(text, COUNTRY)
    except PARSE_ERRORS as error:
        return _problem(text, str(error))
    return None


def _problem(text: str, message: str) -> HoursProblem:
    found = re.search(r"-->\s*(\d+):(\d+)", message)
    position = min(max(int(found.group(2)) - 1, 0), len(text)) if found else 0
    if found and int(found.group(1)) > 1:  # a line break in the text: count the earlier lines
        lines = text.split("\n")
        position = sum(len(line) + 1 for line in lines[: int(found.group(1)) - 1]) + position
    rest = text[position:]
    part = re.split(r"[\s;]", rest, maxsplit=1)[0] if rest.strip() else ""
    return HoursProblem(text, min(position, len(text)), part or rest[:12])


@lru_cache(maxsize=8192)
def _parse(text: str, country: str | None) -> OpeningHours:
    return OpeningHours(
        text,
        timezone=LOCAL_TIME_ZONE,
        country=country,
        auto_country=False,
        auto_timezone=False,
        max_interval_days=400,
    )


@lru_cache(maxsize=8192)
def _hours(place_id: str, version: int, text: str) -> OpeningHours | None:
    try:
        return _parse(text, COUNTRY) if text.strip() else None
    except PARSE_ERRORS:
        return None


def hours_of(place: MeetingPlace) -> OpeningHours | None:
    """The place's parsed opening hours (None: none given or not understood), cached per place
    and version."""
    return _hours(place.id, place.version, place.opening_hours)


# -- open or closed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Openness:
    """A place's state at ``at`` (local time): ``open`` True, False or None (not known: no hours,
    hours not understood, or marked ``unknown``); ``until`` when an open place closes (None: not
    within a year, or not known); ``opens`` when a closed place next opens (None: not within a
    week... or not known); ``today`` the open intervals of the local day of ``at``."""

    open: bool | None
    until: dt.datetime | None = None
    opens: dt.datetime | None = None
    today: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    holiday: str = ""


def local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in the municipality's time zone (a naive one is read as local time)."""
    return moment.replace(tzinfo=LOCAL_TIME_ZONE) if moment.tzinfo is None else moment.astimezone(LOCAL_TIME_ZONE)


def openness(place: MeetingPlace, at: dt.datetime) -> Openness:
    """Whether ``place`` is open at ``at`` and when that changes (see `Openness`)."""
    at = local(at)
    hours = hours_of(place)
    holiday = holiday_name(at.date(), "sv")
    if hours is None:
        return Openness(None, holiday=holiday)
    state, _comment = hours.state(at)
    today = open_intervals(hours, at.date(), overlapping=True)
    if state is State.OPEN:
        return Openness(True, until=_next_change(hours, at), today=today, holiday=holiday)
    if state is State.UNKNOWN:
        return Openness(None, today=today, holiday=holiday)
    return Openness(False, opens=_next_opening(hours, at), today=today, holiday=holiday)


def is_open(place: MeetingPlace, at: dt.datetime) -> bool:
    hours = hours_of(place)
    return hours is not None and hours.is_open(local(at))


def open_within(place: MeetingPlace, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether ``place`` is open at some moment in [start, end)."""
    hours = hours_of(place)
    if hours is None:
        return False
    start, end = local(start), local(end)
    if hours.is_open(start):
        return True
    opens = _next_opening(hours, start, horizon=end - start)
    return opens is not None and opens < end


def _next_change(hours: OpeningHours, at: dt.datetime) -> dt.datetime | None:
    change = hours.next_change(at)
    return local(change) if change is not None else None


def _next_opening(hours: OpeningHours, at: dt.datetime, horizon: dt.timedelta = WEEK) -> dt.datetime | None:
    for start, _end, state, _comment in hours.intervals(at, at + horizon):
        if state is State.OPEN:
            return local(start)
    return None


def open_intervals(
    hours: OpeningHours, day: dt.date, *, overlapping: bool = False
) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """The open intervals that begin on local ``day`` (one that runs past midnight keeps its end);
    with ``overlapping`` also one that began the day before and runs into ``day`` (a card's
    "today" at 01:30 when a place is open 22:00–02:00)."""
    start = dt.datetime.combine(day, dt.time(), LOCAL_TIME_ZONE)
    found = []
    for begin, end, state, _comment in hours.intervals(
        start - dt.timedelta(hours=36), start + dt.timedelta(days=1, hours=12)
    ):
        begin, end = local(begin), local(end)
        if state is not State.OPEN or end <= start or begin >= start + dt.timedelta(days=1):
            continue
        if begin.date() == day:
            found.append((begin, min(end, _midnight_after(day) + dt.timedelta(hours=12))))
        elif begin.date() < day - dt.timedelta(days=1):  # running for days (24/7): the whole day
            found.append((start, min(end, _midnight_after(day))))
        elif overlapping:  # last night's, still running
            found.append((begin, end))
    return tuple(found)


def _midnight_after(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), LOCAL_TIME_ZONE)


# -- public holidays ----------------------------------------------------------------------------


@cache
def _holidays(year: int, language: str) -> holidays.HolidayBase:
    return holidays.country_holidays(
        COUNTRY, years=year, categories=HOLIDAY_CATEGORIES, include_sundays=False, language=language
    )


def holiday_days(year: int) -> frozenset[dt.date]:
    """The days ``PH`` means in ``year`` (see `HOLIDAY_CATEGORIES`)."""
    return frozenset(_holidays(year, "sv"))


def holiday_name(day: dt.date, lang: str) -> str:
    """The name of the public holiday on ``day`` (Swedish; English for readers of other
    languages, the ``holidays`` package has no Arabic), or "" on other days."""
    return _holidays(day.year, "sv" if lang == "sv" else "en_US").get(day, "")


# -- words ----------------------------------------------------------------------------------------


def weekday_name(day: dt.date | int, lang: str, *, capital: bool = False) -> str:
    """The weekday in ``lang`` (``måndag``); ``day`` a date or 0 for Monday."""
    index = day if isinstance(day, int) else day.weekday()
    name = _locale(lang).days["format"]["wide"][index]
    return name[:1].upper() + name[1:] if capital else name


def clock(moment: dt.datetime | dt.time, *, end: bool = False) -> str:
    """``17:00``; an end at midnight is ``24:00``."""
    if end and (moment.hour, moment.minute) == (0, 0):
        return "24:00"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def span(begin: dt.datetime, end: dt.datetime, lang: str = "sv") -> str:
    """``10:00–19:00``; in a right-to-left language kept left to right (a Unicode isolate), so
    that Arabic shows it as written, not as ``24:00–00:00``."""
    text = f"{clock(begin)}–{clock(end, end=True)}"
    return f"\u2066{text}\u2069" if is_rtl(lang) else text


def when_words(moment: dt.datetime, now: dt.datetime, lang: str) -> str:
    """``today 17:00``, ``tomorrow 09:00`` or ``Tuesday 17:00`` (within a week), else a date."""
    moment, now = local(moment), local(now)
    days = (moment.date() - now.date()).days
    time = clock(moment)
    if days == 0:
        return translate("places.today_at", lang, time=time)
    if days == 1:
        return translate("places.tomorrow_at", lang, time=time)
    if days < 7:
        return translate("places.day_at", lang, day=weekday_name(moment.date(), lang), time=time)
    return translate("places.date_at", lang, date=f"{moment.day}/{moment.month}", time=time)


def status_words(state: Openness, now: dt.datetime, lang: str) -> str:
    """One line a card leads with: ``Open now, until 19:00`` / ``Closed, opens Tuesday 17:00``."""
    if state.open is True:
        if state.until is None:
            return translate("places.open_now", lang)
        return translate("places.open_until", lang, when=when_words(state.until, now, lang))
    if state.open is False:
        if state.opens is None:
            return translate("places.closed_week", lang)
        return translate("places.closed_opens", lang, when=when_words(state.opens, now, lang))
    return translate("places.hours_unknown", lang)


def today_words(state: Openness, lang: str) -> str:
    """Today's hours (``10:00–19:00, 20:00–22:00``) or ``closed today``."""
    if not state.today:
        return translate("places.closed_today", lang)
    return _join((span(a, b, lang) for a, b in state.today), lang)


def render_hours(text: str, lang: str, *, week_of: dt.date | None = None) -> str:
    """`hours_words`, kept for each text, language and week (the same words every rerun)."""
    day = week_of or dt.date.today()
    return _render_hours(text, lang, day - dt.timedelta(days=day.weekday()))


def hours_said(text: str, lang: str) -> str:
    """What a place's ``opening_hours`` say, in words of ``lang`` (`render_hours`); the team's own
    text as written when it is not understood (written before the syntax was required); "" for none."""
    if not text.strip():
        return ""
    try:
        return render_hours(text, lang)
    except PARSE_ERRORS:
        return text


@lru_cache(maxsize=4096)
def _render_hours(text: str, lang: str, monday: dt.date) -> str:
    return hours_words(text, lang, week_of=monday)


def hours_words(text: str, lang: str, *, week_of: dt.date | None = None) -> str:
    """What an ``opening_hours`` text says, in plain words of ``lang``: the days of an ordinary
    week (no holiday in it) with their hours, days of equal hours joined (``Måndag–torsdag
    10:00–19:00; fredag 10:00–16:00``), then what public holidays do (``stängt på helgdagar``),
    and a note when the hours change over the year. "" for an empty text; raises one of
    `PARSE_ERRORS` for one that is not understood (`check_hours` says where)."""
    if not text.strip():
        return ""
    plain = _parse(text, None)  # no calendar: an ordinary week
    monday = (week_of or dt.date.today()) - dt.timedelta(days=(week_of or dt.date.today()).weekday())
    days = [
        _join((span(a, b, lang) for a, b in open_intervals(plain, monday + dt.timedelta(days=i))), lang)
        for i in range(7)
    ]
    parts = []
    for first, last, hours in _runs(days):
        names = (
            weekday_name(first, lang) if first == last else f"{weekday_name(first, lang)}–{weekday_name(last, lang)}"
        )
        if hours:  # closed days go unsaid, as people write hours
            parts.append(f"{names} {hours}")
    if not parts:
        parts = [translate("places.hours_closed_week", lang)]
    holiday = _holiday_words(text, monday, lang)
    if holiday:
        parts.append(holiday)
    if _seasonal(text):
        parts.append(translate("places.hours_seasonal", lang))
    sentence = ("؛ " if is_rtl(lang) else "; ").join(parts)
    return sentence[:1].upper() + sentence[1:]


def _runs(days: Sequence[str]) -> list[tuple[int, int, str]]:
    runs: list[tuple[int, int, str]] = []
    for index, hours in enumerate(days):
        if runs and runs[-1][2] == hours and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index, hours)
        else:
            runs.append((index, index, hours))
    return runs


def _holiday_words(text: str, near: dt.date, lang: str) -> str:
    if not re.search(r"\bPH\b", text):
        return ""
    hours = _parse(text, COUNTRY)
    day = min(d for d in holiday_days(near.year) | holiday_days(near.year + 1) if d >= near)
    found = open_intervals(hours, day)
    if not found:
        return translate("places.hours_holidays_closed", lang)
    return translate("places.hours_holidays", lang, hours=_join((span(a, b, lang) for a, b in found), lang))


def _seasonal(text: str) -> bool:
    months = r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\bweek\b|\b\d{4}\b|\beaster\b|\bSH\b"
    return re.search(months, text) is not None


def _join(items: Iterable[str], lang: str) -> str:
    return ("، " if is_rtl(lang) else ", ").join(items)


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang if lang in ("sv", "en", "ar") else "sv")


# -- languages ------------------------------------------------------------------------------------


@cache
def known_language_codes() -> frozenset[str]:
    """ISO 639 codes CLDR names (``sv``, ``ti``, ``fa``): the codes a place's languages may use."""
    return frozenset(code for code in Locale.parse("en").languages if "_" not in code)


def language_name(code: str, lang: str) -> str:
    """``ar`` named in ``lang`` (``arabiska``); an unknown code stays as it is."""
    return _locale(lang).languages.get(code, code)


# -- distance -------------------------------------------------------------------------------------


def distances_m(places: Sequence[MeetingPlace], lon: float, lat: float) -> np.ndarray:
    """Straight-line distance in metres from (``lon``, ``lat``) (EPSG:4326 degrees) to each place,
    measured in SWEREF 99 TM (EPSG:3006)."""
    if not places:
        return np.zeros(0)
    transformer = to_sweref99tm()
    xs, ys = transformer.transform(np.array([p.lon for p in places]), np.array([p.lat for p in places]))
    x0, y0 = transformer.transform(lon, lat)
    return np.hypot(np.asarray(xs) - x0, np.asarray(ys) - y0)


def distance_words(metres: float, lang: str) -> str:
    """``350 m`` under a kilometre (to 10 m), else ``2,4 km``."""
    if metres < 1000:
        return translate("places.metres", lang, n=int(round(metres, -1)))
    km = f"{metres / 1000:.1f}"
    return translate("places.kilometres", lang, n=km if lang == "en" else km.replace(".", ","))


# -- the finder -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceFilter:
    """What a resident asks for. Empty tuples ask for nothing in particular."""

    when: When = When.ANY
    languages: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    free: bool = False
    wheelchair: bool = False


@dataclass(frozen=True)
class Found:
    """One place the finder lists at the moment ``at``, its distance (None: no origin) and its
    `Openness` then (worked out when first asked for: a list shows only its first places)."""

    place: MeetingPlace
    at: dt.datetime
    distance_m: float | None = None

    @cached_property
    def state(self) -> Openness:
        return openness(self.place, self.at)


def matches(place: MeetingPlace, flt: PlaceFilter, now: dt.datetime) -> bool:
    """Whether ``place`` answers ``flt`` at ``now``. A place for everyone (no audience, or
    ``alla``) answers every audience; a free place has ``fee=no``; wheelchair means ``yes``."""
    return _answers(place, flt) and _open_when(place, flt.when, now)


def _answers(place: MeetingPlace, flt: PlaceFilter) -> bool:
    """Whether ``place`` answers every part of ``flt`` but its time."""
    if not place.active:
        return False
    if flt.kinds and str(place.kind) not in flt.kinds:
        return False
    if flt.languages and not set(flt.languages) & set(place.languages):
        return False
    if flt.audience and not (set(flt.audience) & set(place.audience) or _for_everyone(place)):
        return False
    if flt.free and place.fee != "no":
        return False
    return not (flt.wheelchair and place.wheelchair != Access.YES)


def _for_everyone(place: MeetingPlace) -> bool:
    return not place.audience or Audience.EVERYONE in place.audience


def _open_when(place: MeetingPlace, when: When, now: dt.datetime) -> bool:
    now = local(now)
    if when is When.NOW:
        return is_open(place, now)
    if when is When.TODAY:
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), LOCAL_TIME_ZONE)
        return open_within(place, now, midnight)
    if when is When.WEEK:
        return open_within(place, now, now + WEEK)
    return True


def find(
    places: Iterable[MeetingPlace],
    flt: PlaceFilter,
    now: dt.datetime,
    origin: tuple[float, float] | None = None,
) -> list[Found]:
    """The places that answer ``flt`` at ``now``, nearest first from ``origin`` (lon, lat in
    EPSG:4326) when given, else by name."""
    # Places that share their opening hours share the answer: each text is asked once (the
    # answer depends on the text, the time and the holidays only).
    open_by_hours: dict[str, bool] = {}

    def open_then(place: MeetingPlace) -> bool:
        if place.opening_hours not in open_by_hours:
            open_by_hours[place.opening_hours] = _open_when(place, flt.when, now)
        return open_by_hours[place.opening_hours]

    chosen = [p for p in places if _answers(p, flt) and open_then(p)]
    if origin is None:
        return [Found(p, now) for p in sorted(chosen, key=lambda p: p.name.casefold())]
    metres = distances_m(chosen, *origin)
    order = np.argsort(metres, kind="stable")
    return [Found(chosen[i], now, float(metres[i])) for i in order]


def kinds() -> tuple[str, ...]:
    return tuple(k.value for k in MeetingPlaceKind)


def audiences() -> tuple[str, ...]:
    return tuple(a.value for a in Audience)


# -- outside input: files and the editor ------------------------------------------------------------

_YES = frozenset({"yes", "ja", "true", "1", "y", "j"})
_NO = frozenset({"no", "nej", "false", "0", "n", "gratis", "free"})
_LIMITED = frozenset({"limited", "delvis", "begransad", "begränsad", "partly"})


def split_codes(text: str) -> tuple[str, ...]:
    """``"sv, AR; ti"`` → ``("sv", "ar", "ti")``: a list as files write it (``,`` or ``;``), each
    code trimmed and lower case, the first of each kept."""
    codes = (part.strip().lower().replace("-", "_") for part in re.split(r"[,;]", text or ""))
    return tuple(dict.fromkeys(code for code in codes if code))


def unknown_languages(codes: Iterable[str]) -> list[str]:
    """The codes of ``codes`` that are not ISO 639 language codes CLDR knows."""
    known = known_language_codes()
    return [code for code in codes if code not in known]


def parse_fee(text: str) -> str:
    """OSM's ``fee``: ``no`` (free of charge; also ``nej``, ``gratis``, ``free``), ``yes`` (``ja``) or
    ``""`` (not known). `ValueError` for anything else."""
    value = (text or "").strip().casefold()
    if not value:
        return ""
    if value in _NO:
        return "no"
    if value in _YES:
        return "yes"
    raise ValueError(f"fee must be yes or no, got {text!r}")


def parse_access(text: str) -> str:
    """OSM's ``wheelchair``: ``yes``, ``limited``, ``no`` or ``""`` (also in Swedish). `ValueError`
    for anything else."""
    value = (text or "").strip().casefold()
    if not value:
        return Access.UNKNOWN.value
    if value in _YES:
        return Access.YES.value
    if value in _LIMITED:
        return Access.LIMITED.value
    if value in _NO - {"gratis", "free"}:
        return Access.NO.value
    raise ValueError(f"wheelchair must be yes, limited or no, got {text!r}")


def parse_audience(text: str) -> tuple[str, ...]:
    """Audience codes from a list of codes or their Swedish or English words (``unga, Women``).
    `ValueError` naming the first that is neither."""
    words = {translate(f"audience.{a.value}", lang).casefold(): a.value for a in Audience for lang in ("sv", "en")}
    found = []
    for part in re.split(r"[,;]", text or ""):
        value = part.strip().casefold()
        if not value:
            continue
        code = value if value in audiences() else words.get(value)
        if code is None:
            raise ValueError(f"audience must be among {audiences()}, got {part.strip()!r}")
        found.append(code)
    return tuple(dict.fromkeys(found))
