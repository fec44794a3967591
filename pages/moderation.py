"""Granskning: the team's moderation queue, for staff who may moderate (`geo.rights`; checked in geo/ as well)."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.i18n import format_day, label
from geo.model import Moderation, Rejection, category_labels
from geo.moderation import moderate, pending_reports, queue_map, rejection_reason
from geo.rights import Right
from pages._report_actions import report_actions
from pages._shared import current_user, language, map_home, may, needs, settings, store, tr

SELECTED_KEY = "moderation_selected"
IDS_KEY = "moderation_ids"
KIND_KEY = "moderation_reason_kind"
NOTE_KEY = "moderation_reason"
FLASH_KEY = "moderation_flash"
ERROR_KEY = "moderation_error"

t = tr()
lang = language()
db = store()


def decide(decision: Moderation) -> None:
    """Publish or reject the chosen reports, before the page is drawn again: the choice,
    the reason and its note are then empty for the next report, and the chips of the reports
    that left the queue are gone (changing widget state mid-run left them on the page)."""
    actor = current_user() if may(Right.MODERATE) else None
    queue = st.session_state.get(IDS_KEY) or []
    chosen = [i for i in st.session_state.get(SELECTED_KEY) or [] if i in queue]
    if actor is None or not chosen:
        return
    kind = st.session_state.get(KIND_KEY)
    if decision is Moderation.REJECTED and not kind:
        st.session_state[ERROR_KEY] = "moderation.reason_needed"
        return
    reason = rejection_reason(Rejection(kind), st.session_state.get(NOTE_KEY) or "") if kind else ""
    n = moderate(db, chosen, decision, actor, reason=reason if decision is Moderation.REJECTED else "")
    st.session_state[SELECTED_KEY] = []
    st.session_state[KIND_KEY] = None
    st.session_state[NOTE_KEY] = ""
    done = "moderation.done_published" if decision is Moderation.PUBLISHED else "moderation.done_rejected"
    st.session_state[FLASH_KEY] = (done, n)


st.title(t("moderation.title"))
user = needs(Right.MODERATE)
labels = category_labels(db.categories(include_inactive=True), lang)

pending = pending_reports(db, user)
if flash := st.session_state.pop(FLASH_KEY, None):
    st.success(t(f"{flash[0]}_one" if flash[1] == 1 else flash[0], n=flash[1]))
if pending.empty:
    st.success(t("moderation.empty"))
    st.stop()
st.caption(t("moderation.count_one") if len(pending) == 1 else t("moderation.count", n=len(pending)))

ids = list(pending["id"])
st.session_state[IDS_KEY] = ids
by_id = pending.set_index("id")
st.multiselect(
    t("moderation.choose"),
    options=ids,
    format_func=lambda i: (
        f"{by_id.loc[i, 'ref_code']} · {labels.get(by_id.loc[i, 'category'], '')} · "
        f"{format_day(by_id.loc[i, 'created_at'].to_pydatetime(), lang)}"
    ),
    placeholder=t("moderation.choose_placeholder"),
    key=SELECTED_KEY,
    select_all=False,  # Streamlit's "Select all" is English whatever the language
)
chosen = [i for i in st.session_state.get(SELECTED_KEY, []) if i in ids]
st_folium(
    queue_map(
        pending,
        chosen,
        lang=lang,
        tiles=settings().tiles,
        categories=db.categories(include_inactive=True),
        home=map_home(),
    ),
    key="moderation_map",
    height=360,
    use_container_width=True,
    returned_objects=[],
)
st.selectbox(
    t("moderation.reason_kind"),
    options=[r.value for r in Rejection],
    format_func=lambda v: label("rejection", v, lang),
    index=None,
    placeholder=t("moderation.reason_kind_placeholder"),
    key=KIND_KEY,
)
st.text_input(t("moderation.reason_note"), key=NOTE_KEY, max_chars=400, help=t("moderation.reason_note_help"))
if error := st.session_state.pop(ERROR_KEY, None):
    st.error(t(error))
left, right = st.columns(2)
left.button(
    t("moderation.publish"),
    type="primary",
    disabled=not chosen,
    key="moderation_publish",
    on_click=decide,
    args=(Moderation.PUBLISHED,),
)
right.button(
    t("moderation.reject"), disabled=not chosen, key="moderation_reject", on_click=decide, args=(Moderation.REJECTED,)
)

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
