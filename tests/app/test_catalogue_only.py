"""Issue 14.3: every text a page shows comes from the catalogue or from the data.

Streamlit's "magic" once wrote a developer's sentence (a bare string in a page file) as the
first line of the home page. Magic is off (`.streamlit/config.toml`); this test runs every
page through ``app.py`` with AppTest, as the public and as staff, in Swedish, English and
Arabic, and checks every word of every title, header, text, caption, message and widget
label against the words of the catalogue (all languages), of the database's own text
(names, descriptions, report texts, codes) and of Babel's names of months, days and
languages. A word from nowhere is a string that is not from the catalogue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel import Locale
from streamlit.testing.v1 import AppTest

from geo.auth import StaffSession, User, add_user
from geo.i18n import LANGUAGES, messages
from geo.model import Role
from geo.store import REF_CODE_ALPHABET, REF_CODE_LENGTH, Store, utcnow
from geo.store.tables import metadata
from tests.app.conftest import app_on_demo, map_reported

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
ADMIN = User("admin", Role.ADMIN)
PUBLIC_PAGES = ("explore.py", "report.py", "status.py", "accessibility.py")
STAFF_PAGES = ("explore.py", "review.py", "moderation.py", "zones.py", "import_export.py", "admin.py", "account.py")
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error", "success")
WIDGETS = (
    "button",
    "checkbox",
    "toggle",
    "radio",
    "selectbox",
    "multiselect",
    "text_input",
    "text_area",
    "date_input",
    "number_input",
    "expander",
)
WORD = re.compile(r"[^\W\d_]{2,}")
CODE = re.compile(rf"\b[{REF_CODE_ALPHABET}]{{{REF_CODE_LENGTH}}}\b")
"""A reference code (or an example of one, as a field's placeholder shows): data, not words."""


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    monkeypatch = pytest.MonkeyPatch()
    url = app_on_demo(tmp_path_factory.mktemp("catalogue") / "demo.db", monkeypatch, reports=80)
    store = Store.open(url)
    add_user(store, ADMIN.username, "ett långt lösenord", ADMIN.role)  # its name is data the sidebar shows
    store.close()
    yield url
    monkeypatch.undo()


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        try:
            decoded = json.loads(value) if value[:1] in "[{" else None
        except ValueError:
            decoded = None
        yield from _strings(decoded) if decoded is not None else [value]
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


@cache
def vocabulary(database_url: str) -> frozenset[str]:
    """Every word the app may show: the catalogue's, the data's, and Babel's calendar and language names."""
    texts: list[str] = [text for lang in LANGUAGES for text in messages(lang).values()]
    texts += list(LANGUAGES.values())
    for lang in LANGUAGES:
        locale = Locale.parse(lang)
        for width in ("wide", "abbreviated"):
            texts += list(locale.months["format"][width].values()) + list(locale.days["format"][width].values())
        texts += list(locale.languages.values())
    store = Store.open(database_url)
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                texts += [s for cell in row for s in _strings(cell)]
    store.close()
    return frozenset(word.lower() for text in texts for word in WORD.findall(text))


def shown_texts(at: AppTest) -> list[str]:
    texts = [str(element.value) for kind in TEXT_ELEMENTS for element in at.get(kind)]
    for kind in WIDGETS:
        for widget in at.get(kind):
            texts.append(str(getattr(widget, "label", "")))
            texts.append(str(getattr(widget, "placeholder", "") or ""))
    return [CODE.sub(" ", text) for text in texts if text.strip()]


def run(page: str, lang: str, user: User | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state["staff_session"] = StaffSession(user, utcnow())
    at.run()
    if page != "explore.py":
        at.switch_page(f"pages/{page}").run()
    map_reported(at)
    assert not at.exception, [e.message for e in at.exception]
    return at


CASES = [(page, None) for page in PUBLIC_PAGES] + [(page, ADMIN) for page in STAFF_PAGES]


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize(("page", "user"), CASES, ids=[f"{p}-{'admin' if u else 'public'}" for p, u in CASES])
def test_issue_14_every_word_on_every_page_comes_from_the_catalogue_or_the_data(
    demo_url: str, monkeypatch: pytest.MonkeyPatch, page: str, user: User | None, lang: str
) -> None:
    monkeypatch.setenv("TRYGG_DATABASE_URL", demo_url)
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    at = run(page, lang, user)
    texts = shown_texts(at)
    assert texts, "the page shows no text at all"
    known = vocabulary(demo_url)
    strangers = {text: sorted({w for w in WORD.findall(text) if w.lower() not in known}) for text in texts}
    strangers = {text[:120]: words for text, words in strangers.items() if words}
    assert not strangers, f"text not from the catalogue or the data on {page}: {strangers}"


def test_issue_14_a_bare_string_in_a_page_would_be_caught(demo_url: str) -> None:
    """The check itself: the developer's sentence of the original bug is not in the vocabulary."""
    sentence = "How long the first view waits for the map's own rerun before asking for one."
    assert {w for w in WORD.findall(sentence) if w.lower() not in vocabulary(demo_url)} >= {"rerun"}
