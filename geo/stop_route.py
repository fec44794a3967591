"""The stop link of every e-mail to a resident, mounted by ``serve.py`` beside the API
(`st.App(routes=...)`).

``GET /stop-messages?ref=CODE&sig=SIGNATURE`` (the link in the message) only asks: a page in
the report's language with one button, since mail scanners and link previews open links
without the resident. ``POST`` with the same parameters (that button, or a mail program's
one-click ``List-Unsubscribe-Post``, RFC 8058) acts: when the signature is right for that
report (`geo.outbox.stop`), the resident's address is deleted and no further message about
that report goes out; the answer is a short page in the report's language (right to left in
Arabic), 200. A wrong or forged signature changes nothing and answers 400 with a page saying
the link is not valid. The pages load nothing from anywhere and need no script.
"""

from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from geo.config import load_settings
from geo.i18n import is_rtl, translator
from geo.outbox import STOP_PATH, check_stop, stop
from geo.startup import app_store
from geo.store import StoreError

MAX_BODY = 1024


def page(lang: str, title: str, text: str, form: str = "") -> str:
    """A plain page in ``lang``: a heading, one paragraph, escaped, and ``form`` (HTML made here)."""
    direction = "rtl" if is_rtl(lang) else "ltr"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
        '</head><body style="font-family:Arial,sans-serif;font-size:18px;line-height:1.5;color:#1a1a1a;'
        f'max-width:36em;margin:2em auto;padding:0 16px"><h1>{html.escape(title)}</h1>'
        f"<p>{html.escape(text)}</p>{form}</body></html>\n"
    )


def confirm_form(ref: str, sig: str, button: str) -> str:
    """The one button that stops the messages: a POST of the link's own parameters."""
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value, quote=True)}">'
        for name, value in (("ref", ref), ("sig", sig))
    )
    return (
        f'<form method="post" action="{STOP_PATH}">{hidden}<button type="submit" style="font-size:18px;'
        'padding:12px 20px;min-height:44px;background:#0b4f8a;color:#fff;border:0;border-radius:6px">'
        f"{html.escape(button)}</button></form>"
    )


def _follow(ref: str, sig: str, act: bool) -> tuple[bool, str]:
    try:
        store = app_store(load_settings())
    except StoreError:
        return False, "sv"
    if act:
        return stop(store, ref, sig)
    found = check_stop(store, ref, sig)
    return (True, found[1]) if found else (False, "sv")


async def _stop(request: Request) -> HTMLResponse:
    params = dict(request.query_params)
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=10)
        params |= {key: str(value) for key, value in form.items()}
    ref, sig = params.get("ref", "")[:32], params.get("sig", "")[:128]
    act = request.method == "POST"
    done, lang = await run_in_threadpool(_follow, ref, sig, act)
    t = translator(lang)
    if not done:
        return HTMLResponse(page(lang, t("mail.stopped.invalid_title"), t("mail.stopped.invalid")), status_code=400)
    code = f"\u2068{ref.strip().upper()}\u2069"  # isolated: a Latin code inside Arabic keeps its place
    if not act:
        form = confirm_form(ref, sig, t("mail.stop_confirm.button"))
        return HTMLResponse(page(lang, t("mail.stop_confirm.title"), t("mail.stop_confirm.body", code=code), form))
    return HTMLResponse(page(lang, t("mail.stopped.title"), t("mail.stopped.body", code=code)))


def stop_routes() -> list[BaseRoute]:
    """The stop link's route, to mount with ``st.App(routes=...)``."""
    return [Route(STOP_PATH, _stop, methods=["GET", "POST"])]
