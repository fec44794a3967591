"""Settings read from the environment. Every setting is documented in the README.

| variable | default | meaning |
|---|---|---|
| ``TRYGG_DATABASE_URL`` | ``sqlite:///data/trygghet.db`` | SQLAlchemy URL of the database |
| ``TRYGG_TILES_URL`` | OpenStreetMap | tile URL template, or ``none`` for no background tiles |
| ``TRYGG_TILES_ATTRIBUTION`` | OpenStreetMap's | attribution shown with custom tiles |
| ``TRYGG_ADMIN_PASSWORD`` | (unset) | password of the first admin user |
| ``TRYGG_DEMO`` | ``0`` | ``1``: the first start fills an empty database with the Markaryd demo |
| ``TRYGG_DEMO_REPORTS`` | ``600`` | how many demo reports that demo has |
| ``TRYGG_OPEN311_API_KEYS`` | (unset) | comma-separated keys; when set, an Open311 POST needs one |
| ``TRYGG_OPEN311_RATE_LIMIT`` | ``60`` | Open311 POSTs per 10 minutes, all clients together |
| ``TRYGG_ACCESSIBILITY_CONTACT`` | (unset) | where to report an accessibility barrier (shown on /tillganglighet) |
| ``TRYGG_SMTP_URL`` | (unset) | mail server, ``smtp+starttls://user:pass@host:587``; unset: no e-mail |
| ``TRYGG_MAIL_FROM`` | ``trygghetskartan@localhost`` | sender address of every e-mail |
| ``TRYGG_MAIL_FROM_NAME`` | ``Trygghetskartan`` | sender name of every e-mail |
| ``TRYGG_PUBLIC_URL`` | ``http://localhost:8501`` | the app's address as residents reach it, for links in e-mails |
| ``TRYGG_MAIL_SECRET`` | (drawn once, kept in the database) | key that signs the stop links in e-mails |
| ``TRYGG_DIGEST_HOUR`` | ``7`` | local hour from which the staff's daily digest is sent |
| ``TRYGG_RETENTION_TEXT_DAYS`` | ``90`` | days after closing until a report's text, contact and note go |
| ``TRYGG_RETENTION_REPORT_DAYS`` | ``1095`` | age in days after which a report is removed |
| ``TRYGG_RETENTION_OLD_REPORTS`` | ``aggregate`` | ``aggregate`` (counted, then deleted) or ``delete`` |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DEFAULT_DATABASE_URL = "sqlite:///data/trygghet.db"
OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
DEFAULT_DEMO_REPORTS = 600
DEFAULT_OPEN311_RATE_LIMIT = 60
DEFAULT_MAIL_FROM = "trygghetskartan@localhost"
DEFAULT_MAIL_FROM_NAME = "Trygghetskartan"
DEFAULT_PUBLIC_URL = "http://localhost:8501"
DEFAULT_DIGEST_HOUR = 7
DEFAULT_RETENTION_TEXT_DAYS = 90
"""A closed case's free text and contact are kept this long for questions and complaints."""
DEFAULT_RETENTION_REPORT_DAYS = 3 * 365
"""Three years: long enough for the before/after comparison of a medborgarlöfte (a year or two)."""
OLD_REPORT_CHOICES = ("aggregate", "delete")
TIME_ZONE = "Europe/Stockholm"
"""The municipality's time zone (IANA name), written only here: local days of the date
filters, times of day, and every date and time shown or exported in local time."""
LOCAL_TIME_ZONE = ZoneInfo(TIME_ZONE)


@dataclass(frozen=True)
class TileSource:
    """Where background tiles come from; ``url`` None means no tiles at all."""

    url: str | None
    attribution: str


@dataclass(frozen=True)
class Retention:
    """How long residents' data is kept (`geo.retention` applies it).

    ``text_days``: days after a report is closed (its last change, ``updated_at``) until its
    free text, contact e-mail and the moderator's note are removed; ``report_days``: the age
    (from ``created_at``) after which a report is removed altogether; ``old_reports``:
    ``aggregate`` keeps its count per month, category, feeling and time of day (no place,
    no text) before deleting it, ``delete`` deletes it without a trace."""

    text_days: int = DEFAULT_RETENTION_TEXT_DAYS
    report_days: int = DEFAULT_RETENTION_REPORT_DAYS
    old_reports: str = "aggregate"


