"""Medborgarlöften followed up in public: what each promise says will be done (activities),
a log of each time it was done, and a public page per promise.

The police or the team (`geo.rights.Right.FOLLOW_UP_PROMISES`) add activities ("ökad närvaro
vid resecentrum fredag och lördag kväll") and log each time one was carried out (the day and a
short public note); every change is in the audit log (`geo.audit`). Activities and notes are
public: personal data (a phone number, an e-mail address, a personnummer) is refused in them.

`promise_page` is what anyone may read about a promise: its text, period and police contact,
its activities and how many times each was carried out, the log, the day of the last follow-up
and the trend of published reports inside the area per month, where a month with 1–4 reports
says "fewer than 5" rather than its count (`PUBLIC_MIN_COUNT`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
import shapely

from geo import audit
from geo.actions import Refused, has_personal_data, today_local
from geo.analysis import counts_by, reports_in_area
from geo.auth import User
from geo.hexagons import PUBLIC_MIN_COUNT
from geo.layers import ReportFilter, reports_layer
from geo.model import Role, ZoneKind
from geo.reporting import Problem
from geo.rights import Right, require
from geo.store import Store, column_length, utcnow

MAX_ACTIVITY = column_length("promise_activities", "text")
MAX_NOTE = column_length("promise_log", "note")
TREND_MONTHS = 24
"""How many months the public trend shows, up to the current one."""


@dataclass(frozen=True)
class Activity:
    id: str
    text: str
    times: int
    last_done: dt.date | None


@dataclass(frozen=True)
class LogEntry:
    done_on: dt.date
    activity: str
    note: str


@dataclass(frozen=True)
class PromisePage:
    """A medborgarlöfte as the public reads it. ``trend`` is (first day of a local month, count)
    oldest first, the count None for 1–4 reports (said as "fewer than 5")."""

    zone_id: str
    name: str
    promise_text: str
    police_contact: str
    start_date: dt.date | None
    end_date: dt.date | None
    activities: tuple[Activity, ...]
    log: tuple[LogEntry, ...]
    trend: tuple[tuple[dt.date, int | None], ...]

    @property
    def last_follow_up(self) -> dt.date | None:
        return self.log[0].done_on if self.log else None


def promises(store: Store) -> list[tuple[str, str]]:
    """Every medborgarlöfte as (id, name), by name: public."""
    return [(zone.id, zone.name) for zone in store.zones(ZoneKind.MEDBORGARLOFTE)]


PAGE_PATH = "/lofte"
"""Where the app serves the public page of a promise (``pages/promise.py``)."""


def page_url(zone_id: str, *, site: str = "", lang: str = "sv") -> str:
    """The public page of the medborgarlöfte ``zone_id``: ``/lofte?omrade=<id>`` (after ``site``,
    the app's address without a trailing slash, for a link from another service), in ``lang``
    (Swedish unless said)."""
    query = {"omrade": zone_id} | ({} if lang == "sv" else {"lang": lang})
    return f"{site}{PAGE_PATH}?{urlencode(query)}"


def promise_page(store: Store, zone_id: str, *, today: dt.date | None = None) -> PromisePage | None:
    """The public page of the medborgarlöfte ``zone_id``; None for anything else."""
    zone = next((z for z in store.zones(ZoneKind.MEDBORGARLOFTE) if z.id == zone_id), None)
    if zone is None:
        return None
    activities, log = store.promise_follow_up(zone_id)
    return PromisePage(
        zone_id=zone.id,
        name=zone.name,
        promise_text=zone.promise_text,
        police_contact=zone.police_contact,
        start_date=zone.start_date,
        end_date=zone.end_date,
        activities=tuple(Activity(a["id"], a["text"], int(a["times"]), a["last_done"]) for a in activities),
        log=tuple(LogEntry(e["done_on"], e["activity"], e["note"] or "") for e in log),
        trend=_trend(store, shapely.from_wkt(zone.geometry_wkt), today or today_local()),
    )


def _trend(store: Store, area: shapely.Geometry, today: dt.date) -> tuple[tuple[dt.date, int | None], ...]:
    """Published reports inside ``area`` (EPSG:4326) per local month, the last `TREND_MONTHS`."""
    minx, miny, maxx, maxy = area.bounds
    public = reports_layer(store, ReportFilter(), viewer=Role.PUBLIC, bbox=(minx, miny, maxx, maxy))
    counts = counts_by(reports_in_area(public, area), "month")
    by_month = {pd.Timestamp(m).date(): int(n) for m, n in counts.items()}
    first = (pd.Timestamp(today.replace(day=1)) - pd.DateOffset(months=TREND_MONTHS - 1)).date()
    months = pd.date_range(first, today, freq="MS").date
    return tuple((m, _shown(by_month.get(m, 0))) for m in months)


def _shown(count: int) -> int | None:
    return None if 0 < count < PUBLIC_MIN_COUNT else count


def _public_text_problems(name: str, text: str, limit: int) -> list[Problem]:
    value = text.strip()
    if len(value) > limit:
        return [Problem(name, "action.error.too_long", (("n", len(value)), ("limit", limit)))]
    if has_personal_data(value):
        return [Problem(name, "action.error.personal_data")]
    return []


def add_activity(store: Store, zone_id: str, text: str, actor: User | None, *, now: dt.datetime | None = None) -> str:
    """Add an activity to the medborgarlöfte ``zone_id``; returns its id. `Refused` (nothing
    saved) for an empty or too long text, personal data in it, or a zone that is no promise."""
    user = require(actor, Right.FOLLOW_UP_PROMISES)
    problems = [] if text.strip() else [Problem("activity", "promise.error.activity_missing")]
    problems += _public_text_problems("activity", text, MAX_ACTIVITY)
    if not any(z.id == zone_id for z in store.zones(ZoneKind.MEDBORGARLOFTE)):
        problems.append(Problem("zone", "action.error.zone"))
    if problems:
        raise Refused(problems)
    activity_id = str(uuid.uuid4())
    with store.action_changes() as changes:
        changes.add_activity(
            {"id": activity_id, "zone_id": zone_id, "text": text.strip(), "created_at": now or utcnow()}
        )
        audit.record(store, user, "promise.activity_add", zone_id, conn=changes.conn)
    return activity_id


def log_done(
    store: Store,
    activity_id: str,
    done_on: dt.date | None,
    actor: User | None,
    *,
    note: str = "",
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Log that an activity was carried out on ``done_on`` (a Swedish day, not in the future)
    with a public ``note``. `Refused` (nothing saved) for a missing or future day, a note too
    long or holding personal data, or an unknown activity."""
    user = require(actor, Right.FOLLOW_UP_PROMISES)
    problems = []
    if done_on is None:
        problems.append(Problem("done_on", "promise.error.day_missing"))
    elif done_on > (today or today_local()):
        problems.append(Problem("done_on", "promise.error.day_future"))
    problems += _public_text_problems("note", note, MAX_NOTE)
    if problems:
        raise Refused(problems)
    with store.action_changes() as changes:
        zone_id = changes.activity_zone(activity_id)
        if zone_id is None:
            raise Refused([Problem("activity", "promise.error.activity_unknown")])
        row = {
            "id": str(uuid.uuid4()),
            "activity_id": activity_id,
            "done_on": done_on,
            "note": note.strip(),
            "created_by": user.username,
            "created_at": now or utcnow(),
        }
        changes.add_log_entry(row)
        audit.record(store, user, "promise.log", zone_id, conn=changes.conn)
