"""Åtgärder: what is being done, where, by whom and by when, and the reports it answers.

One model for every place: an action lies in a zone (a platssamverkan or a medborgarlöfte),
covers a drawn geometry (a point, a line or an area, EPSG:4326) or the zone as a whole, has a
responsible organisation, a start and a due date, a status (`ActionStatus`) with a comment, an
optional cost (SEK), the reports it answers and a public flag.

Linking a report to an action moves the report to "åtgärd planerad" (and, when the action is
done, "åtgärdad") through the one status change of `geo.moderation.apply_status`, with the
action's public text as the public comment: the resident sees it at ``/status``. The action
"done" is one function, `mark_done`.

Input from people (forms) is checked by `validate` and the parsers (`parse_cost`,
`parse_ref_codes`, `parse_geometry`): every problem is a `geo.reporting.Problem` naming the
field and its catalogue message; nothing is saved while one remains (`Refused`).
Staff with `geo.rights.Right.MANAGE_ACTIONS` change actions, in every place (the team, the
admin) or in the zones where an organisation of their kind takes part (the police:
`geo.rights.WHERE_LISTED`, `require_dossier`), every change in the audit log (`geo.audit`);
all staff read them; the public sees public actions only (`public_actions`).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo import audit
from geo.auth import User
from geo.config import LOCAL_TIME_ZONE
from geo.model import WGS84, Moderation, Status
from geo.moderation import apply_status
from geo.privacy import scrub_text
from geo.reporting import Problem, normalize_ref_code
from geo.rights import Right, allowed, require, require_where
from geo.store import Store, column_length, utcnow
from geo.store.actions import ActionChanges


class ActionStatus(enum.StrEnum):
    """Where an action stands (catalogue ``action_status.<code>``)."""

    PLANNED = "planerad"
    ONGOING = "pagar"
    DONE = "klar"
    DROPPED = "struken"

    @property
    def is_active(self) -> bool:
        """Still to be done: planned or under way (an active action past its due date is overdue)."""
        return self in (ActionStatus.PLANNED, ActionStatus.ONGOING)


class ActorKind(enum.StrEnum):
    """The kind of an organisation in a platssamverkan (catalogue ``actor_kind.<code>``)."""

    PROPERTY_OWNER = "fastighetsagare"
    MUNICIPALITY = "kommun"
    POLICE = "polis"
    BUSINESS = "naringsidkare"
    ASSOCIATION = "forening"
    OTHER = "annan"


GEOMETRY_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")
"""What an action may cover (EPSG:4326); none at all means its zone as a whole."""
MAX_TITLE = column_length("actions", "title")
MAX_DESCRIPTION = column_length("actions", "description")
MAX_ORGANISATION = column_length("actions", "organisation")
MAX_COMMENT = column_length("actions", "status_comment")
MAX_COST = 1_000_000_000.0
"""The largest cost (SEK) taken: more is a typing error."""
MAX_REPORTS = 200
"""The most reports one action may answer."""
PUBLIC_FIELDS = ("title", "description", "organisation", "status_comment")
"""The fields of an action a resident may read (on /status and the map when it is public):
personal data (a phone number, an e-mail address, a personnummer) is refused in them."""


@dataclass(frozen=True)
class Action:
    """One åtgärd. ``geometry_wkt`` is EPSG:4326 (None: the zone ``zone_id`` as a whole);
    ``cost`` is SEK; ``report_refs`` the reference codes of the reports it answers."""

    id: str
    title: str
    organisation: str
    start_date: dt.date
    due_date: dt.date
    status: ActionStatus
    public: bool
    description: str = ""
    zone_id: str | None = None
    geometry_wkt: str | None = None
    status_comment: str = ""
    cost: float | None = None
    report_refs: tuple[str, ...] = ()
    decision_id: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    def overdue(self, today: dt.date) -> bool:
        """Still to be done after its due date (``today`` a Swedish local day)."""
        return self.status.is_active and self.due_date < today

    @property
    def public_text(self) -> str:
        """What a resident whose report it answers reads as the report's public comment: the
        title and the description of a public action; nothing of a non-public one."""
        if not self.public:
            return ""
        text = f"{self.title}. {self.description}".strip() if self.description else self.title
        return text[: column_length("reports", "public_comment")]


@dataclass(frozen=True)
class ActionDraft:
    """An action as a form holds it: texts as typed, dates as chosen (None: not chosen)."""

    title: str = ""
    organisation: str = ""
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    description: str = ""
    zone_id: str | None = None
    geometry_wkt: str | None = None
    status: str = ActionStatus.PLANNED.value
    status_comment: str = ""
    cost: str = ""
    report_refs: str = ""
    public: bool = False
    decision_id: str | None = None


class Refused(ValueError):
    """Nothing was saved: ``problems`` says why, field by field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.key}" for p in problems))
        self.problems = tuple(problems)


