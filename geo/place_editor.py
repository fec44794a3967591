"""The team's meeting place editor (issue #19): check a form, save it, move a place, retire it.

Only a user with `geo.rights.Right.MANAGE_PLACES` may change places (`PermissionError` otherwise).
Every change is one transaction with its audit record (`geo.audit.record`: who, what, which
fields; never the texts). Bad input gives `FieldProblem` s, each naming its field, and nothing is
saved. Positions are EPSG:4326 (lon, lat); "outside the municipality" is tested against its
boundary polygon (EPSG:4326).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import shapely

from geo import audit, meeting_places
from geo.auth import User
from geo.model import Access, MeetingPlace, MeetingPlaceKind
from geo.rights import Right, require
from geo.store import Connection, Store, max_length

DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
"""OSM's weekday names, Monday first (the index is `datetime.date.weekday`)."""
TEXT_FIELDS = ("name", "address", "accessibility", "contact", "description", "staff_note", "opening_hours")


@dataclass(frozen=True)
class PlaceForm:
    """What the editor's fields hold. ``lon``/``lat`` EPSG:4326 (None: not placed yet);
    ``languages`` as typed (``"sv, ar, ti"``); ``descriptions`` other languages than Swedish."""

    name: str = ""
    kind: str = MeetingPlaceKind.OTHER.value
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    opening_hours: str = ""
    languages: str = ""
    audience: tuple[str, ...] = ()
    fee: str = ""
    wheelchair: str = ""
    accessibility: str = ""
    contact: str = ""
    description: str = ""
    descriptions: Mapping[str, str] = field(default_factory=dict)
    staff_note: str = ""


@dataclass(frozen=True)
class FieldProblem:
    """Why a field was refused: ``field`` names it (``description:ar`` for one language),
    ``key`` is the catalogue key of the message and ``values`` fill its placeholders."""

    field: str
    key: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SaveResult:
    place: MeetingPlace | None
    problems: tuple[FieldProblem, ...] = ()


def form_of(place: MeetingPlace) -> PlaceForm:
    """The editor's fields for a stored place."""
    return PlaceForm(
        name=place.name,
        kind=str(place.kind),
        lon=place.lon,
        lat=place.lat,
        address=place.address,
        opening_hours=place.opening_hours,
        languages=", ".join(place.languages),
        audience=tuple(place.audience),
        fee=place.fee,
        wheelchair=place.wheelchair,
        accessibility=place.accessibility,
        contact=place.contact,
        description=place.description,
        descriptions=dict(place.descriptions),
        staff_note=place.staff_note,
    )


def validate(form: PlaceForm, boundary: shapely.Geometry | None) -> list[FieldProblem]:
    """Every problem of ``form``, in the order of the fields; empty when it may be saved."""
    problems: list[FieldProblem] = []
    if not form.name.strip():
        problems.append(FieldProblem("name", "place_edit.problem.name_missing"))
    if form.kind not in meeting_places.kinds():
        problems.append(FieldProblem("kind", "place_edit.problem.kind"))
    problems += _position_problems(form, boundary)
    if (hours := meeting_places.check_hours(form.opening_hours)) is not None:
        values = {"part": hours.part, "position": hours.position + 1}
        problems.append(FieldProblem("opening_hours", "place_edit.problem.hours", values))
    unknown = meeting_places.unknown_languages(meeting_places.split_codes(form.languages))
    if unknown:
        problems.append(FieldProblem("languages", "place_edit.problem.languages", {"codes": ", ".join(unknown)}))
    problems += _choice_problems(form)
    problems += _text_problems(form)
    return problems


def _position_problems(form: PlaceForm, boundary: shapely.Geometry | None) -> list[FieldProblem]:
    if form.lon is None or form.lat is None:
        return [FieldProblem("position", "place_edit.problem.no_position")]
    point = shapely.Point(form.lon, form.lat)
    if boundary is not None and not boundary.covers(point):
        return [FieldProblem("position", "place_edit.problem.outside")]
    return []


def _choice_problems(form: PlaceForm) -> list[FieldProblem]:
    problems = []
    if any(a not in meeting_places.audiences() for a in form.audience):
        problems.append(FieldProblem("audience", "place_edit.problem.choice"))
    if form.fee not in ("", "yes", "no"):
        problems.append(FieldProblem("fee", "place_edit.problem.choice"))
    if form.wheelchair not in {a.value for a in Access}:
        problems.append(FieldProblem("wheelchair", "place_edit.problem.choice"))
    return problems


def _text_problems(form: PlaceForm) -> list[FieldProblem]:
    problems = []
    for name in TEXT_FIELDS:
        value, limit = getattr(form, name), max_length("meeting_places", name) or 0
        if len(value) > limit:
            problems.append(FieldProblem(name, "place_edit.problem.too_long", {"n": len(value), "max": limit}))
    limit = max_length("meeting_places", "description") or 0
    for code, text in sorted(form.descriptions.items()):
        if code in ("", "sv") or meeting_places.unknown_languages([code]):
            problems.append(FieldProblem(f"description:{code}", "place_edit.problem.languages", {"codes": code}))
        elif len(text) > limit:
            values = {"n": len(text), "max": limit}
            problems.append(FieldProblem(f"description:{code}", "place_edit.problem.too_long", values))
    return problems


