"""Rapportera: a resident's report from draft to reference code, and its public status.

The flow: `validate` a `ReportDraft` → show `preview_text` and `nearby_reports` (only what
the public may see: published reports on the public grid, distances rounded up) →
`submit` (scrubs the text, stores the report as pending, returns the reference code
only after the row is committed). `public_status` answers a reference code with
the public status and comment, nothing else. `take_submission_slot` is the rate limit of
the form and of Open311, kept in the database.

Coordinates are WGS84 (EPSG:4326) lon/lat; distances are measured in SWEREF 99 TM
(EPSG:3006), metres.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geo import outbox
from geo.config import LOCAL_TIME_ZONE, load_settings
from geo.crs import to_sweref99tm
from geo.i18n import normalize_language
from geo.layers import ReportFilter, reports_layer
from geo.model import Category, Feeling, Moderation, Role, Source, Status, TimeOfDay
from geo.moderation import rejection_kind
from geo.privacy import PUBLIC_GRID_M, is_valid_email, scrub_text
from geo.public import public_reports
from geo.store import REF_CODE_ALPHABET, REF_CODE_LENGTH, Store, column_length, utcnow

MAX_TEXT_LENGTH = column_length("reports", "text")
NEARBY_RADIUS_M = 100.0
NEARBY_DAYS = 90
NEARBY_STEP_M = 50
"""Distances in the duplicate hint are rounded up to this many metres ("inom 100 m")."""


@dataclass(frozen=True)
class ReportDraft:
    """What the resident entered. ``lon``/``lat`` are EPSG:4326 degrees or None."""

    lon: float | None
    lat: float | None
    feeling: str | None
    category: str | None
    time_of_day: str | None
    text: str = ""
    email: str = ""
    email_consent: bool = False
    language: str = "sv"
    honeypot: str = ""


@dataclass(frozen=True)
class Problem:
    """One reason a draft cannot be sent: ``field`` names the input, ``key`` the
    catalogue message (``report.error.*``)."""

    field: str
    key: str
    values: tuple[tuple[str, int], ...] = ()
    """Numbers the message names (``n``, ``over``), as pairs so the problem stays hashable."""


@dataclass(frozen=True)
class Submitted:
    id: str
    ref_code: str


@dataclass(frozen=True)
class NearbyReport:
    """What a resident may learn of a published report near their pin, to support it
    instead of sending a duplicate: never its text, its exact place or anything unpublished.

    ``key`` identifies the report for `Store.add_supporter` and stays on the server (pages
    must not put it into the page). ``month`` is the first day of the month it was made
    (Swedish local time); ``within_m`` the distance from the pin to the report's public
    grid cell (SWEREF 99 TM, EPSG:3006), rounded up to `NEARBY_STEP_M` metres.
    """

    key: str
    category: str
    month: dt.date
    within_m: int
    supporters: int


@dataclass(frozen=True)
class PublicStatus:
    """All a reference code reveals: no text, no place, no contact (``id`` finds the public
    actions that answer it, `geo.actions.actions_for_report`; it is not shown)."""

    id: str
    ref_code: str
    status: str
    is_open: bool
    moderation: str
    public_comment: str
    created_at: dt.datetime
    updated_at: dt.datetime
    rejection: str | None = None
    """For a report that was not published, the kind of reason (`Rejection`), never the note."""


def validate(draft: ReportDraft, *, boundary: shapely.Geometry | None, categories: Sequence[Category]) -> list[Problem]:
    """Every problem with ``draft``, in form order; empty when it may be sent.

    ``boundary`` is the municipality (EPSG:4326); a pin outside it is refused.
    """
    problems: list[Problem] = []
    if draft.lon is None or draft.lat is None:
        problems.append(Problem("pin", "report.error.no_pin"))
    elif (refused := check_pin(draft.lon, draft.lat, boundary)) is not None:
        problems.append(refused)
    if draft.feeling not in {f.value for f in Feeling}:
        problems.append(Problem("feeling", "report.error.feeling"))
    active = {c.code: c for c in categories if c.active}
    if draft.category not in active or (draft.feeling and active[draft.category].feeling.value != draft.feeling):
        problems.append(Problem("category", "report.error.category"))
    if draft.time_of_day not in {t.value for t in TimeOfDay}:
        problems.append(Problem("time_of_day", "report.error.time_of_day"))
    stored = len(preview_text(draft))
    if stored > MAX_TEXT_LENGTH:  # measured as stored: a scrubbed e-mail address can grow
        values = (("n", stored), ("over", stored - MAX_TEXT_LENGTH))
        problems.append(Problem("text", "report.error.text_too_long", values))
    email = draft.email.strip()
    if email and not is_valid_email(email):
        problems.append(Problem("email", "report.error.email"))
    elif email and not draft.email_consent:
        problems.append(Problem("email", "report.error.consent"))
    return problems


def check_pin(lon: float, lat: float, boundary: shapely.Geometry | None) -> Problem | None:
    """Why a pin at (``lon``, ``lat``), EPSG:4326, cannot be taken, or None when it can: it
    must be a place at all and lie inside ``boundary`` (the municipality, border included)."""
    return None if _inside(lon, lat, boundary) else Problem("pin", "report.error.outside")


def is_probably_bot(draft: ReportDraft) -> bool:
    """A honeypot field is invisible to people; only robots fill it in."""
    return bool(draft.honeypot.strip())


def preview_text(draft: ReportDraft) -> str:
    """The free text exactly as it will be stored: scrubbed of personal data."""
    return scrub_text(_plain(draft.text)).text


def submit(
    store: Store, draft: ReportDraft, *, now: dt.datetime | None = None, source: Source = Source.WEB
) -> Submitted:
    """Store a validated draft as a pending report; the e-mail goes apart from it, and with it,
    in the same transaction, the confirmation to that address (`geo.outbox`; only when e-mail
    is configured, else the address is not kept). ``source`` says where it came from (the
    Rapportera form, or Open311 through `geo.api`).

    Returns only after the database has committed the report.
    """
    if draft.lon is None or draft.lat is None or not draft.category or not draft.feeling or not draft.time_of_day:
        raise ValueError(f"draft is incomplete; validate it first: {draft!r}")
    row = {
        "lon": float(draft.lon),
        "lat": float(draft.lat),
        "category": draft.category,
        "feeling": Feeling(draft.feeling).value,
        "time_of_day": TimeOfDay(draft.time_of_day).value,
        "text": preview_text(draft)[:MAX_TEXT_LENGTH],
        "language": normalize_language(draft.language),
        "created_at": now or utcnow(),
        "status": Status.NEW.value,
        "moderation": Moderation.PENDING.value,
        "source": Source(source).value,
    }
    settings = load_settings()
    # Without e-mail configured no address is kept: nothing could ever be sent to it.
    email = draft.email.strip() if draft.email_consent and settings.mail_enabled else ""
    then = outbox.confirm(settings) if email else None
    report_id, ref_code = store.add_report(row, email=email or None, then=then)
    return Submitted(report_id, ref_code)


def nearby_reports(
    store: Store,
    lon: float,
    lat: float,
    category: str,
    *,
    radius_m: float = NEARBY_RADIUS_M,
    days: int = NEARBY_DAYS,
    now: dt.datetime | None = None,
) -> list[NearbyReport]:
    """Open, published reports of ``category`` made in the last ``days`` days whose public
    place (snapped to the `PUBLIC_GRID_M` grid, as on the public map) lies within ``radius_m``
    metres of the pin (``lon``, ``lat``, EPSG:4326), nearest first.

    The hint is read as the public reads the map (`Role.PUBLIC`): a pending or rejected
    report is never found, so moving the pin about cannot locate one; distances are measured
    in SWEREF 99 TM (EPSG:3006) to the grid cell, not to the report, and rounded up.
    """
    now = now or utcnow()
    since = (now - dt.timedelta(days=days)).date()
    reach = radius_m + PUBLIC_GRID_M  # a report's cell centre is up to half a diagonal from it
    # A generous box in degrees first (1° lat ≈ 111 km; lon shrinks with latitude).
    dlat = reach / 111_000 * 1.5
    dlon = dlat / max(np.cos(np.radians(lat)), 0.1)
    flt = ReportFilter(categories=(category,), date_from=since)
    found = reports_layer(store, flt, viewer=Role.PUBLIC, bbox=(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
    found = found[found["status"].map(lambda s: Status(s).is_open)]
    if found.empty:
        return []
    public = public_reports(found)  # the one public face of a report: published, on the grid
    x, y = to_sweref99tm().transform(public.geometry.x.to_numpy(), public.geometry.y.to_numpy())
    x0, y0 = to_sweref99tm().transform(lon, lat)
    public = public.assign(distance_m=np.hypot(np.asarray(x) - x0, np.asarray(y) - y0))
    public = public[public["distance_m"] <= radius_m].sort_values(["distance_m", "created_at"], kind="stable")
    return [
        NearbyReport(
            key=str(row.id),
            category=str(row.category),
            month=_local_month(row.created_at.to_pydatetime()),
            within_m=max(NEARBY_STEP_M, math.ceil(row.distance_m / NEARBY_STEP_M) * NEARBY_STEP_M),
            supporters=int(row.supporters),
        )
        for row in public.itertuples()
    ]


def _local_month(moment: dt.datetime) -> dt.date:
    """The first day of the month of ``moment`` (naive UTC or aware) in Swedish time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    local = aware.astimezone(LOCAL_TIME_ZONE)
    return dt.date(local.year, local.month, 1)