# -- parsers of outside input ------------------------------------------------------------------

_COST_RE = re.compile(r"^\d{1,3}(?:[ \u00a0.]\d{3})*(?:,\d{1,2})?$|^\d+(?:[.,]\d{1,2})?$")
_REF_SPLIT = re.compile(r"[\s,;]+")


def parse_cost(text: str) -> float | None:
    """A cost in SEK as people type it (``12 500``, ``12500,50``, ``1.250`` thousands, ``3000 kr``),
    or None for an empty field; `ValueError` for anything else, a negative amount or more than
    `MAX_COST`."""
    value = text.strip()
    value = re.sub(r"\s*(?:kr|sek|:-)\.?$", "", value, flags=re.IGNORECASE).strip()
    if not value:
        return None
    if not _COST_RE.match(value):
        raise ValueError(f"cost must be an amount in kronor, got {text!r}")
    grouped = re.fullmatch(r"\d{1,3}(?:[ \u00a0.]\d{3})+(?:,\d{1,2})?", value)
    if grouped:
        value = re.sub(r"[ \u00a0.]", "", value)
    amount = float(value.replace(",", "."))
    if not math.isfinite(amount) or amount > MAX_COST:
        raise ValueError(f"cost must be at most {MAX_COST:.0f} kronor, got {text!r}")
    return amount


