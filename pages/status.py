"""Följ din rapport: the public status of a report, found by its reference code.

Every lookup answers, whether by the button or by Enter in the field (each Enter reruns
the page with the field's new value), and the address becomes ``/status?ref=CODE`` so it
can be saved or shared. A report that was not published says so and why, by kind.

Below the status, the resident may withdraw the report (`geo.reporting.withdraw`): a button,
then a confirmation naming the code; each confirmed try is rate-limited per browser session
in the database (`geo.reporting.take_withdrawal_slot`).
"""

from __future__ import annotations

import secrets

import streamlit as st

from geo.actions import Action, actions_for_report
from geo.i18n import format_day, label
from geo.reporting import PublicStatus, normalize_ref_code, public_status, take_withdrawal_slot, withdraw
from pages._shared import language, set_query_params, store, tr

CODE_KEY = "status_code"
CONFIRM_KEY = "status_withdraw_confirm"
"""The code whose withdrawal waits for the resident's confirmation."""
OUTCOME_KEY = "status_withdraw_outcome"
"""What the last confirmed withdrawal said: ("done" | "gone" | "rate_limited", minutes)."""
LIMITER_KEY = "status_rate_bucket"

t = tr()
lang = language()
db = store()


def show(found: PublicStatus) -> None:
    st.markdown(f"**{t('status.state')}**")
    st.text(label("status", found.status, lang))
    if found.moderation == "rejected":
        st.warning(t("status.rejected_why", reason=label("rejection", found.rejection or "other", lang)))
    elif found.moderation == "pending":
        st.info(t("status.pending"))
    st.caption(t("status.open") if found.is_open else t("status.closed"))
    st.markdown(f"**{t('status.reported')}**")
    st.text(format_day(found.created_at, lang))
    st.markdown(f"**{t('status.updated')}**")
    st.text(format_day(found.updated_at, lang))
    if found.public_comment:
        st.markdown(f"**{t('status.comment')}**")
        st.text(found.public_comment)
    show_actions(actions_for_report(db, found.id))


def show_actions(answering: list[Action]) -> None:
    """The public actions that answer the report: what, who is responsible, when it is due."""
    if not answering:
        return
    st.subheader(t("status.actions_title"))
    for action in answering:
        with st.container(border=True):
            st.markdown(f"**{t('status.action_state', status=label('action_status', action.status, lang))}**")
            st.text(action.title)
            if action.description:
                st.text(action.description)
            st.text(t("status.action_responsible", organisation=action.organisation))
            st.text(t("status.action_due", due=format_day(action.due_date, lang)))
            if action.status_comment:
                st.text(action.status_comment)


def ask_to_confirm(code: str) -> None:
    st.session_state[CONFIRM_KEY] = code
    st.session_state.pop(OUTCOME_KEY, None)


def cancel() -> None:
    st.session_state.pop(CONFIRM_KEY, None)


def confirm(code: str) -> None:
    """Runs before the rerun (a button's callback), so the code field may still be emptied."""
    st.session_state.pop(CONFIRM_KEY, None)
    bucket = st.session_state.setdefault(LIMITER_KEY, secrets.token_hex(16))
    if wait := take_withdrawal_slot(db, session_id=bucket):
        st.session_state[OUTCOME_KEY] = ("rate_limited", max(1, wait // 60))
    elif withdraw(db, code):
        st.session_state[OUTCOME_KEY] = ("done", 0)
        st.session_state[CODE_KEY] = ""
    else:
        st.session_state[OUTCOME_KEY] = ("gone", 0)


def offer_withdrawal(code: str) -> None:
    st.subheader(t("status.withdraw.heading"))
    st.caption(t("status.withdraw.help"))
    if st.session_state.get(CONFIRM_KEY) != code:
        st.button(t("status.withdraw.start"), key="status_withdraw_start", on_click=ask_to_confirm, args=(code,))
        return
    st.warning(t("status.withdraw.confirm_text", code=code))
    yes, no = st.columns(2)
    yes.button(t("status.withdraw.confirm"), key="status_withdraw_yes", type="primary", on_click=confirm, args=(code,))
    no.button(t("status.withdraw.cancel"), key="status_withdraw_no", on_click=cancel)


def show_outcome() -> None:
    outcome = st.session_state.get(OUTCOME_KEY)
    if outcome is None:
        return
    kind, minutes = outcome
    if kind == "done":
        st.success(t("status.withdraw.done"))
    elif kind == "gone":
        st.warning(t("status.withdraw.gone"))
    else:
        st.error(t("status.withdraw.rate_limited", minutes=minutes))


st.title(t("status.title"))
st.caption(t("status.help"))
if CODE_KEY not in st.session_state:
    st.session_state[CODE_KEY] = st.query_params.get("ref", "")
code = st.text_input(
    t("status.code"), key=CODE_KEY, placeholder="ABCD2345", on_change=lambda: st.session_state.pop(OUTCOME_KEY, None)
).strip()
pressed = st.button(t("status.look_up"), type="primary")
show_outcome()
if code:
    normalized = normalize_ref_code(code)
    set_query_params({"ref": normalized} if normalized else {})
    found = public_status(db, code)
    if found is None:
        if st.session_state.get(OUTCOME_KEY) is None:
            st.warning(t("status.not_found"))
    else:
        show(found)
        offer_withdrawal(found.ref_code)
else:
    set_query_params({})
    if pressed:
        st.warning(t("status.enter_code"))
