"""What every page needs from Streamlit: the store, the language, error display.

Not a page (the leading underscore keeps it out of navigation); `app.py` and the
pages import it. It holds no logic of its own: that lives in `geo/`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import folium
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError
from streamlit_folium import st_folium

from geo.auth import (
    SESSION_COOKIE,
    StaffSession,
    User,
    authenticate,
    end_session,
    keep_session,
    resume_session,
    start_session,
    user_for_sso,
)
from geo.config import Settings, load_settings
from geo.i18n import Translator, is_rtl, label, normalize_language, translator
from geo.model import Role
from geo.municipality import Municipality, current
from geo.rights import Right, role_allows
from geo.startup import app_store
from geo.store import Store, StoreError, utcnow
from geo.store.schema import UPGRADE_COMMAND
from geo.viewstate import SWEDEN, Place

LANGUAGE_KEY = "lang"
SESSION_KEY = "staff_session"
HANDOFF_KEY = "staff_session_handoff"
END_COOKIE_KEY = "staff_session_end_cookie"
SETUP_DONE_KEY = "setup_done"
"""The name of the municipality just set up (pages/setup.py): `app.py` says so once on the next page."""
MAP_SENT_KEY = "explore_map_sent"
"""Set once the explore page has sent its map in this session (it sends the first one alone)."""
REPORT_MAP_SENT_KEY = "report_map_sent"
"""Set once Rapportera has sent its map in this session (it too sends the first one alone)."""
SHELL_SENT_KEY = "shell_sent"
"""Set once the sidebar (language, log-in) has been sent in this session."""
MAP_SILENT_AFTER_S = 6.0
"""How long a map's first view waits for the map's own rerun before asking for one."""


SHELL_CSS = Path(__file__).with_name("_shell.css")
SHELL_RTL_CSS = Path(__file__).with_name("_shell_rtl.css")
PHONE_WIDTH_PX = 640
"""Below this width Streamlit draws the sidebar over the page (a phone): it folds after a choice."""
REPORT_PAGE = "pages/report.py"
ACCESSIBILITY_PAGE = "pages/accessibility.py"
PLACES_PAGE = "pages/places.py"

# Runs in the page's own document (st.html is not in a frame): the document's language and
# direction (screen readers choose their voice by `lang`; issue 14.6), Streamlit's own English
# button names and words (which it offers no parameter for) in the reader's language, and on a
# phone the menu folds after a choice (14.4; Streamlit does that itself only for a browser that
# names itself "mobile").
_DOCUMENT_SCRIPT = """<div class="trygg-document" hidden></div><script>
(() => {
  const shell = %s;
  const root = document.documentElement;
  root.lang = shell.lang;
  root.dir = shell.dir;
  window.tryggShell = shell;
  const name = () => {
    const s = window.tryggShell;
    for (const [selector, text] of Object.entries(s.labels)) {
      document.querySelectorAll(selector).forEach((e) => {
        if (e.getAttribute("aria-label") !== text) e.setAttribute("aria-label", text);
      });
    }
    // Streamlit's own visible words: the text node's value only (React keeps its node).
    for (const [selector, text] of Object.entries(s.texts)) {
      document.querySelectorAll(selector).forEach((e) => {
        const node = [...e.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.nodeValue.trim());
        if (node && node.nodeValue !== text) node.nodeValue = text;
      });
    }
    for (const [selector, pattern, text] of s.rewrites) {
      const regex = new RegExp(pattern);
      document.querySelectorAll(selector).forEach((e) => {
        const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (regex.test(n.nodeValue.trim())) n.nodeValue = n.nodeValue.trim().replace(regex, text);
        }
      });
    }
    if (root.lang !== s.lang) root.lang = s.lang;
    if (root.dir !== s.dir) root.dir = s.dir;
  };
  name();
  if (window.tryggShellInstalled) return;
  window.tryggShellInstalled = true;
  // On a phone a page opens with the menu folded: Streamlit keeps the menu's state across loads
  // (its localStorage), so after logging in from the menu a reload or a typed address showed
  // the page under the open menu, which took the taps meant for the form. Not once the person
  // has touched this page (they may have opened the menu themselves): the browser's record of
  // the first input in this document. The menu may be drawn after this script: looked for, 3 s.
  const foldAtLoad = (tries) => {
    if (window.innerWidth >= shell.phoneWidth || performance.getEntriesByType("first-input").length) return;
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (sidebar && sidebar.getAttribute("data-collapsed") === "true") return;
    if (sidebar && button) return button.click();
    if (tries > 0) setTimeout(() => foldAtLoad(tries - 1), 100);
  };
  foldAtLoad(30);
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; name(); });
  }).observe(document.body, {childList: true, subtree: true});
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest(
      '[data-testid="stSidebarNavLink"], [data-testid="stSidebar"] [data-testid="stPageLink-NavLink"]');
    if (!link || window.innerWidth >= window.tryggShell.phoneWidth) return;
    // The new page re-renders the sidebar: fold it once the page has changed (up to 3 s).
    const started = Date.now();
    const fold = () => {
      const sidebar = document.querySelector('[data-testid="stSidebar"]');
      const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      const open = sidebar && sidebar.getAttribute("data-collapsed") !== "true";
      if (open && button && location.href !== before) button.click();
      if ((open || location.href === before) && Date.now() - started < 3000) setTimeout(fold, 100);
    };
    const before = location.href;
    setTimeout(fold, 100);
  }, true);
})();
</script>"""


UPLOADER = '[data-testid="stFileUploader"]'
INSTRUCTIONS = '[data-testid="InputInstructions"]'
SELECTS = '[data-testid="stSelectbox"], [data-testid="stMultiSelect"]'
POPOVERS = "body > div:not(#root)"


@cache
def _css(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def page_shell(lang: str) -> None:
    """What every page has: the app's styles (contrast, focus ring, a folded sidebar hidden,
    right to left) and the document's ``lang`` and ``dir`` for the chosen language."""
    t = translator(lang)
    css = _css(SHELL_CSS) + (_css(SHELL_RTL_CSS) if is_rtl(lang) else "")
    st.html(f"<style>{css}</style>")
    shell = {
        "lang": normalize_language(lang),
        "dir": "rtl" if is_rtl(lang) else "ltr",
        "phoneWidth": PHONE_WIDTH_PX,
        "labels": {
            '[data-testid="stSidebarCollapseButton"] button': t("app.menu_close"),
            '[data-testid="stExpandSidebarButton"]': t("app.menu_open"),
            '[data-testid="stHeaderActionElements"] a': t("app.heading_link"),
            '[data-testid="stFileUploaderDropzoneInput"]': t("app.upload_file"),
            '[data-testid="stDateInputCalendarButton"]': t("app.choose_date"),
        },
        "texts": {
            '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p': t("app.upload"),
        },
        # Streamlit's English refusals of a dropped file (no parameter, no test id): rewritten by
        # pattern inside the uploader; "$1" is the size or type Streamlit names.
        "rewrites": [
            [UPLOADER, r"^File must be (.+) or smaller\.$", t("app.upload_too_large", size="$1")],
            [UPLOADER, r"^(.+) files are not allowed\.$", t("app.upload_wrong_type", type="$1")],
            # a text field's hint under the cursor ("Press Enter to apply")
            [INSTRUCTIONS, r"^Press Enter to apply$", t("app.input_enter")],
            [INSTRUCTIONS, r"^Press (⌘|Ctrl)\+Enter to apply$", t("app.input_ctrl_enter", key="$1")],
            [INSTRUCTIONS, r"^Press Enter to submit form$", t("app.input_enter_form")],
            [INSTRUCTIONS, r"^Press (⌘|Ctrl)\+Enter to submit form$", t("app.input_ctrl_enter_form", key="$1")],
            # an empty box's words, when a page gave none (every page should: tests/app/test_placeholders.py)
            [SELECTS, r"^(Choose an option|Choose options)$", t("app.choose_option")],
            [SELECTS, r"^No options to select\.?$", t("app.no_options")],
            # the list under a box when what is typed matches nothing (drawn outside the app's root)
            [POPOVERS, r"^No results$", t("app.no_results")],
        ],
    }
    # json.dumps escapes nothing HTML-special in these catalogue strings; `</` is escaped anyway.
    st.html(_DOCUMENT_SCRIPT % json.dumps(shell).replace("</", "<\\/"), unsafe_allow_javascript=True)
    _session_cookie_script()


