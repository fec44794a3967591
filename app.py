"""Trygghetskartan: the Streamlit entry point.

Wires navigation, the language picker (``?lang=sv|en|ar``, Arabic right to left)
and the shared sidebar; each page lives in `pages/` and its logic in `geo/`.
"""

from __future__ import annotations

import streamlit as st

from geo.i18n import LANGUAGES, is_rtl
from pages._shared import LANGUAGE_KEY, language, login_box, tr, viewer

st.set_page_config(page_title="Trygghetskartan", page_icon="🗺️", layout="wide")

lang = language()
t = tr()

with st.sidebar:
    st.selectbox(
        t("app.language"),
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=LANGUAGE_KEY,
    )

if is_rtl(lang):
    st.html(
        "<style>"
        ".stApp, section[data-testid='stSidebar'] {direction: rtl; text-align: right;}"
        "iframe {direction: ltr;}"
        "</style>"
    )

pages = [
    st.Page("pages/explore.py", title=t("nav.explore"), icon="🗺️", url_path="karta", default=True),
    st.Page("pages/report.py", title=t("nav.report"), icon="📍", url_path="rapportera"),
    st.Page("pages/status.py", title=t("nav.status"), icon="🔎", url_path="status"),
]
if viewer().is_staff:  # the page checks the role itself too: a typed URL is refused
    pages.append(st.Page("pages/moderation.py", title=t("nav.moderation"), icon="✅", url_path="granskning"))
    pages.append(st.Page("pages/import_export.py", title=t("nav.import_export"), icon="🗂️", url_path="import-export"))
page = st.navigation(pages)
with st.sidebar:
    login_box()
    st.caption(t("app.tagline"))
page.run()
