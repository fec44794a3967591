"""Platssamverkan: one zone's dossier for the team: indicators, the action plan, meetings
(whose decisions become actions in one step) and the organisations taking part.

Staff only (checked in `geo.actions` and `geo.dossier` as well). Every form checks its input
in `geo/`; a refusal is said beside its field and what was typed stays.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from geo import actions as action_model
from geo import documents, dossier, mapview
from geo import plan as municipal_plan
from geo.actions import Action, ActionDraft, ActionStatus, ActorKind, Refused, today_local
from geo.i18n import format_day, format_month, format_number, label
from geo.layers import boundary_layer, zones_layer
from geo.model import ZoneKind
from geo.reporting import Problem
from geo.review import review_areas
from geo.rights import Right
from pages._shared import drawing_value, language, map_home, needs, set_query_params, settings, store, tr

ZONE_KEY = "dossier_zone"
FLASH_KEY = "dossier_flash"

t = tr()
lang = language()
db = store()

st.title(t("dossier.title"))
user = needs(Right.VIEW_STAFF)

areas = review_areas(db, user)
if areas.empty:
    st.info(t("review.no_areas"))
    st.stop()
area_ids = list(areas["id"])
names = dict(zip(areas["id"], areas["name"], strict=True))
kinds = dict(zip(areas["id"], areas["kind"], strict=True))
if ZONE_KEY not in st.session_state or st.session_state[ZONE_KEY] not in area_ids:
    wanted = st.query_params.get("zone")
    st.session_state[ZONE_KEY] = wanted if wanted in area_ids else area_ids[0]


# -- showing problems beside their fields ------------------------------------------------------


def problems_of(prefix: str) -> dict[str, list[Problem]]:
    return st.session_state.get(f"{prefix}_problems", {})


def say_problems(prefix: str, *fields: str) -> None:
    for name in fields:
        for problem in problems_of(prefix).get(name, []):
            st.error(t(problem.key, **dict(problem.values)), icon="⚠️")


def keep_problems(prefix: str, refused: Refused) -> None:
    found: dict[str, list[Problem]] = {}
    for problem in refused.problems:
        found.setdefault(problem.field, []).append(problem)
    st.session_state[f"{prefix}_problems"] = found


def fresh(base: str) -> str:
    """The key prefix of a form's widgets in this round: after a save, the next round's widgets
    are new and empty (a widget whose value is set or removed in a callback keeps what the
    browser holds)."""
    n = st.session_state.get(f"{base}_round", 0)
    return base if n == 0 else f"{base}{n}"


def next_round(base: str) -> None:
    st.session_state[f"{base}_round"] = st.session_state.get(f"{base}_round", 0) + 1


def flash(key: str, **values: object) -> None:
    st.session_state[FLASH_KEY] = t(key, **values)


# -- actions -------------------------------------------------------------------------------


def submit_action(prefix: str, zone_id: str, decision_id: str | None, base: str) -> None:
    state = st.session_state
    draft = ActionDraft(
        title=state.get(f"{prefix}_title", ""),
        description=state.get(f"{prefix}_description", ""),
        organisation=state.get(f"{prefix}_organisation", ""),
        start_date=state.get(f"{prefix}_start_date"),
        due_date=state.get(f"{prefix}_due_date"),
        cost=state.get(f"{prefix}_cost", ""),
        report_refs=state.get(f"{prefix}_report_refs", ""),
        public=bool(state.get(f"{prefix}_public", False)),
        zone_id=zone_id,
        geometry_wkt=drawn_wkt(f"{prefix}_map"),
        decision_id=decision_id,
    )
    try:
        saved = action_model.create_action(db, draft, user)
    except Refused as refused:
        keep_problems(prefix, refused)
        return
    state.pop(f"{prefix}_problems", None)
    next_round(base)
    flash("dossier.action_saved", title=saved.title, n=len(saved.report_refs))


def drawn_wkt(map_key: str) -> str | None:
    """What is drawn on the action's map (WKT, EPSG:4326); None: nothing, the whole zone."""
    shape = mapview.drawn_shape((st.session_state.get(map_key) or {}).get("all_drawings"))
    return None if shape is None else shape.wkt