def _session_cookie_script() -> None:
    """After logging in, the browser trades the one-time code for the session's HTTP-only
    cookie (`geo.session_routes`); after logging out, the cookie is cleared."""
    handoff = st.session_state.pop(HANDOFF_KEY, None)
    if handoff:
        body = f"new URLSearchParams({{handoff: {json.dumps(handoff)}}})"  # URL-safe base64: nothing to escape
        call = f'fetch("/staff-session", {{method: "POST", credentials: "same-origin", body: {body}}})'
    elif st.session_state.pop(END_COOKIE_KEY, False):
        call = 'fetch("/staff-session", {method: "DELETE", credentials: "same-origin"})'
    else:
        # keeps the script's place, so that the page's elements below it keep theirs: Karta's map
        # frame would otherwise be made anew, at its first view, when a log-in adds the script
        st.empty()
        return
    st.html(f'<div class="trygg-document" hidden></div><script>{call};</script>', unsafe_allow_javascript=True)


def report_call_to_action() -> None:
    """The big link "Rapportera en plats" to Rapportera: the first thing a resident sees on Karta."""
    # suppressed: the page file run on its own, without app.py's navigation (a page test)
    with st.container(key="report_cta"), contextlib.suppress(StreamlitPageNotFoundError):
        st.page_link(REPORT_PAGE, label=tr()("app.report_cta"), icon="📍", width="stretch")


