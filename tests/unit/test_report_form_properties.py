"""The report form's parsing of outside input, by property: any text, any coordinates, any
answers give either a report or clear messages in every language, never an exception, and
nothing accepted is cut or lost on the way into the database (issue #15, points 6 and the
class of input that broke other parsers)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.i18n import LANGUAGES, translate
from geo.reporting import MAX_TEXT_LENGTH, ReportDraft, preview_text, submit, validate
from geo.store import Store
from tests.conftest import NOW, small_categories

BOUNDARY = shapely.box(13.3, 56.3, 14.0, 56.8)
"""The test municipality, EPSG:4326."""

coordinates = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.floats(13.0, 14.5))
answers = st.one_of(st.none(), st.text(max_size=20))
# Letters, digits, spaces, newlines, personal data shapes and the odd control character.
texts = st.one_of(
    st.text(max_size=1200),
    st.lists(
        st.sampled_from(["Mörkt ", "070-123 45 67 ", "anna@exempel.se ", "19121212-1212 ", "\x00", "\n", "x" * 97]),
        max_size=30,
    ).map("".join),
)
drafts = st.builds(
    ReportDraft,
    lon=coordinates,
    lat=st.one_of(coordinates, st.floats(56.3, 56.8)),
    feeling=st.one_of(answers, st.sampled_from(["otrygg", "trygg"])),
    category=st.one_of(answers, st.sampled_from(["dalig_belysning", "trafik", "bra_belysning"])),
    time_of_day=st.one_of(answers, st.sampled_from(["dag", "kvall", "natt"])),
    text=texts,
    email=st.one_of(st.just(""), st.text(max_size=40), st.emails()),
    email_consent=st.booleans(),
    language=st.text(max_size=5),
)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{Path(tmp_path_factory.mktemp('form')) / 'form.db'}")
    store.upsert_categories(small_categories())
    yield store
    store.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(draft=drafts)
def test_any_input_gives_a_report_or_clear_messages(db: Store, draft: ReportDraft) -> None:
    problems = validate(draft, boundary=BOUNDARY, categories=small_categories())
    for problem in problems:
        for lang in LANGUAGES:
            message = translate(problem.key, lang, max=MAX_TEXT_LENGTH, **dict(problem.values))
            assert message != problem.key and not re.search(r"\{\w+\}", message), (lang, message)
    if problems:
        return
    assert draft.lon is not None and draft.lat is not None
    assert math.isfinite(draft.lon) and math.isfinite(draft.lat)
    done = submit(db, draft, now=NOW)
    stored = db.report_by_ref(done.ref_code)
    assert stored is not None
    assert stored["text"] == preview_text(draft), "an accepted text was cut or changed on the way in"
    assert (stored["lon"], stored["lat"]) == (draft.lon, draft.lat)


@given(text=texts)
def test_issue_15_an_over_long_text_is_refused_with_its_length_never_cut(text: str) -> None:
    draft = ReportDraft(13.6, 56.46, "otrygg", "dalig_belysning", "kvall", text=text)
    problems = [p for p in validate(draft, boundary=BOUNDARY, categories=small_categories()) if p.field == "text"]
    stored = len(preview_text(draft))
    if stored <= MAX_TEXT_LENGTH:
        assert problems == []
    else:
        assert [p.key for p in problems] == ["report.error.text_too_long"]
        assert dict(problems[0].values) == {"n": stored, "over": stored - MAX_TEXT_LENGTH}


@given(text=st.text(max_size=300))
def test_the_preview_is_what_is_stored_plain_and_trimmed(text: str) -> None:
    shown = preview_text(ReportDraft(13.6, 56.46, "otrygg", "dalig_belysning", "kvall", text=text))
    assert shown == shown.strip()
    assert all(ch in "\n\t" or ch.isprintable() for ch in shown)
