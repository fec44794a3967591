"""Medborgarlöften: police and the project team review what happens inside an area.

Staff only (checked in `geo.review` as well). Reads the chosen area and report,
asks `geo.review` for the numbers and the map, and acts through the shared report
panel.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.i18n import format_day, format_month, format_number, label
from geo.model import Feeling, category_labels
from geo.review import (
    Counted,
    area_map,
    counted_description,
    export_csv,
    export_geojson,
    export_name,
    promise_markdown,
    report_choice_label,
    report_rows,
    review_area,
    review_areas,
)
from geo.rights import Right
from pages._report_actions import report_actions
from pages._shared import language, needs, set_query_params, settings, store, tr

AREA_KEY = "review_area"
REPORT_KEY = "review_report"
TABLE_KEY = "review_table"
FEELINGS_KEY = "review_count_feelings"
CATEGORIES_KEY = "review_count_categories"
PENDING_KEY = "review_count_pending"

t = tr()
lang = language()
db = store()

st.title(t("review.title"))
user = needs(Right.VIEW_STAFF)

areas = review_areas(db, user)
if areas.empty:
    st.info(t("review.no_areas"))
    st.stop()
area_ids = list(areas["id"])
names = dict(zip(areas["id"], areas["name"], strict=True))
kinds = dict(zip(areas["id"], areas["kind"], strict=True))
if AREA_KEY not in st.session_state:
    wanted = st.query_params.get("area")
    st.session_state[AREA_KEY] = wanted if wanted in area_ids else area_ids[0]
if st.session_state[AREA_KEY] not in area_ids:
    st.session_state[AREA_KEY] = area_ids[0]


def bars(counts: pd.Series, *, horizontal: bool) -> None:
    """Counts as bars with every label written out in full (Streamlit's bar chart cut long
    category names); in the given order, which for months is the calendar's."""
    frame = pd.DataFrame({"label": [str(i) for i in counts.index], "n": counts.to_numpy()})
    order = list(frame["label"])
    axis = alt.Axis(labelLimit=0, title=None, labelAngle=0 if horizontal else -40)
    label_enc = (alt.Y if horizontal else alt.X)("label:N", sort=order, axis=axis)
    count_enc = (alt.X if horizontal else alt.Y)("n:Q", axis=alt.Axis(title=None, tickMinStep=1))
    chart = alt.Chart(frame).mark_bar(color="#c0392b").encode(label_enc, count_enc, tooltip=["label", "n"])
    height = max(120, 28 * len(frame) + 40) if horizontal else 300
    st.altair_chart(chart.properties(height=height), use_container_width=True)


def choose_report_from_table() -> None:
    rows = st.session_state[TABLE_KEY].selection.rows
    if rows:
        st.session_state[REPORT_KEY] = st.session_state["review_row_ids"][rows[0]]


st.selectbox(
    t("review.area"),
    options=area_ids,
    format_func=lambda i: f"{names[i]} · {label('zone_kind', kinds[i], lang)}",
    key=AREA_KEY,
    on_change=lambda: st.session_state.pop(REPORT_KEY, None),
)
area_id = st.session_state[AREA_KEY]
set_query_params({"area": area_id})
categories = db.categories(include_inactive=True)
# What the before/after comparison counts: the widgets are drawn beside it, further down.
st.session_state.setdefault(FEELINGS_KEY, [Feeling.UNSAFE.value])
st.session_state.setdefault(CATEGORIES_KEY, [])
st.session_state.setdefault(PENDING_KEY, False)
if not st.session_state[FEELINGS_KEY]:  # nothing chosen counts as the default, not as nothing
    st.session_state[FEELINGS_KEY] = [Feeling.UNSAFE.value]
of_feelings = {c.code for c in categories if c.feeling.value in st.session_state[FEELINGS_KEY]}
st.session_state[CATEGORIES_KEY] = [c for c in st.session_state[CATEGORIES_KEY] if c in of_feelings]
counted = Counted(
    feelings=frozenset(st.session_state[FEELINGS_KEY]),
    categories=frozenset(st.session_state[CATEGORIES_KEY]),
    published_only=not st.session_state[PENDING_KEY],
)
review = review_area(db, area_id, user, counted=counted)
if review is None:  # deleted while the page was open
    st.warning(t("review.area_gone"))
    st.stop()
area = review.area

st.subheader(area["name"])
facts = [label("zone_kind", area["kind"], lang)]
if not pd.isna(area["start_date"]):
    end = format_day(area["end_date"], lang) if not pd.isna(area["end_date"]) else t("details.ongoing")
    facts.append(f"{format_day(area['start_date'], lang)} – {end}")
