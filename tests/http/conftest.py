"""A real `streamlit run serve.py` per test module, and a small HTTP client (urllib)."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.store import Store, utcnow
from tests.support.app import RunningApp, demo_app

__all__ = ["RunningApp", "api_server", "fetch"]

MARKARYD = (13.5971, 56.4612)
"""Markaryd centrum (lon, lat, EPSG:4326), inside the demo boundary."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(
    url: str, form: dict[str, str] | None = None, method: str | None = None, headers: dict[str, str] | None = None
) -> Reply:
    """GET ``url``, or POST ``form`` form-encoded; any status is returned, not raised.
    The body is returned as sent (a compressed one stays compressed)."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


@contextmanager
def api_server(tmp: Path, database_url: str, extra_env: dict[str, str]) -> Iterator[tuple[RunningApp, dict[str, str]]]:
    """The demo's categories, boundary, zones and meeting places and six hand-made
    reports near Markaryd at the empty ``database_url``, served by a real `streamlit run
    serve.py`; yields the server and ``{name: reference code}`` of the reports."""
    codes: dict[str, str] = {}
    with demo_app(
        tmp, database_url, reports=0, prepare=lambda s: codes.update(add_reports(s)), extra_env=extra_env
    ) as app:
        yield app, codes


def add_reports(store: Store) -> dict[str, str]:
    """Six hand-made reports near Markaryd; returns ``{name: reference code}``."""
    now = utcnow()
    rows = [
        # name, lon, lat, category, status, moderation, days ago, text
        ("fresh_open", 13.60012, 56.46034, "dalig_belysning", "ny", "published", 2, "Mörkt, ring 070-123 45 67"),
        ("fresh_closed", 13.59, 56.455, "klotter_skadegorelse", "atgardad", "published", 10, "Klotter på tunneln"),
        ("planned", 13.595, 56.458, "dalig_belysning", "atgard_planerad", "published", 30, "Lampan är trasig"),
        ("old", 13.6, 56.46, "trafik", "ny", "published", 200, "Gammal rapport"),
        ("pending", 13.6, 56.46, "trafik", "ny", "pending", 1, "Väntar på granskning"),
        ("rejected", 13.6, 56.46, "trafik", "ny", "rejected", 1, "Avvisad"),
    ]
    frame = pd.DataFrame(
        [
            {
                "lon": lon, "lat": lat, "category": cat, "feeling": "otrygg", "time_of_day": "kvall",
                "status": status, "moderation": moderation, "created_at": now - dt.timedelta(days=days),
                "text": text, "source": "web",
            }
            for _, lon, lat, cat, status, moderation, days, text in rows
        ]
    )  # fmt: skip
    store.add_reports_frame(frame)
    stored = store.reports_frame(columns=["ref_code", "text"])
    return {name: stored.loc[stored["text"] == text, "ref_code"].item() for name, *_, text in rows}