def places_link(key: str) -> None:
    """The link to Mötesplatser (issue #19), from Karta and from Rapportera's thank-you screen."""
    # suppressed: the page file run on its own, without app.py's navigation (a page test)
    with contextlib.suppress(StreamlitPageNotFoundError):
        st.page_link(PLACES_PAGE, label=tr()(key), icon="☕")


def accessibility_link() -> None:
    """The link to the accessibility statement that every page has (in the sidebar)."""
    st.page_link(ACCESSIBILITY_PAGE, label=tr()("nav.accessibility"), icon="♿")


def settings() -> Settings:
    return load_settings()


def language() -> str:
    """The viewer's language: the picker's value, else ``?lang=``, else Swedish."""
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = normalize_language(st.query_params.get(LANGUAGE_KEY))
    return normalize_language(st.session_state[LANGUAGE_KEY])


def tr() -> Translator:
    return translator(language())


def store() -> Store:
    """The application's store; on a database problem, a clear message and stop."""
    config = settings()
    try:
        return app_store(config)
    except StoreError as error:
        t = tr()
        st.error(t(error.message_key, url=error.url, command=UPGRADE_COMMAND))
        if not error.schema_problem:
            st.caption(t("error.db.hint"))
        st.stop()
        raise  # unreachable: st.stop() ends the run


def municipality() -> Municipality | None:
    """The deployment's municipality, None before its set-up (`app.py` then shows the set-up)."""
    return current(store())


def map_home() -> Place:
    """Where maps open: the municipality's centre and zoom (all of Sweden before the set-up)."""
    found = municipality()
    return found.home if found is not None else SWEDEN


def drawing_value(m: folium.Map, key: str, *, height: int = 480) -> list[dict[str, object]] | None:
    """Show a map to draw on (`geo.mapview.drawing_map`) under ``key`` and give what is drawn
    on it (GeoJSON features, EPSG:4326; `geo.mapview.drawn_shape` reads them): None until
    something is drawn or edited."""
    st_folium(m, key=key, height=height, use_container_width=True, returned_objects=["all_drawings"])
    return (st.session_state.get(key) or {}).get("all_drawings")


def store_opens() -> bool:
    """Whether the application's store opens (without saying why not: `store` does that)."""
    try:
        app_store(settings())
    except StoreError:
        return False
    return True


def set_query_params(params: Mapping[str, str]) -> None:
    """Replace the page's query parameters, keeping the language."""
    wanted = dict(params)
    lang = language()
    if lang != "sv":
        wanted[LANGUAGE_KEY] = lang
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(SESSION_COOKIE)
    except (AttributeError, KeyError, RuntimeError):
        return None
    return token if isinstance(token, str) else None  # AppTest has no browser: no cookie


def _session_store() -> Store | None:
    try:
        return app_store(settings())
    except StoreError:
        return None


def current_session_id() -> str | None:
    """The id of this browser's staff session in the database (None when not logged in)."""
    session: StaffSession | None = st.session_state.get(SESSION_KEY)
    return session.session_id if session else None


def viewer() -> Role:
    """The role of whoever looks: staff while their session lasts, else the public.

    A session made by logging in lives in the database, so a reload, a bookmark or a typed
    address finds it again by the browser's cookie; it ends after 30 minutes without activity
    (in any tab), on logging out, or when the account is deactivated."""
    session: StaffSession | None = st.session_state.get(SESSION_KEY)
    db = _session_store()
    if session is None:
        token = _cookie_token()
        session = resume_session(db, token) if db is not None and token else None
        if session is None:
            return Role.PUBLIC
    else:
        kept = keep_session(db, session) if db is not None else (None if session.expired() else session.touched())
        if kept is None:
            del st.session_state[SESSION_KEY]
            st.session_state["auth_expired"] = True
            return Role.PUBLIC
        session = kept
    st.session_state[SESSION_KEY] = session
    return session.user.role


def needs(*rights: Right) -> User | None:
    """The logged-in user when they hold one of ``rights`` (`geo.rights`); otherwise a refusal
    in the viewer's language (log in; or: your role may not use this page) and the page stops.
    `geo/` checks again."""
    role = viewer()
    if not any(role_allows(role, right) for right in rights):
        st.error(tr()("access.staff_only" if role is Role.PUBLIC else "access.role_refused"))
        st.stop()
    return current_user()


def staff_only(*, admin: bool = False) -> User | None:
    """`needs` the staff views (``view_staff``), or accounts (``manage_accounts``) when ``admin``."""
    return needs(Right.MANAGE_ACCOUNTS if admin else Right.VIEW_STAFF)


