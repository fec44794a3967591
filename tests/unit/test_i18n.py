from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.i18n import LANGUAGES, is_rtl, language_names, messages, normalize_language, translate
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
