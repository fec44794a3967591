"""Statistik: counts of reports by month, category, time of day, area and status, this period
against the previous one, the hot spots, and the lägesbild to print. (Named stats.py: a page
file statistics.py, on sys.path, would shadow the standard library module geopandas imports.)

Public and staff: the public sees published reports with every count under 5 hidden
(`geo.statistics`); staff see every count. The filters are Karta's, kept in the URL with
Karta's names, so a link reproduces the view (the open tab too, as ``tab``). The charts are in
four tabs (`geo.statsview.TABS`) and only the open one is drawn: a filter change draws two or three
charts again, not eight. Reads the widgets, asks `geo.statistics` and `geo.statsview`, draws.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo import lagesbild, municipality
from geo.config import LOCAL_TIME_ZONE
from geo.i18n import LANGUAGES, label
from geo.layers import ReportFilter
from geo.model import Feeling, Status, TimeOfDay, category_labels
from geo.rights import Right, allowed
from geo.startup import COUNTS, POINTS
from geo.statistics import PUBLIC_MIN_COUNT, Statistics, compute
from geo.statsview import TABS, Section, StatsText, chart, key_figures, period_text, sections
from geo.viewstate import MAX_DATE, MIN_DATE, ExploreView, date_range, parse_view, view_to_params
from pages._shared import current_user, language, set_query_params, store, tr, viewer

PREFIX = "stats_"
FILTER_KEYS = ("cat", "feeling", "tod", "status", "zone", "from", "to")
TAB_KEY = f"{PREFIX}tab"
OPEN_TAB_KEY = f"{PREFIX}open_tab"

t = tr()
lang = language()
db = store()
role = viewer()
categories = db.categories()
zones = {z.id: z for z in db.zones()}
today = dt.datetime.now(LOCAL_TIME_ZONE).date()


def widgets_from_url() -> None:
    """On arriving at the page (widgets forget their state when the page is left), the URL's filters."""
    if f"{PREFIX}cat" in st.session_state:
        return
    flt = parse_view(st.query_params.to_dict(), categories=[c.code for c in categories], zone_ids=list(zones)).filter
    st.session_state.update(
        {
            f"{PREFIX}cat": list(flt.categories),
            f"{PREFIX}feeling": list(flt.feelings),
            f"{PREFIX}tod": list(flt.times_of_day),
            f"{PREFIX}status": list(flt.statuses),
            f"{PREFIX}zone": flt.zone_id or "",
            f"{PREFIX}from": flt.date_from,
            f"{PREFIX}to": flt.date_to,
        }
    )


def draw_filters() -> None:
    labels = category_labels(categories, lang)
    st.subheader(t("explore.filters"))
    st.multiselect(
        t("filter.category"),
        options=[c.code for c in categories],
        format_func=lambda code: labels.get(code, code),
        key=f"{PREFIX}cat",
        placeholder=t("filter.all"),
        select_all=False,
    )
    for kind, enum, key in (
        ("feeling", Feeling, "feeling"),
        ("time_of_day", TimeOfDay, "tod"),
        ("status", Status, "status"),
    ):
        st.multiselect(
            t(f"filter.{kind}"),
            options=[member.value for member in enum],
            format_func=lambda v, kind=kind: label(kind, v, lang),
            key=f"{PREFIX}{key}",
            placeholder=t("filter.all"),
            select_all=False,
        )
    st.selectbox(
        t("filter.zone"),
        options=["", *zones],
        format_func=lambda ident: zones[ident].name if ident in zones else t("filter.all_zones"),
        key=f"{PREFIX}zone",
    )
    for key, text in (("from", "filter.date_from"), ("to", "filter.date_to")):
        st.date_input(t(text), key=f"{PREFIX}{key}", format="YYYY-MM-DD", min_value=MIN_DATE, max_value=MAX_DATE)


def chosen_filter() -> tuple[ReportFilter, bool]:
    state = st.session_state
    date_from, date_to, reversed_ = date_range(state.get(f"{PREFIX}from"), state.get(f"{PREFIX}to"))
    flt = ReportFilter(
        categories=tuple(state.get(f"{PREFIX}cat") or ()),
        feelings=tuple(state.get(f"{PREFIX}feeling") or ()),
        times_of_day=tuple(state.get(f"{PREFIX}tod") or ()),
        statuses=tuple(state.get(f"{PREFIX}status") or ()),
        zone_id=state.get(f"{PREFIX}zone") or None,
        date_from=date_from,
        date_to=date_to,
    )
    return flt, reversed_


def chosen_tab() -> str:
    """The open tab's key (`geo.statsview.TABS`): the one clicked, else the URL's ``tab``, else the
    one open before, else the first. The tabs widget holds a label, so the key is kept apart: a
    language change keeps the tab."""
    state = st.session_state
    labels = {t(f"stats.tab.{key}"): key for key, _ in TABS}
    if state.get(TAB_KEY) not in labels:  # arriving, or the language changed
        key = st.query_params.get("tab") or state.get(OPEN_TAB_KEY)
        if key in dict(TABS):
            state[TAB_KEY] = t(f"stats.tab.{key}")
        else:
            state.pop(TAB_KEY, None)
    key = labels.get(state.get(TAB_KEY), TABS[0][0])
    state[OPEN_TAB_KEY] = key
    return key


