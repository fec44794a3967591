"""The words of every e-mail, in the reader's language: plain text plus a simple HTML version
(right to left in Arabic), with no images, no remote resources and no tracking: links go
straight to the app's own pages. Texts come from the catalogue (``mail.*`` keys).

`resident` writes a message to a resident about their report (its reference code, a link to
``/status?ref=``, and a signed link to stop further messages); `digest` the staff's daily
summary. Sending is `geo.outbox`'s.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from geo.i18n import is_rtl, label, normalize_language, translator

RESIDENT_KINDS = ("confirmation", "published", "rejected", "status", "duplicate", "reply", "action_done")
"""Messages to residents; each has ``mail.<kind>.subject`` and ``mail.<kind>.body`` in the catalogue."""
CODED = {"status": "status", "reason": "rejection"}
"""Values given as codes (a status, a kind of rejection), named in the reader's language."""


@dataclass(frozen=True)
class Composed:
    """A message ready to queue: its subject and both bodies."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str


def resident(
    kind: str,
    lang: str,
    ref_code: str,
    *,
    status_url: str,
    stop_url: str,
    final: bool = False,
    comment: str = "",
    reply: str = "",
    **values: str,
) -> Composed:
    """A message about report ``ref_code``: ``kind`` (one of `RESIDENT_KINDS`) with its
    ``values``, the staff's public ``comment`` or written ``reply`` when given, and, when
    ``final``, the case's closing words (the address is deleted after this message)."""
    if kind not in RESIDENT_KINDS:
        raise ValueError(f"kind must be one of {RESIDENT_KINDS}, got {kind!r}")
    lang = normalize_language(lang)
    t = translator(lang)
    # codes given in ``values`` are named in the reader's language
    values = {name: label(CODED[name], code, lang) if name in CODED else code for name, code in values.items()}
    paragraphs = [t(f"mail.{kind}.body", code=ref_code, **values)]
    if reply.strip():
        paragraphs.append(reply.strip())
    if comment.strip():
        paragraphs.append(t("mail.comment", comment=comment.strip()))
    if final:
        paragraphs.append(t("mail.final"))
    links = [Link(t("mail.follow", code=ref_code), status_url)]
    # the case's last message needs no stop link: nothing follows it
    footer: list[str | Link] = [] if final else [t("mail.stop_intro"), Link(t("mail.stop"), stop_url)]
    footer.append(t("mail.automatic"))
    subject = t(f"mail.{kind}.subject", code=ref_code, **values)
    return compose(lang, subject, paragraphs, links=links, footer=footer)


def digest(lang: str, sections: Sequence[tuple[str, Sequence[str], Link]]) -> Composed:
    """The staff's daily digest: per section an intro, one line per item and a link to the work."""
    t = translator(lang)
    paragraphs = [part for intro, lines, _ in sections for part in (intro, "\n".join(lines)) if part]
    return compose(
        lang,
        t("mail.digest.subject"),
        paragraphs,
        links=[link for _, _, link in sections],
        footer=[t("mail.digest.why")],
    )


def compose(
    lang: str,
    subject: str,
    paragraphs: Sequence[str],
    *,
    links: Sequence[Link] = (),
    footer: Sequence[str | Link] = (),
) -> Composed:
    """Plain text and HTML of the same message; every text escaped in the HTML."""
    text_parts = [*paragraphs, *(_text_link(link) for link in links), "--"]
    text_parts += [_text_link(item) if isinstance(item, Link) else item for item in footer]
    direction = "rtl" if is_rtl(lang) else "ltr"
    body = "".join(_paragraph(p) for p in paragraphs)
    body += "".join(f"<p>{_html_link(link)}</p>" for link in links)
    small = "".join(
        f'<p style="font-size:14px;color:#333">{_html_link(item) if isinstance(item, Link) else html.escape(item)}</p>'
        for item in footer
    )
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}">\n<head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{html.escape(subject)}</title></head>\n'
        f'<body dir="{direction}" style="font-family:Arial,sans-serif;font-size:16px;line-height:1.5;'
        f'color:#1a1a1a;max-width:40em;margin:0 auto;padding:16px">\n{body}<hr>{small}\n</body>\n</html>\n'
    )
    return Composed(subject, "\n\n".join(text_parts) + "\n", page)


def _paragraph(text: str) -> str:
    return "<p>" + "<br>".join(html.escape(line) for line in text.split("\n")) + "</p>"


def _text_link(link: Link) -> str:
    return f"{link.label}:\n{link.url}"


def _html_link(link: Link) -> str:
    return f'<a href="{html.escape(link.url)}">{html.escape(link.label)}</a>'
