"""Trygghetskartan: the Streamlit entry point.

Wires navigation, the language picker (``?lang=sv|en|ar``, Arabic right to left)
and the shared sidebar; each page lives in `pages/` and its logic in `geo/`.
"""

from __future__ import annotations

import streamlit as st

from geo.assets import serve_under
from geo.i18n import LANGUAGES
from geo.rights import Right, role_allows
from pages._shared import (
    LANGUAGE_KEY,
    MAP_SENT_KEY,
    REPORT_MAP_SENT_KEY,
    SETUP_DONE_KEY,
    SHELL_SENT_KEY,
    accessibility_link,
    language,
    login_box,
    map_sent,
    municipality,
    page_shell,
    shell_sent,
    sso_session,
    store_opens,
    tr,
    viewer,
)

serve_under(st.get_option("server.baseUrlPath"))  # the maps' scripts are asked for under it
lang = language()
t = tr()
# Before the set-up (issue 17) every address shows the set-up page (an admin's form, everyone
# else's "not set up yet"); a database that does not open counts as set up, so that each page
# explains the problem itself.
town = municipality() if store_opens() else None
ready = town is not None or not store_opens()
st.set_page_config(page_title=town.title(lang) if town else t("explore.title"), page_icon="🗺️", layout="wide")

page_shell(lang)

role = viewer()


def shown(*rights: Right) -> str:
    """A page's menu visibility: shown to the roles holding one of ``rights`` (`geo.rights`)."""
    return "visible" if any(role_allows(role, right) for right in rights) else "hidden"


staff = shown(Right.VIEW_STAFF)
SETUP = "pages/setup.py"


def menu_page(path: str, title: str, icon: str, url_path: str, visibility: str = "visible", **options: bool) -> st.Page:
    """A page of the menu; before the set-up, the set-up page at its address, out of the menu."""
    if ready:
        return st.Page(path, title=t(title), icon=icon, url_path=url_path, visibility=visibility, **options)
    return st.Page(SETUP, title=t(title), icon=icon, url_path=url_path, visibility="hidden", **options)


# Pages that a role may not use are hidden from its menu but still routed, so a typed
# address gets the page's own refusal (each page checks the right, and geo/ again).
explore = menu_page("pages/explore.py", "nav.explore", "🗺️", "karta", default=True)
report = menu_page("pages/report.py", "nav.report", "📍", "rapportera")
pages = [
    explore,
    report,
    menu_page("pages/status.py", "nav.status", "🔎", "status"),
    menu_page("pages/promise.py", "nav.promise", "📣", "lofte"),
    menu_page("pages/places.py", "nav.places", "☕", "motesplatser"),
    menu_page("pages/stats.py", "nav.statistics", "📊", "statistik"),
    menu_page("pages/review.py", "nav.review", "🤝", "medborgarloften", staff),
    menu_page("pages/moderation.py", "nav.moderation", "✅", "granskning", shown(Right.MODERATE)),
    menu_page("pages/zones.py", "nav.zones", "📐", "omraden", shown(Right.MANAGE_ZONES)),
    menu_page("pages/place_editor.py", "nav.place_editor", "✏️", "motesplatser-redigera", shown(Right.MANAGE_PLACES)),
    menu_page("pages/dossier.py", "nav.dossier", "🏘️", "platssamverkan", staff),
    menu_page("pages/import_export.py", "nav.import_export", "🗂️", "import-export", staff),
    menu_page(
        "pages/admin.py",
        "nav.admin",
        "⚙️",
        "administration",
        shown(Right.MANAGE_ACCOUNTS, Right.MANAGE_CATEGORIES, Right.VIEW_AUDIT, Right.MANAGE_SETTINGS),
    ),
    menu_page("pages/account.py", "nav.account", "👤", "konto", shown(Right.CHANGE_OWN_PASSWORD)),
    menu_page(SETUP, "nav.setup", "🏛️", "installningar", shown(Right.MANAGE_SETTINGS)),
    # the accessibility statement: linked at the foot of every page's sidebar (accessibility_link)
    st.Page(
        "pages/accessibility.py",
        title=t("nav.accessibility"),
        icon="♿",
        url_path="tillganglighet",
        visibility="hidden",
    ),
]
# Always the whole menu: an admin's has 15 pages, and Streamlit folds a menu of more than 12
# behind an English "View 3 more" button (the import page was then out of reach).
page = st.navigation(pages, expanded=True)
sso_session()


def sidebar_shell() -> None:
    st.session_state[SHELL_SENT_KEY] = True
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


# A map page's first view in a session is sent alone (pages/_shared.py: first_map_view): on the
# session's first view, the language picker and the log-in follow, with the rest of the page, in
# the rerun the map asks for once drawn (a database that does not open gives no map, and so no
# rerun: then they come at once). Once sent, the sidebar stays: it does not come and go.
map_alone = (page is explore and not map_sent(MAP_SENT_KEY)) or (page is report and not map_sent(REPORT_MAP_SENT_KEY))
if not map_alone or shell_sent() or not ready or not store_opens():
    sidebar_shell()
if done := st.session_state.pop(SETUP_DONE_KEY, None):
    st.toast(t("setup.done", name=done), icon="✅")
page.run()
