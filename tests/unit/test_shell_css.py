"""The app's own style sheets reach the page whole."""

from __future__ import annotations

from pathlib import Path

import pytest

PAGES = Path(__file__).resolve().parents[2] / "pages"


@pytest.mark.parametrize("name", ["_shell.css", "_shell_rtl.css"])
def test_no_style_sheet_holds_a_less_than_sign(name: str) -> None:
    """st.html's sanitizer (DOMPurify) drops a style element whose text looks like a tag (a
    ``<details>`` in a comment did): the whole sheet, the folded menu's hiding and the contrast
    fixes with it."""
    assert "<" not in (PAGES / name).read_text(encoding="utf-8")
