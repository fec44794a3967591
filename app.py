"""Trygghetskartan: the Streamlit entry point.

Wires navigation, the language picker (``?lang=sv|en|ar``, Arabic right to left)
and the shared sidebar; each page lives in `pages/` and its logic in `geo/`.
"""

from __future__ import annotations

import streamlit as st

from geo.i18n import LANGUAGES
from geo.model import Role
from pages._shared import (
    LANGUAGE_KEY,
    accessibility_link,
    language,
    login_box,
    map_sent,
    page_shell,
    sso_session,
    store_opens,
    tr,
    viewer,
)

st.set_page_config(page_title="Trygghetskartan", page_icon="🗺️", layout="wide")

lang = language()
t = tr()

page_shell(lang)

role = viewer()
staff = "visible" if role.is_staff else "hidden"
admin = "visible" if role is Role.ADMIN else "hidden"
# Pages that a role may not use are hidden from its menu but still routed, so a typed
# address gets the page's own refusal (each page checks the role, and geo/ again).
explore = st.Page("pages/explore.py", title=t("nav.explore"), icon="🗺️", url_path="karta", default=True)
pages = [
    explore,
    st.Page("pages/report.py", title=t("nav.report"), icon="📍", url_path="rapportera"),
    st.Page("pages/status.py", title=t("nav.status"), icon="🔎", url_path="status"),
    st.Page("pages/promise.py", title=t("nav.promise"), icon="📣", url_path="lofte"),
    st.Page("pages/places.py", title=t("nav.places"), icon="☕", url_path="motesplatser"),
    st.Page("pages/review.py", title=t("nav.review"), icon="🤝", url_path="medborgarloften", visibility=staff),
    st.Page("pages/moderation.py", title=t("nav.moderation"), icon="✅", url_path="granskning", visibility=staff),
    st.Page("pages/zones.py", title=t("nav.zones"), icon="📐", url_path="omraden", visibility=staff),
    st.Page(
        "pages/place_editor.py",
        title=t("nav.place_editor"),
        icon="✏️",
        url_path="motesplatser-redigera",
        visibility=staff,
    ),
    st.Page("pages/dossier.py", title=t("nav.dossier"), icon="🏘️", url_path="platssamverkan", visibility=staff),
    st.Page(
        "pages/import_export.py", title=t("nav.import_export"), icon="🗂️", url_path="import-export", visibility=staff
    ),
    st.Page("pages/admin.py", title=t("nav.admin"), icon="⚙️", url_path="administration", visibility=admin),
    st.Page("pages/account.py", title=t("nav.account"), icon="👤", url_path="konto", visibility=staff),
    # the accessibility statement: linked at the foot of every page's sidebar (accessibility_link)
    st.Page(
        "pages/accessibility.py",
        title=t("nav.accessibility"),
        icon="♿",
        url_path="tillganglighet",
        visibility="hidden",
    ),
]
page = st.navigation(pages)
sso_session()


def sidebar_shell() -> None:
    with st.sidebar:
        st.selectbox(
            t("app.language"),
            options=list(LANGUAGES),
            format_func=LANGUAGES.__getitem__,
            key=LANGUAGE_KEY,
        )
        login_box()
        st.caption(t("app.tagline"))
        accessibility_link()


# The map's first view in a session is sent alone (see pages/explore.py): the language picker
# and the log-in follow, with the page's filters, in the rerun the map asks for once drawn (a
# database that does not open gives no map, and so no rerun: then they come at once).
if page is not explore or map_sent() or not store_opens():
    sidebar_shell()
page.run()