def may(right: Right) -> bool:
    """Whether whoever looks may do ``right`` (menus and buttons; `geo/` checks again)."""
    return role_allows(viewer(), right)


def current_user() -> User | None:
    session: StaffSession | None = st.session_state.get(SESSION_KEY)
    return None if session is None else session.user


def _log_in() -> None:
    user = authenticate(store(), st.session_state.get("login_user", ""), st.session_state.get("login_password", ""))
    st.session_state["login_password"] = ""
    if user is None:
        st.session_state["auth_failed"] = True
    else:
        started = start_session(store(), user)
        st.session_state[SESSION_KEY] = started.session
        st.session_state[HANDOFF_KEY] = started.handoff
        st.session_state.pop("auth_failed", None)
        st.session_state.pop("auth_expired", None)


def _log_out() -> None:
    session = st.session_state.pop(SESSION_KEY, None)
    if session is not None:
        end_session(store(), session, token=_cookie_token())
        st.session_state[END_COOKIE_KEY] = True


def sso_configured() -> bool:
    """Single sign-on is on when ``.streamlit/secrets.toml`` has an ``[auth]`` section
    (OIDC, see the README); without it, staff use their password."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _sso_session() -> None:
    """Turn an OIDC identity (``st.user``) into a staff session, if an admin linked
    the e-mail address to an active account."""
    if SESSION_KEY in st.session_state or not st.user.is_logged_in:
        return
    user = user_for_sso(store(), st.user.get("email"))
    if user is None:
        st.session_state["sso_unknown"] = True
    else:
        st.session_state[SESSION_KEY] = StaffSession(user, utcnow())


def map_sent(key: str) -> bool:
    """Whether a map page sent its map in this session already (``key``: `MAP_SENT_KEY`,
    `REPORT_MAP_SENT_KEY`; its first view goes alone)."""
    return bool(st.session_state.get(key))


def first_map_view(key: str) -> bool:
    """Whether this run is the session's first view of a map page whose map is sent alone
    (``key``: `MAP_SENT_KEY`, `REPORT_MAP_SENT_KEY`); from now on the map counts as sent.

    The browser draws a map sent alone without building the rest of the page at the same time
    (their code competes on its one thread: on a phone, most of a second). The rest follows in
    the rerun that st_folium asks for as soon as the map is drawn; the page then calls
    `rerun_if_the_map_stays_silent` and stops. Nothing above the map may come and go between
    the two runs: st_folium's frame would be made anew at another place, and the map with it;
    what comes later above it is drawn into a container sent empty at its place."""
    first = not map_sent(key)
    st.session_state[key] = True
    return first


@st.fragment(run_every=MAP_SILENT_AFTER_S)
def rerun_if_the_map_stays_silent(waited_key: str) -> None:
    """On a map's first view: a full rerun after `MAP_SILENT_AFTER_S` unless st_folium's own
    rerun came first (a full run no longer renders this fragment, so its timer ends). Should that
    rerun never come (the map's code failed to load), the rest of the page still appears."""
    if st.session_state.get(waited_key):
        st.rerun()
    st.session_state[waited_key] = True


def shell_sent() -> bool:
    """Whether the sidebar was sent in this session already (a map's first view then keeps it)."""
    return bool(st.session_state.get(SHELL_SENT_KEY))


def sso_session() -> None:
    """With single sign-on, turn the OIDC identity into a staff session before a page runs."""
    if sso_configured():
        _sso_session()


def login_box() -> None:
    """Staff log-in and log-out in the sidebar (residents never need it)."""
    t = tr()
    sso = sso_configured()
    if sso:
        _sso_session()
    role = viewer()
    user = current_user()
    if user is not None:
        st.caption(t("auth.logged_in_as", user=user.username, role=label("role", role, language())))
        if st.button(t("auth.logout"), on_click=_log_out, key="logout") and sso and st.user.is_logged_in:
            st.logout()
        return
    if sso:
        if st.session_state.pop("sso_unknown", False):
            st.error(t("auth.sso_unknown"))
            if st.button(t("auth.logout"), key="sso_logout"):
                st.logout()
        st.button(t("auth.sso_login"), on_click=st.login, key="sso_login")
    if st.session_state.pop("auth_expired", False):
        st.info(t("auth.expired"))
    with st.expander(t("auth.staff_login"), expanded=bool(st.session_state.get("auth_failed"))):
        st.text_input(t("auth.username"), key="login_user", autocomplete="username")
        st.text_input(t("auth.password"), key="login_password", type="password", autocomplete="current-password")
        st.button(t("auth.login"), on_click=_log_in, key="login")
        if st.session_state.get("auth_failed"):
            st.error(t("auth.failed"))