def public_status(store: Store, ref_code: str) -> PublicStatus | None:
    """The public face of a report, found by its reference code (case and spaces
    are forgiven), or None when no report has that code."""
    code = normalize_ref_code(ref_code)
    if code is None:
        return None
    row = store.report_by_ref(code)
    if row is None:
        return None
    status = Status(row["status"])
    return PublicStatus(
        id=row["id"],
        ref_code=code,
        status=status.value,
        is_open=status.is_open,
        moderation=row["moderation"],
        public_comment=row["public_comment"] or "",
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        rejection=(
            rejection_kind(row["moderation_reason"] or "").value
            if row["moderation"] == Moderation.REJECTED.value
            else None
        ),
    )


def normalize_ref_code(value: str) -> str | None:
    """``" abcd-2345 "`` → ``"ABCD2345"``; None when it cannot be a code."""
    code = "".join(ch for ch in str(value).upper() if ch.isalnum())
    if len(code) != REF_CODE_LENGTH or any(ch not in REF_CODE_ALPHABET for ch in code):
        return None
    return code


RATE_WINDOW = dt.timedelta(minutes=10)
"""The window of the submission rate limits."""
FORM_SESSION_LIMIT = 5
"""Reports and +1s one Rapportera session may send per `RATE_WINDOW`."""


