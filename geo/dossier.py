"""The platssamverkan dossier: one zone's actors, meetings, action plan and indicators.

Staff read it (`geo.rights.Right.VIEW_STAFF`); those with `geo.rights.Right.MANAGE_ACTIONS` change it,
every change in the audit log (`geo.audit`). An actor is an organisation with its kind (`ActorKind`)
and a contact person whose name and phone are personal data: shown to staff only, never in
a public surface or export, and emptied when the organisation leaves (`actor_leaves`). A
meeting holds its day, the organisations present, notes and decisions (one a line); a
decision becomes an action in one step (`geo.actions.create_action` with its ``decision_id``).
The indicators (`indicators`) count the zone's reports over time, its open reports, its
actions done and overdue, and compare before and after the collaboration started
(`geo.review.review_area`, `geo.analysis.before_after`).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from geo import audit, documents
from geo.actions import Action, ActionStatus, ActorKind, Refused, actions, require_dossier, today_local
from geo.analysis import BeforeAfter
from geo.auth import User
from geo.i18n import format_day, format_number, label, translator
from geo.model import Status
from geo.reporting import Problem
from geo.review import review_area
from geo.rights import Right, require
from geo.store import Store, column_length, utcnow

MAX_ORGANISATION = column_length("zone_actors", "organisation")
MAX_CONTACT_NAME = column_length("zone_actors", "contact_name")
MAX_NOTES = column_length("meetings", "notes")
MAX_DECISION = column_length("meeting_decisions", "text")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-/]{4,30}[0-9]$")


@dataclass(frozen=True)
class Actor:
    """An organisation of a zone's platssamverkan; ``contact_name``/``contact_phone`` are
    personal data (staff only), empty once it has left (``left_on``)."""

    id: str
    zone_id: str
    organisation: str
    kind: ActorKind
    contact_name: str = ""
    contact_phone: str = ""
    joined_on: dt.date | None = None
    left_on: dt.date | None = None


@dataclass(frozen=True)
class Decision:
    id: str
    text: str
    action_id: str | None = None


@dataclass(frozen=True)
class Meeting:
    id: str
    zone_id: str
    held_on: dt.date
    present: tuple[str, ...]
    notes: str
    decisions: tuple[Decision, ...]


@dataclass(frozen=True)
class Indicators:
    """A zone at a glance: reports per month (local months, oldest first), open reports,
    actions done, overdue and still to do, and the before/after comparison (None without a
    start date)."""

    by_month: pd.Series
    reports: int
    open_reports: int
    actions_done: int
    actions_overdue: int
    actions_active: int
    comparison: BeforeAfter | None


def parse_phone(text: str) -> str:
    """A contact phone as typed (``070-123 45 67``, ``+46 70 123 45 67``) with its spaces
    tidied, or ``""`` for none; `ValueError` for anything that is not a phone number."""
    value = " ".join(text.split())
    if not value:
        return ""
    if not _PHONE_RE.match(value) or not 7 <= sum(ch.isdigit() for ch in value) <= 15:
        raise ValueError(f"phone must be a phone number, got {text!r}")
    return value


def validate_actor(organisation: str, kind: str, contact_name: str, contact_phone: str) -> list[Problem]:
    """Problems with an actor as a form holds it, in form order."""
    problems = []
    if not organisation.strip():
        problems.append(Problem("organisation", "dossier.error.organisation_missing"))
    elif len(organisation.strip()) > MAX_ORGANISATION:
        problems.append(
            Problem(
                "organisation", "action.error.too_long", (("n", len(organisation.strip())), ("limit", MAX_ORGANISATION))
            )
        )
    if kind not in {k.value for k in ActorKind}:
        problems.append(Problem("kind", "dossier.error.kind"))
    if len(contact_name.strip()) > MAX_CONTACT_NAME:
        problems.append(
            Problem(
                "contact_name", "action.error.too_long", (("n", len(contact_name.strip())), ("limit", MAX_CONTACT_NAME))
            )
        )
    try:
        parse_phone(contact_phone)
    except ValueError:
        problems.append(Problem("contact_phone", "dossier.error.phone"))
    return problems


def add_actor(
    store: Store,
    zone_id: str,
    actor: User | None,
    *,
    organisation: str,
    kind: str,
    contact_name: str = "",
    contact_phone: str = "",
    joined_on: dt.date | None = None,
) -> Actor:
    """Add an organisation to the zone's platssamverkan; `Refused` (nothing saved) for bad input."""
    user = require_dossier(store, zone_id, actor)
    problems = validate_actor(organisation, kind, contact_name, contact_phone)
    if problems:
        raise Refused(problems)
    found = Actor(
        id=str(uuid.uuid4()),
        zone_id=zone_id,
        organisation=organisation.strip(),
        kind=ActorKind(kind),
        contact_name=contact_name.strip(),
        contact_phone=parse_phone(contact_phone),
        joined_on=joined_on,
    )
    with store.action_changes() as changes:
        changes.add_actor({**found.__dict__, "kind": found.kind.value})
        audit.record(store, user, "dossier.actor_add", zone_id, {"kind": found.kind.value}, conn=changes.conn)
    return found


