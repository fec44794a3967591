"""Streamlit's own words in a box with nothing chosen ("Choose an option", "Choose options",
"No options to select") and a multiselect's first option "Select all" are English whatever the
reader's language: every page passes its own ``placeholder=`` from the catalogue wherever a
selectbox or multiselect can stand empty, and ``select_all=False``."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import StaffSession, User
from geo.model import Role
from geo.store import utcnow
from tests.app.conftest import app_on_demo

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_"))
STREAMLIT_WORDS = {"Choose an option", "Choose options", "No options to select", "Add an option"}
"""What Streamlit's browser side shows for an empty placeholder (it treats "" as "say it in English")."""


def says_nothing_of_its_own(placeholder: str) -> bool:
    """Streamlit's English words, an empty placeholder (Streamlit's words again) or a blank one."""
    return not placeholder.strip() or placeholder in STREAMLIT_WORDS


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    with pytest.MonkeyPatch.context() as patch:
        return app_on_demo(tmp_path_factory.mktemp("placeholders") / "demo.db", patch, reports=200)


def empty_boxes_in_streamlits_words(at: AppTest) -> list[str]:
    """The selectboxes and multiselects that, standing empty, would show Streamlit's English."""
    found = []
    for box in at.multiselect:
        if says_nothing_of_its_own(box.proto.placeholder):
            found.append(f"multiselect {box.label!r}")
        if box.proto.select_all != 0:  # Streamlit's own first option "Select all" (or "Select 3 matches")
            found.append(f"multiselect {box.label!r} offers 'Select all'")
    for box in at.selectbox:
        empty = box.value is None or not box.options
        if empty and says_nothing_of_its_own(box.proto.placeholder):
            found.append(f"selectbox {box.label!r}")
    return found


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TEAM])
@pytest.mark.parametrize("lang", ["sv", "ar"])
@pytest.mark.parametrize("name", PAGES)
def test_no_box_on_any_page_says_choose_an_option_in_english(
    demo_url: str, monkeypatch: pytest.MonkeyPatch, name: str, lang: str, role: Role
) -> None:
    monkeypatch.setenv("TRYGG_DATABASE_URL", demo_url)
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=60)
    at.session_state["staff_session"] = StaffSession(User(f"staff.{role.value}", role), utcnow())
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    at.run()  # the rerun a map's first report asks for
    assert not at.exception, [e.message for e in at.exception]
    assert empty_boxes_in_streamlits_words(at) == []