def where_map(prefix: str, zone_id: str) -> None:
    """The map to draw the action's own place on (a point, a line or an area); nothing drawn
    means the zone as a whole. A refused drawing is said under it."""
    st.caption(t("dossier.action_where_help"))
    home_centre, home_zoom = map_home()
    zone_shape = db.zone_geometry(zone_id)  # EPSG:4326
    boundary = boundary_layer(db)
    m = mapview.drawing_map(
        settings().tiles,
        center=home_centre,
        zoom=home_zoom,
        around=zone_shape or shapely.union_all(list(boundary.geometry)),
        context=[mapview.boundary_group(boundary), *[mapview.zones_group(zone_frame(zone_id), k) for k in ZoneKind]],
        tools=("marker", "polyline", "polygon", "rectangle"),
    )
    drawing_value(m, f"{prefix}_map", height=380)
    say_problems(prefix, "geometry")


def zone_frame(zone_id: str) -> gpd.GeoDataFrame:
    zones = zones_layer(db)
    return zones[zones["id"] == zone_id]


def action_form(
    base: str, zone_id: str, *, title: str = "", decision_id: str | None = None, drawn: bool = False
) -> None:
    """A new action of the zone: of a place drawn on a map above the form when ``drawn``, else
    of the zone as a whole; from a decision, its text is the title."""
    prefix = fresh(base)
    state = st.session_state
    if drawn:
        where_map(prefix, zone_id)
    state.setdefault(f"{prefix}_title", title)
    state.setdefault(f"{prefix}_start_date", today_local())
    state.setdefault(f"{prefix}_due_date", today_local() + dt.timedelta(days=30))
    with st.form(prefix, border=decision_id is None):
        st.text_input(t("dossier.action_title"), key=f"{prefix}_title")
        say_problems(prefix, "title")
        st.text_area(t("dossier.action_description"), key=f"{prefix}_description", help=t("dossier.public_help"))
        say_problems(prefix, "description", "zone", *(() if drawn else ("geometry",)))
        st.text_input(t("dossier.action_organisation"), key=f"{prefix}_organisation")
        say_problems(prefix, "organisation")
        start, due = st.columns(2)
        with start:
            st.date_input(t("dossier.action_start"), key=f"{prefix}_start_date", format="YYYY-MM-DD")
            say_problems(prefix, "start_date")
        with due:
            st.date_input(t("dossier.action_due"), key=f"{prefix}_due_date", format="YYYY-MM-DD")
            say_problems(prefix, "due_date")
        st.text_input(t("dossier.action_cost"), key=f"{prefix}_cost", placeholder="12 500")
        say_problems(prefix, "cost")
        st.text_input(t("dossier.action_reports"), key=f"{prefix}_report_refs", placeholder="ABCD2345, EFGH6789")
        say_problems(prefix, "report_refs", "decision")
        st.checkbox(t("dossier.action_public"), key=f"{prefix}_public")
        st.form_submit_button(
            t("dossier.make_action" if decision_id else "dossier.save_action"),
            type="primary",
            on_click=submit_action,
            args=(prefix, zone_id, decision_id, base),
        )


def save_status(action_id: str) -> None:
    prefix = f"dossier_status_{action_id}"
    status = st.session_state[f"{prefix}_choice"]
    try:
        changed = action_model.change_status(
            db, action_id, ActionStatus(status), user, comment=st.session_state.get(f"{prefix}_comment", "")
        )
    except Refused as refused:
        keep_problems(prefix, refused)
        return
    st.session_state.pop(f"{prefix}_problems", None)
    flash("dossier.status_saved", status=label("action_status", status, lang), n=len(changed))


def link_more(action_id: str) -> None:
    prefix = f"dossier_link_{action_id}"
    try:
        added = action_model.link_reports(db, action_id, st.session_state.get(f"{prefix}_refs", ""), user)
    except Refused as refused:
        keep_problems(prefix, refused)
        return
    st.session_state.pop(f"{prefix}_problems", None)
    st.session_state[f"{prefix}_refs"] = ""
    flash("dossier.linked", n=added)