def actor_leaves(store: Store, actor_id: str, actor: User | None, *, on: dt.date | None = None) -> None:
    """The organisation leaves the platssamverkan: its contact person's name and phone are
    deleted (personal data kept no longer than needed); KeyError for an unknown one."""
    user = require_dossier(store, store.actor_zone(actor_id), actor)
    with store.action_changes() as changes:
        if not changes.actor_leaves(actor_id, on or today_local()):
            raise KeyError(f"no such actor: {actor_id!r}")
        audit.record(store, user, "dossier.actor_leave", actor_id, conn=changes.conn)


def zone_actors(store: Store, zone_id: str, actor: User | None) -> list[Actor]:
    """The zone's organisations, those still in it first."""
    require(actor, Right.VIEW_STAFF)
    return [Actor(**{**row, "kind": ActorKind(row["kind"])}) for row in store.zone_actor_rows(zone_id)]


def split_decisions(text: str) -> list[str]:
    """Decisions typed one a line (a leading bullet or number is dropped), empty lines skipped."""
    found = []
    for line in text.replace("\r\n", "\n").split("\n"):
        item = re.sub(r"^\s*(?:[-•*–·]|\d+[.)])\s*", "", line).strip()
        if item:
            found.append(item)
    return found


def record_meeting(
    store: Store,
    zone_id: str,
    actor: User | None,
    *,
    held_on: dt.date | None,
    present: Sequence[str],
    notes: str = "",
    decisions: str = "",
    now: dt.datetime | None = None,
) -> Meeting:
    """Record a meeting of the zone's platssamverkan; `Refused` (nothing saved) for a missing
    day, notes or a decision too long."""
    user = require_dossier(store, zone_id, actor)
    items = split_decisions(decisions)
    problems = []
    if held_on is None:
        problems.append(Problem("held_on", "dossier.error.day_missing"))
    if len(notes.strip()) > MAX_NOTES:
        problems.append(Problem("notes", "action.error.too_long", (("n", len(notes.strip())), ("limit", MAX_NOTES))))
    longest = max((len(item) for item in items), default=0)
    if longest > MAX_DECISION:
        problems.append(Problem("decisions", "action.error.too_long", (("n", longest), ("limit", MAX_DECISION))))
    if problems:
        raise Refused(problems)
    meeting = Meeting(
        id=str(uuid.uuid4()),
        zone_id=zone_id,
        held_on=held_on,  # type: ignore[arg-type]  # checked above
        present=tuple(dict.fromkeys(p.strip() for p in present if p.strip())),
        notes=notes.strip(),
        decisions=tuple(Decision(str(uuid.uuid4()), item) for item in items),
    )
    row = {
        "id": meeting.id,
        "zone_id": zone_id,
        "held_on": meeting.held_on,
        "present": list(meeting.present),
        "notes": meeting.notes,
        "created_at": now or utcnow(),
    }
    rows = [
        {"id": d.id, "meeting_id": meeting.id, "position": i, "text": d.text} for i, d in enumerate(meeting.decisions)
    ]
    with store.action_changes() as changes:
        changes.add_meeting(row, rows)
        detail = {"decisions": str(len(rows))}
        audit.record(store, user, "dossier.meeting_add", zone_id, detail, conn=changes.conn)
    return meeting


