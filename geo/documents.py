"""Printable documents: an HTML template (Jinja2) made into a print-ready HTML page and a PDF.

Every document extends ``geo/templates/document.html.j2``: an A4 page with the app's
fonts, the language's direction (``dir="rtl"`` for Arabic, whose letters Pango shapes
and joins), page numbers in the footer and a print style sheet, so the HTML prints as
the PDF looks. A document's own template fills the ``body`` block.

The PDF is made by WeasyPrint (HTML + CSS -> PDF, text laid out by Pango/HarfBuzz,
which shapes Arabic and orders mixed right-to-left and left-to-right text). Fonts are
the system's (fontconfig): Debian's ``fonts-noto-core`` (Noto Sans, Noto Sans Arabic)
and ``fonts-dejavu-core``, installed by ``scripts/install_system.sh``. Nothing is ever
fetched from the network: a template may reference only ``data:`` URLs (pictures are
inlined): WeasyPrint's fetcher is made with ``allowed_protocols=["data"]``, so any other URL
(http, https, file) is refused and left out of the document.

Use: ``render_html("lagesbild.html.j2", context, lang="ar", title=...)`` gives the page;
``html_to_pdf(page)`` its PDF bytes; `render_pdf` both at once. Imports no Streamlit.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from geo.i18n import is_rtl, normalize_language

TEMPLATES_DIR = Path(__file__).with_name("templates")
BASE_TEMPLATE = "document.html.j2"


class DocumentError(RuntimeError):
    """A document could not be made (a missing template, a refused URL, a PDF library failure)."""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(template: str, context: Mapping[str, Any], *, lang: str, title: str) -> str:
    """The print-ready HTML page of ``template`` (a file in ``geo/templates/`` extending
    ``document.html.j2``) filled with ``context``. Every value is HTML-escaped unless it was
    marked safe (`markup`). ``lang`` sets ``<html lang>`` and the direction; ``title`` the
    page's title and its first heading."""
    code = normalize_language(lang)
    try:
        page = _environment().get_template(template)
    except jinja2.TemplateNotFound as error:
        raise DocumentError(f"no document template {template!r} in {TEMPLATES_DIR}") from error
    return page.render({**context, "lang": code, "dir": "rtl" if is_rtl(code) else "ltr", "title": title})


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML page made by `render_html` (A4, fonts from the system, offline)."""
    try:
        import weasyprint
    except ImportError as error:  # pragma: no cover - requirements.txt pins it
        raise DocumentError(f"geo.documents needs WeasyPrint (requirements.txt): {error}") from error
    fetcher = weasyprint.URLFetcher(allowed_protocols=["data"])
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def render_pdf(template: str, context: Mapping[str, Any], *, lang: str, title: str) -> bytes:
    """`render_html` then `html_to_pdf`."""
    return html_to_pdf(render_html(template, context, lang=lang, title=title))


def markup(html: str) -> markupsafe.Markup:
    """``html`` marked as safe to put into a template unescaped (only for HTML this code made,
    such as an SVG drawing; never for text a user typed)."""
    return markupsafe.Markup(html)


def data_url(content: bytes, media_type: str) -> str:
    """``content`` as a ``data:`` URL, the one kind of URL a document may reference."""
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"