@dataclass(frozen=True)
class Settings:
    database_url: str
    tiles: TileSource
    admin_password: str | None
    demo_reports: int
    demo: bool = False
    """Whether the first start fills an empty database with the demo (``TRYGG_DEMO=1``);
    otherwise an empty database waits to be set up (`geo.municipality`)."""
    open311_api_keys: tuple[str, ...] = ()
    open311_rate_limit: int = DEFAULT_OPEN311_RATE_LIMIT
    accessibility_contact: str | None = None
    smtp_url: str | None = None
    """Where e-mail goes (`geo.mail.parse_smtp_url`); None: no e-mail at all, nothing queued."""
    mail_from: str = DEFAULT_MAIL_FROM
    mail_from_name: str = DEFAULT_MAIL_FROM_NAME
    public_url: str = DEFAULT_PUBLIC_URL
    mail_secret: str | None = None
    digest_hour: int = DEFAULT_DIGEST_HOUR
    retention: Retention = Retention()

    @property
    def mail_enabled(self) -> bool:
        """Whether e-mail is configured: only then are messages queued and addresses asked for."""
        return self.smtp_url is not None


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number of days, at least 1; the default for anything else."""
    try:
        value = int(env.get(name, default))
    except ValueError:
        return default
    return value if value >= 1 else default


def load_retention(env: Mapping[str, str]) -> Retention:
    old = env.get("TRYGG_RETENTION_OLD_REPORTS", "").strip().lower()
    return Retention(
        text_days=_days(env, "TRYGG_RETENTION_TEXT_DAYS", DEFAULT_RETENTION_TEXT_DAYS),
        report_days=_days(env, "TRYGG_RETENTION_REPORT_DAYS", DEFAULT_RETENTION_REPORT_DAYS),
        old_reports=old if old in OLD_REPORT_CHOICES else "aggregate",
    )


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    tiles_url = env.get("TRYGG_TILES_URL", "").strip()
    if tiles_url.lower() == "none":
        tiles = TileSource(None, "")
    elif tiles_url:
        tiles = TileSource(tiles_url, env.get("TRYGG_TILES_ATTRIBUTION", "").strip() or OSM_ATTRIBUTION)
    else:
        tiles = TileSource(OSM_TILES_URL, OSM_ATTRIBUTION)
    try:
        demo_reports = max(0, int(env.get("TRYGG_DEMO_REPORTS", DEFAULT_DEMO_REPORTS)))
    except ValueError:
        demo_reports = DEFAULT_DEMO_REPORTS
    try:
        open311_rate_limit = max(1, int(env.get("TRYGG_OPEN311_RATE_LIMIT", DEFAULT_OPEN311_RATE_LIMIT)))
    except ValueError:
        open311_rate_limit = DEFAULT_OPEN311_RATE_LIMIT
    return Settings(
        database_url=env.get("TRYGG_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        tiles=tiles,
        admin_password=env.get("TRYGG_ADMIN_PASSWORD") or None,
        demo_reports=demo_reports,
        demo=env.get("TRYGG_DEMO", "").strip().lower() in ("1", "true", "yes", "on"),
        open311_api_keys=tuple(k.strip() for k in env.get("TRYGG_OPEN311_API_KEYS", "").split(",") if k.strip()),
        open311_rate_limit=open311_rate_limit,
        accessibility_contact=env.get("TRYGG_ACCESSIBILITY_CONTACT", "").strip() or None,
        smtp_url=env.get("TRYGG_SMTP_URL", "").strip() or None,
        mail_from=env.get("TRYGG_MAIL_FROM", "").strip() or DEFAULT_MAIL_FROM,
        mail_from_name=env.get("TRYGG_MAIL_FROM_NAME", "").strip() or DEFAULT_MAIL_FROM_NAME,
        public_url=(env.get("TRYGG_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip("/"),
        mail_secret=env.get("TRYGG_MAIL_SECRET", "").strip() or None,
        digest_hour=_hour(env.get("TRYGG_DIGEST_HOUR", "")),
        retention=load_retention(env),
    )


def _hour(value: str) -> int:
    try:
        hour = int(value)
    except ValueError:
        return DEFAULT_DIGEST_HOUR
    return hour if 0 <= hour <= 23 else DEFAULT_DIGEST_HOUR
