"""Medborgarlöfte: the public page of one promise (``/lofte?omrade=<id>``): its text, period and
police contact, what it promises to do and how often that was done, the log, and the trend of
reports in the area. The police and the team log what was done on the same page.
"""

from __future__ import annotations

import streamlit as st

from geo import promises
from geo.actions import Refused, today_local
from geo.hexagons import PUBLIC_MIN_COUNT
from geo.i18n import format_day, format_month
from geo.reporting import Problem
from geo.review import promise_markdown
from geo.rights import Right, allowed
from pages._shared import current_user, language, set_query_params, store, tr, viewer

AREA_KEY = "promise_area"
FLASH_KEY = "promise_flash"

t = tr()
lang = language()
db = store()
viewer()  # finds a staff session by its cookie
user = current_user()
can_follow_up = allowed(user, Right.FOLLOW_UP_PROMISES)

st.title(t("promise.title"))
choices = promises.promises(db)
if not choices:
    st.info(t("promise.none"))
    st.stop()
ids = [zone_id for zone_id, _ in choices]
names = dict(choices)
if AREA_KEY not in st.session_state or st.session_state[AREA_KEY] not in ids:
    wanted = st.query_params.get("omrade")
    st.session_state[AREA_KEY] = wanted if wanted in ids else ids[0]
st.selectbox(t("promise.choose"), options=ids, format_func=names.__getitem__, key=AREA_KEY)
zone_id = st.session_state[AREA_KEY]
set_query_params({"omrade": zone_id})
page = promises.promise_page(db, zone_id)
assert page is not None  # one of the promises just listed


def say_problems(prefix: str, *fields: str) -> None:
    found: dict[str, list[Problem]] = st.session_state.get(f"{prefix}_problems", {})
    for name in fields:
        for problem in found.get(name, []):
            st.error(t(problem.key, **dict(problem.values)), icon="⚠️")


def refused(prefix: str, error: Refused) -> None:
    found: dict[str, list[Problem]] = {}
    for problem in error.problems:
        found.setdefault(problem.field, []).append(problem)
    st.session_state[f"{prefix}_problems"] = found


def fresh(base: str) -> str:
    n = st.session_state.get(f"{base}_round", 0)
    return base if n == 0 else f"{base}{n}"


def saved(base: str, prefix: str, message: str) -> None:
    st.session_state.pop(f"{prefix}_problems", None)
    st.session_state[f"{base}_round"] = st.session_state.get(f"{base}_round", 0) + 1
    st.session_state[FLASH_KEY] = t(message)


def add_activity(prefix: str) -> None:
    try:
        promises.add_activity(db, zone_id, st.session_state.get(f"{prefix}_text", ""), user)
    except Refused as error:
        refused(prefix, error)
        return
    saved("promise_activity", prefix, "promise.activity_saved")


def log_done(prefix: str) -> None:
    try:
        promises.log_done(
            db,
            st.session_state.get(f"{prefix}_activity", ""),
            st.session_state.get(f"{prefix}_day"),
            user,
            note=st.session_state.get(f"{prefix}_note", ""),
        )
    except Refused as error:
        refused(prefix, error)
        return
    saved("promise_log", prefix, "promise.log_saved")


def follow_up_forms() -> None:
    st.subheader(t("promise.follow_up"))
    if page.activities:
        prefix = fresh("promise_log")
        with st.form(prefix):
            st.selectbox(
                t("promise.activity"),
                options=[a.id for a in page.activities],
                format_func={a.id: a.text for a in page.activities}.__getitem__,
                key=f"{prefix}_activity",
            )
            say_problems(prefix, "activity")
            st.session_state.setdefault(f"{prefix}_day", today_local())
            st.date_input(t("promise.done_on"), key=f"{prefix}_day", format="YYYY-MM-DD")
            say_problems(prefix, "done_on")
            st.text_area(t("promise.note"), key=f"{prefix}_note", help=t("dossier.public_help"))
            say_problems(prefix, "note")
            st.form_submit_button(t("promise.log_it"), type="primary", on_click=log_done, args=(prefix,))
    prefix = fresh("promise_activity")
    with st.expander(t("promise.new_activity")), st.form(prefix):
        st.text_input(t("promise.activity"), key=f"{prefix}_text", help=t("dossier.public_help"))
        say_problems(prefix, "activity", "zone")
        st.form_submit_button(t("promise.add_activity"), on_click=add_activity, args=(prefix,))


with st.container():  # always there: what follows keeps its place from one run to the next
    if (message := st.session_state.pop(FLASH_KEY, None)) is not None:
        st.success(message)
st.header(page.name)
if page.promise_text:
    st.markdown(promise_markdown(page.promise_text))
facts = []
if page.start_date is not None:
    end = format_day(page.end_date, lang) if page.end_date is not None else t("promise.ongoing")
    facts.append(t("promise.period", start=format_day(page.start_date, lang), end=end))
if page.police_contact:
    facts.append(t("promise.police_contact", contact=page.police_contact))
last = page.last_follow_up
facts.append(t("promise.last_follow_up", day=format_day(last, lang)) if last else t("promise.no_follow_up"))
for fact in facts:
    st.text(fact)

st.subheader(t("promise.activities"))
if not page.activities:
    st.caption(t("promise.no_activities"))
for activity in page.activities:
    done = t("promise.times", n=activity.times)
    if activity.last_done is not None:
        done += " · " + t("promise.last_done", day=format_day(activity.last_done, lang))
    with st.container(border=True):
        st.text(activity.text)
        st.caption(done)

if can_follow_up:
    follow_up_forms()

st.subheader(t("promise.log"))
if not page.log:
    st.caption(t("promise.no_log"))
for entry in page.log[:50]:
    line = f"{format_day(entry.done_on, lang)} · {entry.activity}"
    st.text(f"{line} · {entry.note}" if entry.note else line)

st.subheader(t("promise.trend"))
st.caption(t("promise.trend_help", k=PUBLIC_MIN_COUNT))
st.table(
    {
        t("promise.month"): [format_month(month, lang) for month, _ in page.trend],
        t("promise.reports"): [t("hex.few", k=PUBLIC_MIN_COUNT) if n is None else str(n) for _, n in page.trend],
    }
)
