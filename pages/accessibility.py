"""Tillgänglighet: the accessibility statement (tillgänglighetsredogörelse) that the law
(2018:1937) on accessibility to digital public services requires, with how to report a
barrier. Every page links to it (the sidebar's menu and its last line)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo.i18n import format_day
from pages._shared import language, municipality, settings, store_opens, tr

STATEMENT_UPDATED = dt.date(2026, 12, 1)
"""When the statement (its known shortcomings) was last reviewed."""

t = tr()
lang = language()
# the municipality's own words (its settings), else the deployment's TRYGG_ACCESSIBILITY_CONTACT
town = municipality() if store_opens() else None
contact = (
    (town.text("accessibility_contact", lang) if town else None)
    or settings().accessibility_contact
    or t("a11y.contact_default")
)

st.title(t("a11y.title"))
st.markdown(t("a11y.intro"))
st.header(t("a11y.status_title"), divider=False)
st.markdown(t("a11y.status"))
st.subheader(t("a11y.known_title"))
st.markdown(t("a11y.known", show_table=t("explore.show_table"), pin_centre=t("report.pin_centre")))
st.subheader(t("a11y.report_title"))
st.markdown(t("a11y.report", contact=contact))
st.subheader(t("a11y.enforcement_title"))
st.markdown(t("a11y.enforcement"))
st.subheader(t("a11y.method_title"))
st.markdown(t("a11y.method", date=format_day(STATEMENT_UPDATED, lang)))
