"""The process entry point: ``streamlit run serve.py`` serves the app and its HTTP API.

Streamlit (1.67) finds the module-level ``app = st.App(...)`` below and serves, in one
process, the Streamlit app of ``app.py`` (pages, websocket, ``/app/static/...``) and
the routes of `geo.api`: Open311 GeoReport v2 under ``/open311/v2/`` and GeoJSON
layers under ``/api/layers/``, and ``/staff-session`` (`geo.session_routes`: the cookie that
keeps a staff member logged in across reloads; ``streamlit run app.py`` lacks it, so there a
staff session ends with the page). When the server starts, the database is opened and the
explore map's default view warmed in the background (`geo.startup.start_warm_up`), so the
first visitor after a restart does not wait for it, the e-mail sender starts
(`geo.startup.start_mail_sender`, when ``TRYGG_SMTP_URL`` is set), and retention is applied in
the background (`geo.retention.start_daily`: once the warm-up is done, then once a day); ``/stop-messages``
is the stop link of its messages (`geo.stop_route`). ``streamlit run app.py`` still serves the
app alone, without the warm-up, the sender or retention.
"""

import contextlib
import inspect
import logging
from collections.abc import AsyncIterator

import streamlit as st
import streamlit.emojis  # (the page icon's check: a large pattern built on import, 0.1–0.35 s)
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

import geo.explore  # noqa: F401  (folium, branca, the map's modules: at start, not in the first visitor's run)
from geo.api import middleware
from geo.assets import serve_under
from geo.config import load_settings
from geo.page_html import PageHtml
from geo.retention import start_daily
from geo.session_routes import session_routes
from geo.startup import start_mail_sender, start_warm_up
from geo.stop_route import stop_routes


@contextlib.asynccontextmanager
async def lifespan(app: st.App) -> AsyncIterator[None]:
    settings = load_settings()
    warming = start_warm_up(settings)
    start_mail_sender(settings)
    start_daily(settings, after=warming)  # retention: once warm, then once a day among all processes on the database
    yield


# the warm-up says in the server's log when the map is ready (or why it is not)
log = logging.getLogger("geo")
if not log.handlers:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)

# streamlit_folium declares its component when the first run imports it, and declaring looks the
# caller up with `inspect.getmodule`, which indexes the file of every module loaded so far on its
# first call (0.1–0.5 s at a first view, profiled): index them now. (The import itself must wait
# for a run: a component declared outside one is never registered.)
inspect.getmodule(inspect.currentframe())

# Streamlit #8860: with a `pages/` folder beside app.py, Streamlit (1.67) guesses the app uses
# the old pages-folder navigation (`PagesManager.__init__` sets `uses_pages_directory` only while
# it is None), so the server's first run of a session resolves the address among the files of
# `pages/` and answers /rapportera with "Page not found" (`_mpa_v1` in script_runner.py); the
# guess is corrected only when app.py calls `st.navigation`. The app navigates with
# `st.navigation` alone, so the guess is made here, before any session starts.
PagesManager.uses_pages_directory = False

# The API answers its paths ahead of Streamlit's middleware (geo.api.ApiFirst): its own errors, gzip.
# Every HTML page says where its server is (geo.page_html: a page opened at its own address
# connects at once instead of first probing a wrong one).
page_html = Middleware(PageHtml, base_path=st.get_option("server.baseUrlPath"))
serve_under(st.get_option("server.baseUrlPath"))  # the maps' scripts are asked for under it (geo.assets)
app = st.App(
    "app.py", routes=session_routes() + stop_routes(), middleware=[*middleware(), page_html], lifespan=lifespan
)
