"""HTTP routes for staff sessions, mounted by ``serve.py`` beside the API (`st.App(routes=...)`).

- ``POST /staff-session`` (form field ``handoff``): right after logging in, the page trades
  its one-time code for the session's cookie: ``trygg_staff``, HTTP-only (no script can read
  it), ``SameSite=Strict``, ``Secure`` over HTTPS, for the whole site, ending with the browser
  (the server also ends it after `geo.auth.SESSION_IDLE_LIMIT` idle). 204, or 403 for a code
  that is unknown, used or older than `geo.auth.HANDOFF_LIFETIME`.
- ``DELETE /staff-session``: logging out ends the cookie's session and clears the cookie (204).

Streamlit reads the cookie from the websocket's opening request (``st.context.cookies``),
so a reload, a bookmark or a typed address finds the session again (`geo.auth.resume_session`).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from geo.auth import SESSION_COOKIE, end_session, issue_cookie_token
from geo.config import load_settings
from geo.startup import app_store
from geo.store import Store, StoreError

PATH = "/staff-session"
MAX_BODY = 1024


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _store() -> Store | None:
    try:
        return app_store(load_settings())
    except StoreError:
        return None


async def _trade(request: Request) -> Response:
    body = (await request.body())[:MAX_BODY].decode("utf-8", errors="replace")
    handoff = (parse_qs(body).get("handoff") or [""])[0]
    store = await run_in_threadpool(_store)
    if store is None:
        return Response(status_code=503)
    token = await run_in_threadpool(issue_cookie_token, store, handoff)
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/")
    return response


async def _end(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    store = await run_in_threadpool(_store) if token else None
    if store is not None:
        await run_in_threadpool(end_session, store, token=token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response


def session_routes() -> list[BaseRoute]:
    """The staff-session routes, to mount with ``st.App(routes=...)``."""
    return [Route(PATH, _trade, methods=["POST"]), Route(PATH, _end, methods=["DELETE"])]