def meetings(store: Store, zone_id: str, actor: User | None) -> list[Meeting]:
    """The zone's meetings, newest first, each decision with the action made of it (if any)."""
    require(actor, Right.VIEW_STAFF)
    return [
        Meeting(
            id=row["id"],
            zone_id=row["zone_id"],
            held_on=row["held_on"],
            present=tuple(row["present"]),
            notes=row["notes"] or "",
            decisions=tuple(Decision(d["id"], d["text"], d["action_id"]) for d in row["decisions"]),
        )
        for row in store.meeting_rows(zone_id)
    ]


def indicators(store: Store, zone_id: str, actor: User | None, *, today: dt.date | None = None) -> Indicators | None:
    """The zone's indicators (see `Indicators`); None for an unknown zone."""
    require(actor, Right.VIEW_STAFF)
    today = today or today_local()
    review = review_area(store, zone_id, actor, today=today)
    if review is None:
        return None
    plan: list[Action] = actions(store, actor, zone_id=zone_id)
    open_codes = {s.value for s in Status if s.is_open}
    frame = review.reports
    return Indicators(
        by_month=review.by_month,
        reports=len(frame),
        open_reports=int(frame["status"].isin(list(open_codes)).sum()) if not frame.empty else 0,
        actions_done=sum(a.status is ActionStatus.DONE for a in plan),
        actions_overdue=sum(a.overdue(today) for a in plan),
        actions_active=sum(a.status.is_active for a in plan),
        comparison=review.comparison,
    )


def dossier_html(store: Store, zone_id: str, actor: User | None, lang: str, *, today: dt.date | None = None) -> str:
    """The zone's dossier as a print-ready page in ``lang`` (`geo.documents`): indicators, the
    action plan, meetings and the organisations by name and kind. Contact persons are left out:
    a printed page leaves the staff's hands."""
    require(actor, Right.VIEW_STAFF)
    t = translator(lang)
    zone = next(z for z in store.zones() if z.id == zone_id)
    found = indicators(store, zone_id, actor, today=today)
    figures = []
    comparison = ""
    if found is not None:
        figures = [
            (t("dossier.reports_inside"), format_number(found.reports, lang)),
            (t("dossier.open_reports"), format_number(found.open_reports, lang)),
            (t("dossier.actions_done"), format_number(found.actions_done, lang)),
            (t("dossier.actions_overdue"), format_number(found.actions_overdue, lang)),
        ]
        if found.comparison is not None:
            rate = found.comparison.rate
            comparison = t(
                "dossier.before_after",
                before=found.comparison.before,
                after=found.comparison.after,
                days=found.comparison.days,
                ratio="–" if rate is None else format_number(round(rate.ratio, 2), lang),
            )
    day = today or today_local()
    plan = [
        {
            "title": a.title,
            "organisation": a.organisation,
            "period": f"{format_day(a.start_date, lang)} – {format_day(a.due_date, lang)}",
            "status": label("action_status", a.status, lang) + (f" ({t('dossier.overdue')})" if a.overdue(day) else ""),
        }
        for a in actions(store, actor, zone_id=zone_id)
    ]
    context = {
        "as_of": t("plan.as_of", day=format_day(day, lang)),
        "description": zone.description,
        "figures": figures,
        "comparison": comparison,
        "headings": {
            "indicators": t("dossier.indicators"),
            "plan": t("dossier.plan"),
            "meetings": t("dossier.meetings"),
            "actors": t("dossier.actors"),
        },
        "columns": {key: t(f"plan.column.{key}") for key in ("title", "organisation", "period", "status")},
        "actions": plan,
        "empty": t("dossier.no_actions"),
        "meetings": [
            {
                "title": t("dossier.meeting_of", day=format_day(m.held_on, lang)),
                "present": t("dossier.present_were", names=", ".join(m.present)) if m.present else "",
                "notes": m.notes,
                "decisions": [d.text for d in m.decisions],
            }
            for m in meetings(store, zone_id, actor)
        ],
        "actors": [
            f"{a.organisation} ({label('actor_kind', a.kind, lang)})"
            + (f", {t('dossier.left_on', day=format_day(a.left_on, lang))}" if a.left_on else "")
            for a in zone_actors(store, zone_id, actor)
        ],
    }
    return documents.render_html("dossier.html.j2", context, lang=lang, title=t("dossier.print_title", zone=zone.name))