def show_action(action: Action, today: dt.date) -> None:
    with st.container(border=True):
        heading = f"**{action.title}** · {label('action_status', action.status, lang)}"
        if action.overdue(today):
            heading += f" · :red[{t('dossier.overdue')}]"
        st.markdown(heading)
        if action.description:
            st.text(action.description)
        st.text(
            t(
                "dossier.action_line",
                organisation=action.organisation,
                start=format_day(action.start_date, lang),
                due=format_day(action.due_date, lang),
            )
        )
        facts = [t("dossier.public" if action.public else "dossier.not_public")]
        if action.cost is not None:
            facts.append(t("dossier.cost", cost=format_number(action.cost, lang)))
        if action.report_refs:
            facts.append(t("dossier.reports", codes=", ".join(action.report_refs)))
        st.caption(" · ".join(facts))
        if action.status_comment:
            st.text(action.status_comment)
        if not can_edit:
            return
        with st.expander(t("dossier.change_action")):
            prefix = f"dossier_status_{action.id}"
            st.session_state.setdefault(f"{prefix}_choice", action.status.value)
            with st.form(prefix, border=False):
                st.selectbox(
                    t("dossier.action_status"),
                    options=[s.value for s in ActionStatus],
                    format_func=lambda v: label("action_status", v, lang),
                    key=f"{prefix}_choice",
                )
                st.text_input(t("dossier.status_comment"), key=f"{prefix}_comment", help=t("dossier.public_help"))
                say_problems(prefix, "status_comment")
                st.form_submit_button(t("dossier.save_status"), on_click=save_status, args=(action.id,))
            link = f"dossier_link_{action.id}"
            with st.form(link, border=False):
                st.text_input(t("dossier.link_reports"), key=f"{link}_refs", placeholder="ABCD2345")
                say_problems(link, "report_refs")
                st.form_submit_button(t("dossier.link"), on_click=link_more, args=(action.id,))


# -- meetings and actors ---------------------------------------------------------------------


def submit_meeting(zone_id: str, prefix: str) -> None:
    state = st.session_state
    try:
        dossier.record_meeting(
            db,
            zone_id,
            user,
            held_on=state.get(f"{prefix}_held_on"),
            present=state.get(f"{prefix}_present", []),
            notes=state.get(f"{prefix}_notes", ""),
            decisions=state.get(f"{prefix}_decisions", ""),
        )
    except Refused as refused:
        keep_problems(prefix, refused)
        return
    state.pop(f"{prefix}_problems", None)
    next_round("dossier_meeting")
    flash("dossier.meeting_saved")


def submit_actor(zone_id: str, prefix: str) -> None:
    state = st.session_state
    try:
        dossier.add_actor(
            db,
            zone_id,
            user,
            organisation=state.get(f"{prefix}_organisation", ""),
            kind=state.get(f"{prefix}_kind", ""),
            contact_name=state.get(f"{prefix}_contact_name", ""),
            contact_phone=state.get(f"{prefix}_contact_phone", ""),
            joined_on=state.get(f"{prefix}_joined_on"),
        )
    except Refused as refused:
        keep_problems(prefix, refused)
        return
    state.pop(f"{prefix}_problems", None)
    next_round("dossier_actor")
    flash("dossier.actor_saved")


def leave(actor_id: str) -> None:
    dossier.actor_leaves(db, actor_id, user)
    flash("dossier.actor_left")


def show_meetings(zone_id: str, plan: dict[str, Action]) -> None:
    st.subheader(t("dossier.meetings"))
    members = [a.organisation for a in dossier.zone_actors(db, zone_id, user) if a.left_on is None]
    if can_edit:
        meeting_form(zone_id, members)
    for meeting in dossier.meetings(db, zone_id, user):
        show_meeting(meeting, zone_id, plan)


def meeting_form(zone_id: str, members: list[str]) -> None:
    prefix = fresh("dossier_meeting")
    with st.expander(t("dossier.new_meeting")), st.form(prefix):
        st.session_state.setdefault(f"{prefix}_held_on", today_local())
        st.date_input(t("dossier.meeting_day"), key=f"{prefix}_held_on", format="YYYY-MM-DD")
        say_problems(prefix, "held_on")
        st.multiselect(
            t("dossier.present"),
            options=members,
            key=f"{prefix}_present",
            placeholder=t("dossier.present_placeholder"),  # "" shows Streamlit's English "Choose options"
            select_all=False,  # Streamlit's "Select all" is English
        )
        st.text_area(t("dossier.notes"), key=f"{prefix}_notes")
        say_problems(prefix, "notes")
        st.text_area(t("dossier.decisions"), key=f"{prefix}_decisions", help=t("dossier.decisions_help"))
        say_problems(prefix, "decisions")
        st.form_submit_button(
            t("dossier.save_meeting"), type="primary", on_click=submit_meeting, args=(zone_id, prefix)
        )