def take_submission_slot(
    store: Store,
    *,
    session_id: str | None = None,
    open311_limit: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """The one rate-limit policy of every way a report comes in, kept in the database so that
    it holds across every process of the app (`geo.store.Store.take_rate_slot`): a Rapportera
    session (``session_id``, a random id of the browser session, never an IP address) may send
    `FORM_SESSION_LIMIT` per `RATE_WINDOW`; Open311 clients together ``open311_limit``
    (``TRYGG_OPEN311_RATE_LIMIT``). Records the submission and returns 0 when it may go ahead,
    else the seconds to wait (nothing recorded)."""
    limits: dict[str, int] = {}
    if session_id is not None:
        limits[f"session:{session_id[:64]}"] = FORM_SESSION_LIMIT
    if open311_limit is not None:
        limits["open311"] = open311_limit
    if not limits:
        raise ValueError("take_submission_slot needs a session_id or an open311_limit")
    return store.take_rate_slot(limits, window=RATE_WINDOW, now=now or utcnow())


def take_withdrawal_slot(store: Store, *, session_id: str, now: dt.datetime | None = None) -> int:
    """The rate limit of withdrawals, like `take_submission_slot`'s for the form: a browser
    session may try `FORM_SESSION_LIMIT` reference codes per `RATE_WINDOW` (each try counts,
    found or not, so codes cannot be guessed); 0 when it may go ahead, else the seconds to wait."""
    bucket = f"withdraw:{session_id[:64]}"
    return store.take_rate_slot({bucket: FORM_SESSION_LIMIT}, window=RATE_WINDOW, now=now or utcnow())


RESIDENT = "resident"
"""The audit log's actor for what a resident does (anonymous: no one is named)."""


def withdraw(store: Store, ref_code: str) -> bool:
    """A resident withdraws their own report: the report with this reference code (case and
    spaces forgiven) is deleted with its history and contact, so it leaves every public
    surface (map, exports, Open311, GeoJSON) at once. False when no report has that code.
    The caller takes `take_withdrawal_slot` first."""
    from geo import audit  # the audit log reads the rights table, which reads accounts: imported late

    code = normalize_ref_code(ref_code)
    if code is None:
        return False
    # the audit log counts it, in the same transaction; which report it was is not kept
    return store.withdraw_report(
        code, then=lambda conn: audit.record(store, RESIDENT, "report.withdraw", "report", {"reports": "1"}, conn=conn)
    )


def _inside(lon: float, lat: float, boundary: shapely.Geometry | None) -> bool:
    """Whether (lon, lat), EPSG:4326, is a place at all (finite degrees within ±180 / ±90)
    and inside ``boundary`` (its border included) when there is one."""
    try:
        on_earth = math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90
    except TypeError:
        return False
    return on_earth and (boundary is None or bool(shapely.intersects_xy(boundary, lon, lat)))


def _plain(text: str) -> str:
    """Plain text only: control characters other than newline and tab removed."""
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
