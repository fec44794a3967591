from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel import Locale
from hypothesis import given
from hypothesis import strategies as st

from geo.i18n import (
    LANGUAGES,
    catalog,
    is_rtl,
    language_names,
    messages,
    normalize_language,
    plural_index,
    plural_messages,
    translate,
)
from geo.model import Feeling, MeetingPlaceKind, Moderation, PlaceKind, Rejection, Status, TimeOfDay, ZoneKind

ROOT = Path(__file__).resolve().parents[2]


def keys_used_in_code() -> set[str]:
    """Every literal key passed to t(...)/translate(...) in app.py, pages/ and geo/."""
    found: set[str] = set()
    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "geo").rglob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            first = node.args[0]
            if name in ("t", "translate") and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def enum_keys() -> set[str]:
    kinds = {
        "feeling": Feeling,
        "time_of_day": TimeOfDay,
        "status": Status,
        "moderation": Moderation,
        "zone_kind": ZoneKind,
        "meeting_place_kind": MeetingPlaceKind,
        "rejection": Rejection,
        "place_kind": PlaceKind,
    }
    return {f"{kind}.{member.value}" for kind, enum in kinds.items() for member in enum}


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_language_has_every_string(lang: str) -> None:
    swedish = set(messages("sv"))
    assert swedish, "the Swedish catalogue is empty"
    missing = swedish - set(messages(lang))
    assert not missing, f"{lang} lacks {sorted(missing)}"


def test_every_key_used_in_code_and_every_enum_value_is_in_the_catalogue() -> None:
    missing = (keys_used_in_code() | enum_keys()) - set(messages("sv"))
    assert not missing, f"not in the catalogue: {sorted(missing)}"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_placeholders_match_swedish(lang: str) -> None:
    def names(text: str) -> set[str]:
        return set(re.findall(r"\{(\w+)\}", text))

    sv = messages("sv")
    for key, text in messages(lang).items():
        assert names(text) == names(sv[key]), f"{lang}:{key} has other placeholders than Swedish"


def test_translation_and_fallbacks() -> None:
    assert translate("nav.explore", "sv") == "Karta"
    assert translate("nav.explore", "en") == "Map"
    assert translate("explore.table_title", "en", n=3) == "Reports (3)"
    assert translate("no.such.key", "en") == "no.such.key"


@pytest.mark.parametrize(("raw", "expected"), [("ar", "ar"), ("EN", "en"), ("en-GB", "en"), ("xx", "sv"), (None, "sv")])
def test_normalize_language(raw: object, expected: str) -> None:
    assert normalize_language(raw) == expected


def test_only_arabic_is_right_to_left() -> None:
    assert is_rtl("ar") and not is_rtl("sv") and not is_rtl("en")


def test_enum_labels_are_words_not_sentences() -> None:
    """A page message must never take an enum's key (``moderation.published`` is the state's name)."""
    for key in enum_keys():
        assert "{" not in messages("sv")[key], key


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", "svenska, arabiska, tigrinja, somaliska"),
        ("en", "Swedish, Arabic, Tigrinya, Somali"),
        ("ar", "السويدية، العربية، التغرينية، الصومالية"),
    ],
)
def test_issue_14_meeting_place_languages_are_named_in_the_readers_language(lang: str, expected: str) -> None:
    assert language_names("sv, ar; ti,so", lang) == expected
    assert language_names(("sv", "ar", "ti", "so"), lang) == expected


@given(st.text(max_size=60), st.sampled_from(list(LANGUAGES)))
def test_language_names_take_any_text_and_keep_what_they_do_not_know(codes: str, lang: str) -> None:
    named = language_names(codes, lang)
    assert isinstance(named, str)
    parts = [p.strip() for p in re.split(r"[,;]", codes) if p.strip()]
    assert (named == "") == (not parts)


CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
"""The order gettext catalogues give their plural forms in, by CLDR's names."""


@pytest.mark.parametrize("lang", list(LANGUAGES))
@given(n=st.integers(min_value=0, max_value=10**7))
def test_the_catalogues_plural_forms_agree_with_cldr(lang: str, n: int) -> None:
    # The form a number takes comes from the catalogue's Plural-Forms header (as gettext reads it);
    # Babel's CLDR rules say which category the number is in. Babel's own header for Arabic put
    # 11-99 among "other" and 100-102 among "many" (the header is now CLDR's).
    locale = Locale.parse(lang)
    categories = [c for c in CLDR_ORDER if c in locale.plural_form.tags or c == "other"]
    assert catalog(lang).num_plurals == len(categories)
    assert categories[plural_index(lang)(n)] == locale.plural_form(n)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_counted_phrase_has_every_form_in_every_language(lang: str) -> None:
    def names(text: str) -> set[str]:
        return set(re.findall(r"\{(\w+)\}", text)) - {"n", "count"}  # the number, raw or formatted

    swedish = plural_messages("sv")
    assert swedish, "no counted phrase in the Swedish catalogue"
    for key, sv_forms in swedish.items():
        forms = plural_messages(lang).get(key)
        assert forms is not None and len(forms) == catalog(lang).num_plurals, f"{lang}:{key}"
        assert all(names(form) == names(sv_forms[-1]) for form in forms), f"{lang}:{key}"
        assert "{n}" in forms[-1] or "{count}" in forms[-1], f"{lang}:{key} does not say the number"


@pytest.mark.parametrize(
    ("lang", "counts", "expected"),
    [
        ("sv", (1, 2, 21), ("1 åtgärd är försenad:", "2 åtgärder är försenade:", "21 åtgärder är försenade:")),
        ("en", (1, 2, 21), ("1 action is overdue:", "2 actions are overdue:", "21 actions are overdue:")),
        (
            "ar",
            (1, 2, 3, 11, 100),
            ("إجراء واحد متأخر:", "إجراءان متأخران:", "3 إجراءات متأخرة:", "11 إجراءً متأخرًا:", "100 إجراء متأخر:"),
        ),
    ],
)
def test_a_counted_phrase_takes_the_form_of_its_number(lang: str, counts: tuple[int, ...], expected: tuple) -> None:
    assert tuple(translate("mail.digest.overdue", lang, n=n) for n in counts) == expected


@pytest.mark.parametrize(
    ("key", "values", "expected"),
    [
        ("promise.times", {}, ("Genomfört 1 gång", "Carried out once", "نُفّذ مرة واحدة")),
        ("moderation.done_published", {}, ("1 rapport publicerad.", "1 report published.", "تم نشر بلاغ واحد.")),
        ("hex.count", {}, ("1 rapport i området", "1 report in this area", "بلاغ واحد في هذه المنطقة")),
        ("io.import.rows", {}, ("1 objekt i filen", "1 feature in the file", "عنصر واحد في الملف")),
        ("dossier.linked", {}, ("1 rapport kopplades.", "1 report was linked.", "تم ربط بلاغ واحد.")),
    ],
)
def test_one_of_a_thing_is_said_in_the_singular(key: str, values: dict, expected: tuple[str, str, str]) -> None:
    # "1 åtgärder", "1 reports": counted phrases were plural whatever the count (numpy's integers too)
    import numpy as np

    assert tuple(translate(key, lang, n=1, **values) for lang in ("sv", "en", "ar")) == expected
    assert translate(key, "sv", n=np.int64(1), **values) == expected[0]