if area["police_contact"]:
    facts.append(t("review.police_contact", contact=area["police_contact"]))
st.caption(" · ".join(facts))
if area["promise_text"]:
    st.info(promise_markdown(area["promise_text"]))

map_column, numbers_column = st.columns([3, 2])
with map_column:
    st_folium(
        area_map(review, lang=lang, tiles=settings().tiles, categories=categories),
        key="review_map",
        height=420,
        use_container_width=True,
        returned_objects=[],
    )
with numbers_column:
    st.metric(t("review.reports_inside"), format_number(len(review.reports), lang))
    comparison = review.comparison
    if comparison is None:
        st.caption(t("review.no_comparison"))
    else:
        st.markdown(f"**{t('review.before_after')}**")
        st.pills(
            t("review.count_feelings"),
            options=[f.value for f in Feeling],
            format_func=lambda v: label("feeling", v, lang),
            selection_mode="multi",
            key=FEELINGS_KEY,
        )
        st.multiselect(
            t("review.count_categories"),
            options=[c.code for c in categories if c.code in of_feelings],
            format_func=lambda code: category_labels(categories, lang).get(code, code),
            placeholder=t("review.all_categories"),
            key=CATEGORIES_KEY,
            select_all=False,  # Streamlit's "Select all" is English whatever the language
        )
        st.checkbox(t("review.count_pending"), key=PENDING_KEY)
        st.caption(counted_description(review, categories, lang))
        before_col, after_col = st.columns(2)
        before_col.metric(
            t("review.before"),
            format_number(comparison.before, lang),
            help=t(
                "review.period",
                start=format_day(comparison.before_start, lang),
                end=format_day(comparison.before_end - pd.Timedelta(days=1), lang),
            ),
        )
        after_col.metric(
            t("review.after"),
            format_number(comparison.after, lang),
            delta=comparison.after - comparison.before,
            delta_color="inverse",
            help=t(
                "review.period",
                start=format_day(comparison.after_start, lang),
                end=format_day(comparison.after_end - pd.Timedelta(days=1), lang),
            ),
        )
        rate = comparison.rate
        if rate is None:
            st.caption(t("review.no_ratio"))
        else:
            st.markdown(
                t(
                    "review.rate_ratio",
                    ratio=format_number(round(rate.ratio, 2), lang),
                    low=format_number(round(rate.low, 2), lang),
                    high=format_number(round(rate.high, 2), lang),
                )
            )
            st.caption(t("review.rate_ratio_help", days=comparison.days))
            if rate.corrected:
                st.caption(t("review.rate_ratio_corrected"))

labels = category_labels(categories, lang)
by_category, by_month, by_time = st.tabs([t("review.by_category"), t("review.by_month"), t("review.by_time")])
with by_category:
    bars(review.by_category.rename(index=lambda c: labels.get(c, c)), horizontal=True)
with by_month:
    bars(review.by_month.rename(index=lambda m: format_month(pd.Timestamp(m).date(), lang)), horizontal=False)
with by_time:
    bars(review.by_time_of_day.rename(index=lambda v: label("time_of_day", v, lang)), horizontal=True)

st.subheader(t("review.reports"))
if review.reports.empty:
    st.caption(t("review.no_reports"))
    st.stop()
rows = report_rows(review, categories, lang)
st.session_state["review_row_ids"] = list(rows.index)
st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    height=280,
    on_select=choose_report_from_table,
    selection_mode="single-row",
    key=TABLE_KEY,
)
download_csv, download_geojson = st.columns(2)
download_csv.download_button(
    t("review.export_csv"), export_csv(review), file_name=export_name(review, "csv"), mime="text/csv"
)
download_geojson.download_button(
    t("review.export_geojson"),
    export_geojson(review),
    file_name=export_name(review, "geojson"),
    mime="application/geo+json",
)

report_ids = list(review.reports["id"])
if st.session_state.get(REPORT_KEY) not in report_ids:
    st.session_state[REPORT_KEY] = report_ids[0]
st.selectbox(
    t("review.report"),
    options=report_ids,
    format_func=lambda i: report_choice_label(review, i, categories, lang),
    key=REPORT_KEY,
)
chosen = review.reports.set_index("id").loc[st.session_state[REPORT_KEY]]
with st.container(border=True):
    st.markdown(
        f"**{chosen['ref_code']}** · {labels.get(chosen['category'], chosen['category'])} · "
        f"{label('status', chosen['status'], lang)} · {label('moderation', chosen['moderation'], lang)}"
    )
    st.text(chosen["text"] or "–")
    report_id = st.session_state[REPORT_KEY]
    report_actions(db, {"id": report_id, **chosen.to_dict()}, user, key=f"review_{report_id}")
