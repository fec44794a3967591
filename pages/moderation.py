"""Granskning: the team's moderation queue. Staff only (checked in geo/ as well)."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.i18n import format_day, label
from geo.model import Moderation, category_labels
from geo.moderation import moderate, pending_reports, queue_map
from pages._report_actions import report_actions
from pages._shared import language, settings, staff_only, store, tr

t = tr()
lang = language()
db = store()

st.title(t("moderation.title"))
user = staff_only()
labels = category_labels(db.categories(include_inactive=True), lang)

pending = pending_reports(db, user)
if pending.empty:
    st.success(t("moderation.empty"))
    st.stop()
st.caption(t("moderation.count", n=len(pending)))

ids = list(pending["id"])
st.multiselect(
    t("moderation.choose"),
    options=ids,
    format_func=lambda i: (
        f"{pending.set_index('id').loc[i, 'ref_code']} · {labels.get(pending.set_index('id').loc[i, 'category'], '')}"
    ),
    key="moderation_selected",
)
st_folium(
    queue_map(
        pending,
        [i for i in st.session_state.get("moderation_selected", []) if i in ids],
        lang=lang,
        tiles=settings().tiles,
        categories=db.categories(include_inactive=True),
    ),
    key="moderation_map",
    height=360,
    use_container_width=True,
    returned_objects=[],
)
reason = st.text_input(t("moderation.reason"), key="moderation_reason", max_chars=500)
left, right = st.columns(2)
chosen = [i for i in st.session_state.get("moderation_selected", []) if i in ids]
if left.button(t("moderation.publish"), type="primary", disabled=not chosen, key="moderation_publish"):
    n = moderate(db, chosen, Moderation.PUBLISHED, user)
    st.session_state.pop("moderation_selected", None)
    st.toast(t("moderation.done_published", n=n))
    st.rerun()
if right.button(t("moderation.reject"), disabled=not chosen, key="moderation_reject"):
    if not reason.strip():
        st.error(t("moderation.reason_needed"))
    else:
        n = moderate(db, chosen, Moderation.REJECTED, user, reason=reason)
        st.session_state.pop("moderation_selected", None)
        st.toast(t("moderation.done_rejected", n=n))
        st.rerun()

for row in pending.itertuples():
    with st.container(border=True):
        st.markdown(f"**{row.ref_code}** · {labels.get(row.category, row.category)}")
        st.caption(
            f"{label('feeling', row.feeling, lang)} · {label('time_of_day', row.time_of_day, lang)} · "
            f"{format_day(row.created_at.to_pydatetime(), lang)} · {row.lat:.5f}, {row.lon:.5f}"
        )
        st.text(row.text or "–")
        with st.expander(t("moderation.status_and_history")):
            report_actions(db, row._asdict(), user, key=f"moderation_{row.id}")
