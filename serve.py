"""The process entry point: ``streamlit run serve.py`` serves the app and its HTTP API.

Streamlit (1.67) finds the module-level ``app = st.App(...)`` below and serves, in one
process, the Streamlit app of ``app.py`` (pages, websocket, ``/app/static/...``) and
the routes of `geo.api`: Open311 GeoReport v2 under ``/open311/v2/`` and GeoJSON
layers under ``/api/layers/``. ``streamlit run app.py`` still serves the app alone.
"""

import streamlit as st

from geo.api import routes

app = st.App("app.py", routes=routes())
