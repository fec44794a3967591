"""Settings read from the environment. Every setting is documented in the README.

| variable | default | meaning |
|---|---|---|
| ``TRYGG_DATABASE_URL`` | ``sqlite:///data/trygghet.db`` | SQLAlchemy URL of the database |
| ``TRYGG_TILES_URL`` | OpenStreetMap | tile URL template, or ``none`` for no background tiles |
| ``TRYGG_TILES_ATTRIBUTION`` | OpenStreetMap's | attribution shown with custom tiles |
| ``TRYGG_ADMIN_PASSWORD`` | (unset) | password of the first admin user |
| ``TRYGG_DEMO_REPORTS`` | ``600`` | how many demo reports the first start seeds |
| ``TRYGG_OPEN311_API_KEYS`` | (unset) | comma-separated keys; when set, an Open311 POST needs one |
| ``TRYGG_OPEN311_RATE_LIMIT`` | ``60`` | Open311 POSTs per 10 minutes, all clients together |
| ``TRYGG_ACCESSIBILITY_CONTACT`` | (unset) | where to report an accessibility barrier (shown on /tillganglighet) |
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
class Settings:
    database_url: str
    tiles: TileSource
    admin_password: str | None
    demo_reports: int
    open311_api_keys: tuple[str, ...] = ()
    open311_rate_limit: int = DEFAULT_OPEN311_RATE_LIMIT
    accessibility_contact: str | None = None


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
        open311_api_keys=tuple(k.strip() for k in env.get("TRYGG_OPEN311_API_KEYS", "").split(",") if k.strip()),
        open311_rate_limit=open311_rate_limit,
        accessibility_contact=env.get("TRYGG_ACCESSIBILITY_CONTACT", "").strip() or None,
    )
