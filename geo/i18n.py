"""Translation catalogue: Swedish by default, English and Arabic (right to left).

Messages live in gettext catalogues, ``geo/locales/<lang>/LC_MESSAGES/messages.po``,
read with Babel (no compile step). Message ids are stable keys such as
``explore.title``; every language, Swedish included, carries the words. Values of
enums are looked up as ``<kind>.<code>`` (``status.ny``, ``feeling.otrygg``).

Placeholders use `str.format` names: ``t("explore.count", n=12)``.

Counted phrases are gettext plural entries (``msgid_plural``, ``msgstr[0]`` …): given ``n``, the
form is chosen by the catalogue's ``Plural-Forms`` (two in Swedish and English, six in Arabic:
zero, one, two, few, many, other, as CLDR names them), so "1 åtgärd" and "3 åtgärder" come from
one key.
"""

from __future__ import annotations

import datetime as dt
import gettext
import numbers
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from geo.config import LOCAL_TIME_ZONE

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LANGUAGE = "sv"
LANGUAGES: dict[str, str] = {"sv": "Svenska", "en": "English", "ar": "العربية"}
"""Supported languages, each named in itself (as a language picker shows them)."""
RTL_LANGUAGES = frozenset({"ar"})

Translator = Callable[..., str]


def normalize_language(value: object) -> str:
    """A supported language code for any input; unknown input gives the default."""
    if isinstance(value, str):
        code = value.strip().lower().replace("_", "-").split("-")[0]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def is_rtl(lang: str) -> bool:
    return normalize_language(lang) in RTL_LANGUAGES


@cache
def catalog(lang: str) -> Catalog:
    """The parsed catalogue of one language."""
    path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


@cache
def plural_messages(lang: str) -> Mapping[str, tuple[str, ...]]:
    """``{key: (form 0, form 1, …)}``: the counted phrases of one language (entries with
    ``msgid_plural``), only those with every form written and not fuzzy."""
    result: dict[str, tuple[str, ...]] = {}
    for message in catalog(lang):
        if message.pluralizable and not message.fuzzy and all(message.string):
            result[message.id[0]] = tuple(message.string)
    return result


@cache
def plural_index(lang: str) -> Callable[[int], int]:
    """Which form of a counted phrase the number ``n`` takes in ``lang`` (the catalogue's
    ``Plural-Forms`` expression, evaluated as gettext does)."""
    return gettext.c2py(catalog(lang).plural_expr)


@cache
def messages(lang: str) -> Mapping[str, str]:
    """``{key: text}`` of one language, without empty or fuzzy entries (a counted phrase by its
    last form, the one for most numbers)."""
    result: dict[str, str] = {key: forms[-1] for key, forms in plural_messages(lang).items()}
    for message in catalog(lang):
        usable = isinstance(message.id, str) and isinstance(message.string, str) and not message.fuzzy
        if usable and message.id and message.string:
            result[message.id] = message.string
    return result


def _counted(key: str, lang: str, n: object) -> str | None:
    """The form of the counted phrase ``key`` for ``n`` (in ``lang``, else Swedish), or None."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):  # numpy's integers count too
        return None
    for language in (lang, DEFAULT_LANGUAGE):
        if forms := plural_messages(language).get(key):
            return forms[min(plural_index(language)(abs(int(n))), len(forms) - 1)]
    return None


def translate(key: str, lang: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """The text of ``key`` in ``lang``, falling back to Swedish, then to the key; a counted
    phrase in the form its ``n`` takes."""
    lang = normalize_language(lang)
    counted = _counted(key, lang, values.get("n"))
    text = counted or messages(lang).get(key) or messages(DEFAULT_LANGUAGE).get(key) or key
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def translator(lang: str) -> Translator:
    """A one-language `translate`: ``t = translator("en"); t("nav.explore")``."""
    lang = normalize_language(lang)

    def t(key: str, /, **values: object) -> str:
        return translate(key, lang, **values)

    return t


def label(kind: str, code: object, lang: str) -> str:
    """The word for an enum value, e.g. ``label("status", Status.NEW, "en")``."""
    return translate(f"{kind}.{code}", lang)


def format_day(value: dt.date | dt.datetime, lang: str) -> str:
    """A date as people of ``lang`` write it (``23 nov. 2026``)."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(_tz()).date() if value.tzinfo else value.date()
    return format_date(value, format="medium", locale=_locale(lang))


def format_month(value: dt.date, lang: str) -> str:
    """A month and year as people of ``lang`` name it (``november 2026``)."""
    return format_date(value, format="LLLL y", locale=_locale(lang))


def format_moment(value: dt.datetime, lang: str) -> str:
    """A UTC time shown in Swedish local time, in the reader's language."""
    return format_datetime(value, format="medium", tzinfo=_tz(), locale=_locale(lang))


def language_names(codes: str | Iterable[str], lang: str) -> str:
    """Languages given as ISO 639 codes (``"sv, ar, ti"`` or a sequence) named in ``lang``
    (``svenska, arabiska, tigrinska``), from Babel's CLDR data; an unknown code stays as it is."""
    if isinstance(codes, str):
        codes = re.split(r"[,;]", codes)
    names = _locale(lang).languages
    words = [names.get(code.strip().lower().replace("-", "_"), code.strip()) for code in codes if code.strip()]
    return ("، " if is_rtl(lang) else ", ").join(words)


def load_all() -> None:
    """Read every language's catalogue and Babel's locale data for it now: both are read on first
    use, which a first visitor after a start would otherwise wait for (`geo.startup.warm_up`)."""
    today = dt.date.today()
    for lang in LANGUAGES:
        messages(lang)
        plural_messages(lang)
        format_day(today, lang)
        format_month(today, lang)
        format_number(1234.5, lang)


def format_number(value: float, lang: str) -> str:
    return format_decimal(value, locale=_locale(lang))


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(normalize_language(lang))


@cache
def _tz() -> dt.tzinfo:
    return LOCAL_TIME_ZONE
