"""What every page needs from Streamlit: the store, the language, error display.

Not a page (the leading underscore keeps it out of navigation); `app.py` and the
pages import it. It holds no logic of its own: that lives in `geo/`.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from geo.config import Settings, load_settings
from geo.demo import seed_demo
from geo.i18n import Translator, normalize_language, translator
from geo.store import Store, StoreError

LANGUAGE_KEY = "lang"


@st.cache_resource(show_spinner=False)
def _open_store(url: str, demo_reports: int) -> Store:
    store = Store.open(url)
    if store.is_empty():
        seed_demo(store, reports=demo_reports)
    return store


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
        return _open_store(config.database_url, config.demo_reports)
    except StoreError as error:
        t = tr()
        st.error(t(f"error.db.{error.reason}", url=error.url))
        st.caption(t("error.db.hint"))
        st.stop()
        raise  # unreachable: st.stop() ends the run


def set_query_params(params: Mapping[str, str]) -> None:
    """Replace the page's query parameters, keeping the language."""
    wanted = dict(params)
    lang = language()
    if lang != "sv":
        wanted[LANGUAGE_KEY] = lang
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
