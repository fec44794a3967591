"""geo.documents: HTML template -> print-ready page and PDF, Arabic shaped, offline."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from geo import documents

PLAIN = "plain.html.j2"
"""The plain document: a title, paragraphs and an optional picture."""


def _info(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pages:" in info
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_html_page_is_escaped_and_has_language_and_direction() -> None:
    page = documents.render_html(PLAIN, {"paragraphs": ["<script>x</script>"], "picture": None}, lang="ar", title="t")
    assert '<html lang="ar" dir="rtl">' in page
    assert "<script>x" not in page and "&lt;script&gt;" in page
    assert '<html lang="sv" dir="ltr">' in documents.render_html(
        PLAIN, {"paragraphs": [""], "picture": None}, lang="sv", title="t"
    )


def test_pdf_opens_and_holds_arabic_title_and_swedish_text(tmp_path: Path) -> None:
    context = {"paragraphs": ["Trygghet i Strömsnäsbruk"], "picture": None}
    pdf = documents.render_pdf(PLAIN, context, lang="ar", title="صورة الوضع")
    text = _text(pdf, tmp_path)
    assert "صورة الوضع" in text  # shaped glyphs map back to the same letters
    assert "Strömsnäsbruk" in text


def test_pdf_refuses_to_fetch_anything(tmp_path: Path) -> None:
    page = documents.render_html(
        PLAIN, {"paragraphs": [""], "picture": "https://tile.openstreetmap.org/0/0/0.png"}, lang="sv", title="t"
    )
    # WeasyPrint logs and skips a picture its fetcher refuses: the PDF is made without it, offline
    assert "Pages:" in _info(documents.html_to_pdf(page), tmp_path)


def test_data_url_pictures_are_drawn(tmp_path: Path) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    pdf = documents.render_pdf(
        PLAIN, {"paragraphs": ["x"], "picture": documents.data_url(svg, "image/svg+xml")}, lang="en", title="t"
    )
    assert pdf.startswith(b"%PDF")


def test_unknown_template_is_a_clear_error() -> None:
    with pytest.raises(documents.DocumentError, match=r"no document template 'nope\.html\.j2'"):
        documents.render_html("nope.html.j2", {}, lang="sv", title="t")