def show_meeting(meeting: dossier.Meeting, zone_id: str, plan: dict[str, Action]) -> None:
    with st.container(border=True):
        st.markdown(f"**{t('dossier.meeting_of', day=format_day(meeting.held_on, lang))}**")
        if meeting.present:
            st.caption(t("dossier.present_were", names=", ".join(meeting.present)))
        if meeting.notes:
            st.text(meeting.notes)
        for decision in meeting.decisions:
            st.markdown(f"- {t('dossier.decision')}: {escape_md(decision.text)}")
            made = plan.get(decision.action_id or "")
            if made is not None:
                st.caption(t("dossier.became_action", title=made.title))
            elif can_edit:
                with st.expander(t("dossier.make_action_of", text=decision.text[:60])):
                    action_form(
                        f"dossier_decision_{decision.id}", zone_id, title=decision.text, decision_id=decision.id
                    )


def show_actors(zone_id: str) -> None:
    st.subheader(t("dossier.actors"))
    st.caption(t("dossier.actors_help"))
    for found in dossier.zone_actors(db, zone_id, user):
        with st.container(border=True):
            line = f"**{escape_md(found.organisation)}** · {label('actor_kind', found.kind, lang)}"
            if found.left_on is not None:
                line += f" · {t('dossier.left_on', day=format_day(found.left_on, lang))}"
            st.markdown(line)
            contact = " · ".join(v for v in (found.contact_name, found.contact_phone) if v)
            if contact:
                st.text(contact)
            if found.left_on is None and can_edit:
                st.button(t("dossier.leaves"), key=f"dossier_leave_{found.id}", on_click=leave, args=(found.id,))
    if can_edit:
        actor_form(zone_id)


def actor_form(zone_id: str) -> None:
    prefix = fresh("dossier_actor")
    with st.expander(t("dossier.new_actor")), st.form(prefix):
        st.text_input(t("dossier.organisation"), key=f"{prefix}_organisation")
        say_problems(prefix, "organisation")
        st.selectbox(
            t("dossier.kind"),
            options=[k.value for k in ActorKind],
            format_func=lambda v: label("actor_kind", v, lang),
            key=f"{prefix}_kind",
        )
        st.text_input(t("dossier.contact_name"), key=f"{prefix}_contact_name")
        say_problems(prefix, "contact_name")
        st.text_input(t("dossier.contact_phone"), key=f"{prefix}_contact_phone")
        say_problems(prefix, "contact_phone")
        st.date_input(t("dossier.joined_on"), key=f"{prefix}_joined_on", value=None, format="YYYY-MM-DD")
        st.form_submit_button(t("dossier.save_actor"), type="primary", on_click=submit_actor, args=(zone_id, prefix))


def show_indicators(zone_id: str) -> None:
    found = dossier.indicators(db, zone_id, user)
    if found is None:
        return
    st.subheader(t("dossier.indicators"))
    cols = st.columns(4)
    cols[0].metric(t("dossier.reports_inside"), format_number(found.reports, lang))
    cols[1].metric(t("dossier.open_reports"), format_number(found.open_reports, lang))
    cols[2].metric(t("dossier.actions_done"), format_number(found.actions_done, lang))
    cols[3].metric(t("dossier.actions_overdue"), format_number(found.actions_overdue, lang))
    if not found.by_month.empty:
        month_bars(found.by_month)
    comparison = found.comparison
    if comparison is None:
        st.caption(t("dossier.no_start"))
    else:
        rate = comparison.rate
        ratio = "–" if rate is None else format_number(round(rate.ratio, 2), lang)
        st.markdown(
            t(
                "dossier.before_after",
                before=format_number(comparison.before, lang),
                after=format_number(comparison.after, lang),
                days=comparison.days,
                ratio=ratio,
            )
        )