def draw_section(section: Section) -> None:
    """A chart with its numbers as a table beside it (a real HTML table: screen readers read it,
    and it is lighter for the browser to draw again after a filter change than a data grid)."""
    st.subheader(section.title)
    st.write(section.summary)
    drawn = chart(section, lang)
    if drawn is None:
        st.table(section.table, hide_index=True)
        return
    data, spec = drawn
    left, right = st.columns([3, 2])
    with left:
        st.vega_lite_chart(data, spec, width="stretch")
    with right:
        st.table(section.table, hide_index=True)


def draw_hotspots(section: Section, link_column: str) -> None:
    st.subheader(section.title)
    st.write(section.summary)
    st.caption(t("stats.hotspots_help"))
    if section.table.empty:
        return
    text = t("stats.col_link")
    links = section.table.assign(**{link_column: [f"[{text}]({url})" for url in section.table[link_column]]})
    st.table(links, hide_index=True)


def draw_lagesbild(result: Statistics) -> None:
    """The lägesbild of the filter's area and period (staff): PDF and print page, made on click."""
    st.subheader(t("stats.lagesbild"))
    st.caption(t("stats.lagesbild_help"))
    zone = zones.get(result.filter.zone_id or "")
    area = zone.name if zone else t("lagesbild.municipality")
    # first-strong isolates keep a Latin name and the dates in their own order inside Arabic
    st.write(f"{t('stats.lagesbild_area')}: **\u2068{area}\u2069** · \u2068{period_text(result, lang, t)}\u2069")
    doc_lang = st.selectbox(
        t("stats.lagesbild_language"),
        list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key=f"{PREFIX}doc_lang",
        index=list(LANGUAGES).index(lang),
    )

    # read now: the download's data is made later, outside this run, where the session is not at hand
    user = current_user()

    def made() -> lagesbild.Lagesbild:
        period = result.period
        return lagesbild.make(
            db, actor=user, zone=zone, date_from=period.start, date_to=period.end, lang=doc_lang, today=today
        )

    place = municipality.current(db)
    name = lagesbild.file_name(zone.name if zone else place.name if place else "", result.period, "pdf")
    left, right = st.columns(2)
    with left:
        st.download_button(
            t("stats.lagesbild_pdf"),
            data=lambda: lagesbild.pdf(db, made()),
            file_name=name,
            mime="application/pdf",
            key=f"{PREFIX}pdf",
            on_click="ignore",
            width="stretch",
        )
    with right:
        st.download_button(
            t("stats.lagesbild_html"),
            data=lambda: lagesbild.html(db, made()),
            file_name=name.removesuffix(".pdf") + ".html",
            mime="text/html",
            key=f"{PREFIX}html",
            on_click="ignore",
            width="stretch",
        )


st.title(t("stats.title"))
widgets_from_url()
with st.sidebar:
    draw_filters()
flt, dates_reversed = chosen_filter()
if dates_reversed:
    st.sidebar.warning(t("filter.date_order"))
open_tab = chosen_tab()
set_query_params({**view_to_params(ExploreView(filter=flt)), **({"tab": open_tab} if open_tab != TABS[0][0] else {})})

result = compute(db, flt, viewer=role, today=today, cache=COUNTS, points=POINTS)
words = StatsText(t, lang, db.categories(include_inactive=True))
st.caption(period_text(result, lang, t))
st.caption(t("stats.staff_note") if role.is_staff else t("stats.public_note", k=PUBLIC_MIN_COUNT))
if result.empty:
    st.info(t("stats.empty"))

columns = st.columns(3)
for column, figure in zip(columns, key_figures(result, words), strict=True):
    with column:
        st.metric(figure.name, figure.value)
        if figure.detail:
            st.caption(figure.detail)

karta = view_to_params(ExploreView(filter=flt))
if lang != "sv":
    karta["lang"] = lang
# Only the open tab's charts are drawn: a filter change draws two or three again, not eight (#18).
tabs = st.tabs([t(f"stats.tab.{key}") for key, _ in TABS], key=TAB_KEY, on_change="rerun")
for tab, (key, keys) in zip(tabs, TABS, strict=True):
    if key != open_tab:
        continue
    with tab:
        for section in sections(result, words, karta_params=karta, keys=keys):
            if section.key == "hotspots":
                draw_hotspots(section, t("stats.col_link"))
            else:
                draw_section(section)
            if section.key == "area":
                st.caption(t("stats.area_note"))

if allowed(current_user(), Right.MAKE_LAGESBILD):
    draw_lagesbild(result)