def _place(form: PlaceForm, base: MeetingPlace | None) -> MeetingPlace:
    assert form.lon is not None and form.lat is not None
    values = {
        "name": form.name.strip(),
        "kind": MeetingPlaceKind(form.kind),
        "lon": float(form.lon),
        "lat": float(form.lat),
        "address": form.address.strip(),
        "opening_hours": form.opening_hours.strip(),
        "languages": meeting_places.split_codes(form.languages),
        "audience": tuple(dict.fromkeys(form.audience)),
        "fee": form.fee,
        "wheelchair": form.wheelchair,
        "accessibility": form.accessibility.strip(),
        "contact": form.contact.strip(),
        "description": form.description.strip(),
        "descriptions": {code: text.strip() for code, text in sorted(form.descriptions.items()) if text.strip()},
        "staff_note": form.staff_note.strip(),
    }
    return MeetingPlace(**values) if base is None else replace(base, **values)


def changed_fields(old: MeetingPlace, new: MeetingPlace) -> list[str]:
    """The names of the fields that differ (``position`` for lon/lat): what the audit records."""
    names = [name for name in old.__dataclass_fields__ if name not in ("id", "version", "lon", "lat")]
    found = [name for name in names if getattr(old, name) != getattr(new, name)]
    if (old.lon, old.lat) != (new.lon, new.lat):
        found.insert(0, "position")
    return found


def save_place(
    store: Store,
    form: PlaceForm,
    actor: User | None,
    *,
    boundary: shapely.Geometry | None,
    place_id: str | None = None,
    expected_version: int | None = None,
) -> SaveResult:
    """Create a place (``place_id`` None) or change the stored one, which must still be at
    ``expected_version`` (`geo.store.StaleEdit` otherwise). Nothing is stored when there is a
    problem. The audit records ``place.create`` or ``place.update`` with the changed fields."""
    user = require(actor, Right.MANAGE_PLACES)
    if problems := validate(form, boundary):
        return SaveResult(None, tuple(problems))
    if place_id is None:
        place = _place(form, None)
        saved = store.save_meeting_place(
            place, expected_version=None, also=_audit(store, user, "place.create", place.id, [])
        )
        return SaveResult(saved)
    old = store.meeting_place(place_id)
    if old is None:
        raise KeyError(place_id)
    place = _place(form, old)
    fields = changed_fields(old, place)
    if not fields:
        return SaveResult(old)
    version = old.version if expected_version is None else expected_version
    saved = store.save_meeting_place(
        place, expected_version=version, also=_audit(store, user, "place.update", place.id, fields)
    )
    return SaveResult(saved)


def set_active(store: Store, place_id: str, actor: User | None, *, active: bool, expected_version: int) -> MeetingPlace:
    """Retire a place (``active`` False: kept, shown to no one but the team) or bring it back."""
    user = require(actor, Right.MANAGE_PLACES)
    old = store.meeting_place(place_id)
    if old is None:
        raise KeyError(place_id)
    action = "place.restore" if active else "place.retire"
    return store.save_meeting_place(
        replace(old, active=active),
        expected_version=expected_version,
        also=_audit(store, user, action, place_id, []),
    )


def _audit(store: Store, user: User, action: str, target: str, fields: Sequence[str]) -> Callable[[Connection], None]:
    detail = {"fields": ", ".join(fields)[:200]} if fields else None
    return lambda conn: audit.record(store, user, action, target, detail, conn=conn)


# -- hours from simple controls ---------------------------------------------------------------------


def hours_rule(days: Sequence[int], start: dt.time, end: dt.time) -> str:
    """One ``opening_hours`` rule for the simple controls: ``days`` (0 = Monday) open from ``start``
    to ``end`` (an end at or before the start runs past midnight; 00:00 as the end is 24:00).
    Consecutive days are written as a range (``Mo-Th``). "" without days."""
    chosen = sorted(set(d for d in days if 0 <= d < 7))
    if not chosen:
        return ""
    runs: list[list[int]] = []
    for day in chosen:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    selector = ",".join(
        DAY_CODES[r[0]] if len(r) == 1 else f"{DAY_CODES[r[0]]}{'-' if len(r) > 2 else ','}{DAY_CODES[r[-1]]}"
        for r in runs
    )
    close = "24:00" if (end.hour, end.minute) == (0, 0) else f"{end.hour:02d}:{end.minute:02d}"
    return f"{selector} {start.hour:02d}:{start.minute:02d}-{close}"


def with_rule(hours: str, rule: str, *, holidays_off: bool) -> str:
    """``hours`` with ``rule`` added (a later rule wins for its days, as OSM reads them) and
    ``PH off`` at the end when ``holidays_off`` (once)."""
    parts = [p.strip() for p in hours.split(";") if p.strip() and p.strip() != "PH off"]
    had_off = any(p.strip() == "PH off" for p in hours.split(";"))
    if rule:
        parts.append(rule)
    if holidays_off or had_off:
        parts.append("PH off")
    return "; ".join(parts)