def month_bars(by_month: pd.Series) -> None:
    """Reports per month as bars in calendar order, each month named in the reader's language."""
    names = [format_month(pd.Timestamp(m).date(), lang) for m in by_month.index]
    frame = pd.DataFrame({"month": names, "n": by_month.to_numpy()})
    chart = (
        alt.Chart(frame, title=t("dossier.reports_per_month"))
        .mark_bar(color="#1f5fa8")
        .encode(
            alt.X("month:N", sort=names, axis=alt.Axis(title=None, labelAngle=-40, labelLimit=0)),
            alt.Y("n:Q", axis=alt.Axis(title=None, tickMinStep=1)),
            tooltip=["month", "n"],
        )
    )
    st.altair_chart(chart.properties(height=260), use_container_width=True)


def show_plan() -> None:
    """The municipality's åtgärdsplan across every place, on the page and to print."""
    st.divider()
    if not st.toggle(t("plan.heading"), key="dossier_plan_shown"):
        return
    by = st.radio(
        t("plan.group_by"),
        options=list(municipal_plan.GROUPINGS),
        format_func=lambda v: t(f"plan.by.{v}"),
        key="dossier_plan_by",
        horizontal=True,
    )
    found = municipal_plan.action_plan(db, user, other_area=t("plan.other_area"), by=by, lang=lang)
    cols = st.columns(4)
    for col, (key, value) in zip(
        cols, (("plan.done", found.done), ("plan.late", found.late), ("plan.dropped", found.dropped),
               ("plan.active", found.active)), strict=True
    ):  # fmt: skip
        col.metric(t(key), format_number(value, lang))
    for group in found.groups:
        st.markdown(f"**{escape_md(group.area)}**")
        st.dataframe(
            pd.DataFrame(
                {
                    t("plan.column.title"): [i.action.title for i in group.actions],
                    t("plan.column.organisation"): [i.action.organisation for i in group.actions],
                    t("plan.column.period"): [
                        f"{format_day(i.action.start_date, lang)} – {format_day(i.action.due_date, lang)}"
                        for i in group.actions
                    ],
                    t("plan.column.status"): [
                        label("action_status", i.action.status, lang)
                        + (f" ({t('dossier.overdue')})" if i.overdue else "")
                        for i in group.actions
                    ],
                    t("plan.column.reports"): [
                        "–" if i.before is None else f"{i.before} → {i.after}" for i in group.actions
                    ],
                }
            ),
            hide_index=True,
            use_container_width=True,
        )
    st.caption(t("plan.reports_help"))
    html = municipal_plan.plan_html(found, lang)
    left, right = st.columns(2)
    left.download_button(t("plan.download_html"), html, file_name="atgardsplan.html", mime="text/html")
    right.download_button(
        t("plan.download_pdf"),
        lambda: municipal_plan.plan_pdf(found, lang),
        file_name="atgardsplan.pdf",
        mime="application/pdf",
    )


def escape_md(text: str) -> str:
    return "".join(f"\\{ch}" if ch in "\\`*_{}[]()#+-.!<>|~$:" else ch for ch in text)


# -- the page --------------------------------------------------------------------------------

st.selectbox(
    t("review.area"),
    options=area_ids,
    format_func=lambda i: f"{names[i]} · {label('zone_kind', kinds[i], lang)}",
    key=ZONE_KEY,
)
zone = st.session_state[ZONE_KEY]
set_query_params({"zone": zone})
# the team edits every dossier, the police those of the zones they take part in (geo.rights)
can_edit = action_model.may_edit_dossier(db, zone, user)
# the message of the last change, in a container that is always there: the elements below keep
# their places from one run to the next, so an open expander stays open
with st.container():
    if (message := st.session_state.pop(FLASH_KEY, None)) is not None:
        st.success(message)
today = today_local()
plan = {a.id: a for a in action_model.actions(db, user, zone_id=zone)}
show_indicators(zone)
st.subheader(t("dossier.plan"))
if not plan:
    st.caption(t("dossier.no_actions"))
for action in plan.values():
    show_action(action, today)
if can_edit:
    with st.expander(t("dossier.new_action")):
        action_form("dossier_new", zone, drawn=True)
else:
    st.caption(t("dossier.read_only"))
show_meetings(zone, plan)
show_actors(zone)
printed = dossier.dossier_html(db, zone, user, lang)
left, right = st.columns(2)
left.download_button(t("dossier.download_html"), printed, file_name="dossier.html", mime="text/html")
right.download_button(
    t("dossier.download_pdf"), lambda: documents.html_to_pdf(printed), file_name="dossier.pdf", mime="application/pdf"
)
show_plan()