def parse_ref_codes(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Reference codes typed in one field, separated by spaces, commas, semicolons or lines:
    ``(codes, not_codes)``: the normalised codes (each once, in order) and the pieces that cannot
    be a code (as typed)."""
    codes: dict[str, None] = {}
    bad: list[str] = []
    for piece in _REF_SPLIT.split(text.strip()):
        if not piece:
            continue
        code = normalize_ref_code(piece)
        if code is None:
            bad.append(piece)
        else:
            codes[code] = None
    return tuple(codes), tuple(bad)


def parse_geometry(wkt: str | None) -> shapely.Geometry | None:
    """A drawn geometry (WKT, EPSG:4326) as shapely, None for none (the whole zone);
    `ValueError` for text that is no geometry, an empty or invalid one, or another type than
    `GEOMETRY_TYPES`."""
    if wkt is None or not wkt.strip():
        return None
    try:
        geometry = shapely.from_wkt(wkt)
    except shapely.errors.GEOSException as error:
        raise ValueError(f"geometry must be WKT, got {wkt[:80]!r}") from error
    if geometry is None or geometry.is_empty or geometry.geom_type not in GEOMETRY_TYPES:
        raise ValueError(f"geometry must be one of {GEOMETRY_TYPES}, got {wkt[:80]!r}")
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
        if geometry.geom_type not in GEOMETRY_TYPES:
            raise ValueError(f"geometry must be a valid one of {GEOMETRY_TYPES}, got {wkt[:80]!r}")
    bounds = geometry.bounds
    if not all(math.isfinite(v) for v in bounds) or abs(bounds[0]) > 180 or abs(bounds[2]) > 180:
        raise ValueError("geometry must be longitude/latitude degrees (EPSG:4326)")
    if abs(bounds[1]) > 90 or abs(bounds[3]) > 90:
        raise ValueError("geometry must be longitude/latitude degrees (EPSG:4326)")
    return geometry


def has_personal_data(text: str) -> bool:
    """Whether ``text`` holds what `geo.privacy.scrub_text` removes (a phone number, an e-mail
    address, a personnummer): refused in a field the public reads."""
    return scrub_text(text).text != text


# -- validation (pure) ---------------------------------------------------------------------------


def validate(
    draft: ActionDraft,
    *,
    boundary: shapely.Geometry | None,
    zone_ids: Sequence[str] = (),
) -> list[Problem]:
    """Every problem with ``draft`` that needs no report lookup, in form order; empty when it may
    be saved. ``boundary`` is the municipality (EPSG:4326): an action's geometry must lie inside
    it. ``zone_ids`` are the zones there are (an action without a geometry needs one of them)."""
    problems: list[Problem] = []
    problems += _text_problems("title", draft.title, MAX_TITLE, required=True)
    problems += _text_problems("description", draft.description, MAX_DESCRIPTION)
    problems += _text_problems("organisation", draft.organisation, MAX_ORGANISATION, required=True)
    problems += _where_problems(draft, boundary, zone_ids)
    problems += _date_problems(draft)
    if draft.status not in {s.value for s in ActionStatus}:
        problems.append(Problem("status", "action.error.status"))
    problems += _text_problems("status_comment", draft.status_comment, MAX_COMMENT)
    try:
        parse_cost(draft.cost)
    except ValueError:
        problems.append(Problem("cost", "action.error.cost"))
    codes, bad = parse_ref_codes(draft.report_refs)
    if bad:
        problems.append(Problem("report_refs", "action.error.ref_format"))
    elif len(codes) > MAX_REPORTS:
        problems.append(Problem("report_refs", "action.error.too_many_reports", (("n", MAX_REPORTS),)))
    return problems


def _text_problems(name: str, text: str, limit: int, *, required: bool = False) -> list[Problem]:
    value = text.strip()
    if required and not value:
        return [Problem(name, f"action.error.{name}_missing")]
    if len(value) > limit:
        return [Problem(name, "action.error.too_long", (("n", len(value)), ("limit", limit)))]
    if name in PUBLIC_FIELDS and has_personal_data(value):
        return [Problem(name, "action.error.personal_data")]
    return []


def _where_problems(draft: ActionDraft, boundary: shapely.Geometry | None, zone_ids: Sequence[str]) -> list[Problem]:
    if draft.zone_id is not None and draft.zone_id not in zone_ids:
        return [Problem("zone", "action.error.zone")]
    try:
        geometry = parse_geometry(draft.geometry_wkt)
    except ValueError:
        return [Problem("geometry", "action.error.geometry")]
    if geometry is None:
        return [] if draft.zone_id is not None else [Problem("geometry", "action.error.where_missing")]
    if boundary is not None and not boundary.buffer(1e-9).covers(geometry):
        return [Problem("geometry", "action.error.outside")]
    return []


def _date_problems(draft: ActionDraft) -> list[Problem]:
    problems = []
    if draft.start_date is None:
        problems.append(Problem("start_date", "action.error.start_missing"))
    if draft.due_date is None:
        problems.append(Problem("due_date", "action.error.due_missing"))
    elif draft.start_date is not None and draft.due_date < draft.start_date:
        problems.append(Problem("due_date", "action.error.due_before_start"))
    return problems


# -- reading ----------------------------------------------------------------------------------


def _action(row: dict[str, Any]) -> Action:
    wkb = row.get("geom_wkb")
    return Action(
        id=row["id"],
        title=row["title"],
        organisation=row["organisation"],
        start_date=row["start_date"],
        due_date=row["due_date"],
        status=ActionStatus(row["status"]),
        public=bool(row["public"]),
        description=row["description"] or "",
        zone_id=row["zone_id"],
        geometry_wkt=None if wkb is None else shapely.to_wkt(shapely.from_wkb(wkb), rounding_precision=-1),
        status_comment=row["status_comment"] or "",
        cost=row["cost"],
        report_refs=tuple(row.get("report_refs", ())),
        decision_id=row.get("decision_id"),
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
    )


def actions(store: Store, actor: User | None, *, zone_id: str | None = None) -> list[Action]:
    """Every action (of one zone), by due date: staff only."""
    require(actor, Right.VIEW_STAFF)
    return [_action(row) for row in store.action_rows(zone_id=zone_id)]


def get_action(store: Store, action_id: str, actor: User | None) -> Action | None:
    require(actor, Right.VIEW_STAFF)
    rows = store.action_rows(action_ids=[action_id])
    return _action(rows[0]) if rows else None


def public_actions(store: Store) -> list[Action]:
    """The actions the public may see (their public flag set), by due date."""
    return [_action(row) for row in store.action_rows(public_only=True)]


def actions_for_report(store: Store, report_id: str) -> list[Action]:
    """The public actions that answer a report, by due date (what its resident sees on /status)."""
    ids = store.action_ids_of_report(report_id)
    if not ids:
        return []
    return [_action(row) for row in store.action_rows(action_ids=ids, public_only=True)]


LAYER_COLUMNS = ("id", "name", "description", "organisation", "status", "overdue", "start_date", "due_date", "public")


def actions_layer(store: Store, *, today: dt.date | None = None) -> gpd.GeoDataFrame:
    """Every action as the map draws it (the layer "Det här görs", EPSG:4326): its drawn place (a
    point, a line or an area) as drawn, an action of a whole zone at a point of its zone (an
    action with neither is left out); ``overdue`` is ``"yes"`` for an active action past its due
    date, else None."""
    today = today or today_local()
    zones = {zone.id: zone.geometry_wkt for zone in store.zones()}
    rows, places = [], []
    for action in (_action(row) for row in store.action_rows()):
        if action.geometry_wkt is not None:
            place = shapely.from_wkt(action.geometry_wkt)
        elif (zone_wkt := zones.get(action.zone_id or "")) is not None:
            place = shapely.from_wkt(zone_wkt).representative_point()
        else:
            continue
        rows.append(
            {
                "id": action.id,
                "name": action.title,
                "description": action.description,
                "organisation": action.organisation,
                "status": action.status.value,
                "overdue": "yes" if action.overdue(today) else None,
                "start_date": action.start_date,
                "due_date": action.due_date,
                "public": action.public,
            }
        )
        places.append(place)
    frame = pd.DataFrame(rows, columns=list(LAYER_COLUMNS))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(places, crs=WGS84), crs=WGS84)


def public_actions_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The public face of `actions_layer`: public actions only, and nothing of being overdue
    (a staff matter)."""
    if frame.empty:
        return frame.drop(columns=["public"], errors="ignore")
    chosen = frame[frame["public"].astype(bool)].copy()
    chosen["overdue"] = None
    return chosen.drop(columns=["public"])


def today_local() -> dt.date:
    """Today in Sweden."""
    return dt.datetime.now(LOCAL_TIME_ZONE).date()


# -- who edits which place's dossier ---------------------------------------------------------


def listed_kinds(store: Store, zone_id: str | None) -> frozenset[str]:
    """The kinds (`ActorKind` values) of the organisations still taking part in the zone's
    platssamverkan (none for no zone)."""
    if zone_id is None:
        return frozenset()
    return frozenset(row["kind"] for row in store.zone_actor_rows(zone_id) if row["left_on"] is None)


def may_edit_dossier(store: Store, zone_id: str | None, actor: User | None) -> bool:
    """Whether ``actor`` may change the dossier (actions, meetings, organisations) of the zone
    ``zone_id`` (None: an action of no zone): `require_dossier` lets it."""
    try:
        require_dossier(store, zone_id, actor)
    except PermissionError:
        return False
    return True


def require_dossier(store: Store, zone_id: str | None, actor: User | None) -> User:
    """``actor`` when it may change the zone's dossier (`may_edit_dossier`), else `PermissionError`."""
    if allowed(actor, Right.MANAGE_ACTIONS):
        assert actor is not None
        return actor
    return require_where(actor, Right.MANAGE_ACTIONS, listed_kinds(store, zone_id))


def _zone_of(store: Store, action_id: str) -> str | None:
    rows = store.action_rows(action_ids=[action_id])
    return rows[0]["zone_id"] if rows else None


# -- changes ----------------------------------------------------------------------------------


def create_action(
    store: Store,
    draft: ActionDraft,
    actor: User | None,
    *,
    now: dt.datetime | None = None,
) -> Action:
    """Save the action of ``draft`` and link the reports it names, moving them to "åtgärd
    planerad" ("åtgärdad" when the action is done already) with its public text as their public
    comment, all in one transaction. `Refused` (nothing saved) for any problem: those of
    `validate`, and reports that do not exist or were rejected."""
    user = require_dossier(store, draft.zone_id, actor)
    boundary = store.boundary()
    zone_ids = [zone.id for zone in store.zones()]
    problems = validate(draft, boundary=None if boundary is None else boundary[1], zone_ids=zone_ids)
    if problems:
        raise Refused(problems)
    at = now or utcnow()
    geometry = parse_geometry(draft.geometry_wkt)
    action = Action(
        id=str(uuid.uuid4()),
        title=draft.title.strip(),
        organisation=draft.organisation.strip(),
        start_date=draft.start_date,  # type: ignore[arg-type]  # validated
        due_date=draft.due_date,  # type: ignore[arg-type]
        status=ActionStatus(draft.status),
        public=draft.public,
        description=draft.description.strip(),
        zone_id=draft.zone_id,
        geometry_wkt=None if geometry is None else geometry.wkt,
        status_comment=draft.status_comment.strip(),
        cost=parse_cost(draft.cost),
        decision_id=draft.decision_id,
        created_at=at,
        updated_at=at,
    )
    codes, _ = parse_ref_codes(draft.report_refs)
    with store.action_changes() as changes:
        report_ids = _linkable(changes, codes)
        if draft.decision_id is not None and changes.decision(draft.decision_id) is None:
            raise Refused([Problem("decision", "action.error.decision")])
        changes.add_action(_row(action, geometry), report_ids)
        _follow(changes, action, report_ids, user, at)
        _audit(changes, user, "action.create", action.id, {"status": action.status.value, "reports": str(len(codes))})
    return replace(action, report_refs=tuple(sorted(codes)))


def link_reports(
    store: Store, action_id: str, ref_codes: str, actor: User | None, *, now: dt.datetime | None = None
) -> int:
    """Link more reports (codes as typed) to an action, moving them as `create_action` does;
    returns how many were new. `Refused` for a malformed, unknown or rejected code; KeyError
    for an unknown action."""
    user = require_dossier(store, _zone_of(store, action_id), actor)
    codes, bad = parse_ref_codes(ref_codes)
    if bad:
        raise Refused([Problem("report_refs", "action.error.ref_format")])
    at = now or utcnow()
    with store.action_changes() as changes:
        row = changes.lock_action(action_id)
        if row is None:
            raise KeyError(f"no such action: {action_id!r}")
        already = set(changes.linked(action_id))
        new = [rid for rid in _linkable(changes, codes) if rid not in already]
        changes.link(action_id, new)
        _follow(changes, _action(row), new, user, at)
        if new:
            _audit(changes, user, "action.link", action_id, {"reports": str(len(new))})
    return len(new)


def change_status(
    store: Store,
    action_id: str,
    status: ActionStatus,
    actor: User | None,
    *,
    comment: str = "",
    now: dt.datetime | None = None,
) -> list[str]:
    """Move an action to ``status`` with a comment (public when the action is). Done goes
    through `mark_done`. Returns the ids of the reports whose status changed. `Refused` for a
    comment too long or holding personal data; KeyError for an unknown action."""
    status = ActionStatus(status)
    if status is ActionStatus.DONE:
        return mark_done(store, action_id, actor, comment=comment, now=now)
    user = require_dossier(store, _zone_of(store, action_id), actor)
    _check_comment(comment)
    at = now or utcnow()
    with store.action_changes() as changes:
        row = changes.lock_action(action_id)
        if row is None:
            raise KeyError(f"no such action: {action_id!r}")
        changes.update_action(action_id, status=status.value, status_comment=comment.strip(), updated_at=at)
        _audit(changes, user, "action.update", action_id, {"from": row["status"], "to": status.value})
    return []


def mark_done(
    store: Store, action_id: str, actor: User | None, *, comment: str = "", now: dt.datetime | None = None
) -> list[str]:
    """The action is done: its status becomes ``klar`` and every open report it answers
    "åtgärdad", with the comment (or the action's public text) as public comment, in one
    transaction, each resident who left an address told so by e-mail ("action_done", `geo.outbox`,
    written in this transaction). Returns the ids of the reports that changed. The one "action
    done" transition: whatever should follow it belongs here."""
    user = require_dossier(store, _zone_of(store, action_id), actor)
    _check_comment(comment)
    at = now or utcnow()
    with store.action_changes() as changes:
        row = changes.lock_action(action_id)
        if row is None:
            raise KeyError(f"no such action: {action_id!r}")
        changes.update_action(action_id, status=ActionStatus.DONE.value, status_comment=comment.strip(), updated_at=at)
        done = _action({**row, "status": ActionStatus.DONE.value, "status_comment": comment.strip()})
        changed = _follow(changes, done, changes.linked(action_id), user, at)
        _audit(changes, user, "action.done", action_id, {"from": row["status"], "reports": str(len(changed))})
    return changed


def _check_comment(comment: str) -> None:
    problems = _text_problems("status_comment", comment, MAX_COMMENT)
    if problems:
        raise Refused(problems)


def _linkable(changes: ActionChanges, codes: Sequence[str]) -> list[str]:
    """The ids of the reports ``codes`` name; `Refused` when one does not exist or was rejected."""
    found = changes.reports_by_ref(codes)
    if set(codes) - set(found):
        raise Refused([Problem("report_refs", "action.error.report_missing")])
    if any(found[c]["moderation"] == Moderation.REJECTED.value for c in codes):
        raise Refused([Problem("report_refs", "action.error.report_rejected")])
    return [found[c]["id"] for c in codes]


def _follow(
    changes: ActionChanges, action: Action, report_ids: Sequence[str], user: User, at: dt.datetime
) -> list[str]:
    """Move the open reports among ``report_ids`` to the status the action gives them (via
    `geo.moderation.apply_status`: their audit history records it); returns those that moved."""
    target = Status.FIXED if action.status is ActionStatus.DONE else Status.ACTION_PLANNED
    comment = action.status_comment if action.public and action.status is ActionStatus.DONE else ""
    comment = comment or action.public_text
    changed = []
    for report_id in report_ids:
        current = Status(changes.cases.current(report_id, "status"))
        if not current.is_open or (current is target and not comment):
            continue
        kind = "action_done" if action.status is ActionStatus.DONE else "status"  # the resident's e-mail
        apply_status(changes.cases, report_id, target, user, public_comment=comment, at=at, mail_kind=kind)
        changed.append(report_id)
    return changed


def _audit(changes: ActionChanges, user: User, action: str, target: str, detail: dict[str, str]) -> None:
    """One row of the audit log (`geo.audit`) inside the change's transaction."""
    audit.record(changes.store, user, action, target, detail, conn=changes.conn)


def _row(action: Action, geometry: shapely.Geometry | None) -> dict[str, Any]:
    return {
        "id": action.id,
        "zone_id": action.zone_id,
        "title": action.title,
        "description": action.description,
        "geom_wkb": None if geometry is None else shapely.to_wkb(geometry),
        "organisation": action.organisation,
        "start_date": action.start_date,
        "due_date": action.due_date,
        "status": action.status.value,
        "status_comment": action.status_comment,
        "cost": action.cost,
        "public": action.public,
        "decision_id": action.decision_id,
        "created_at": action.created_at,
        "updated_at": action.updated_at,
    }
