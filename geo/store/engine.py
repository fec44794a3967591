"""Engines, connections and errors: how the store reaches a database (SQLite file or
PostgreSQL + PostGIS by URL) and what it says when it cannot."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from geo.store.tables import meta


class StoreError(RuntimeError):
    """The database cannot be used. ``reason`` is a stable code for the catalogue:
    ``corrupt`` (not a database), ``readonly`` (cannot write), ``unavailable``
    (cannot open or connect), ``outdated_schema`` (run ``python -m geo db upgrade``),
    ``newer_schema`` (a newer version of the app upgraded the database)."""

    def __init__(self, reason: str, url: str, detail: str) -> None:
        super().__init__(f"{reason}: {url}: {detail}")
        self.reason = reason
        self.url = url
        self.detail = detail

    @property
    def schema_problem(self) -> bool:
        """The database works but its schema is not this code's (see `geo.store.schema`)."""
        return self.reason in ("outdated_schema", "newer_schema")

    @property
    def message_key(self) -> str:
        """The catalogue key of the message for people (placeholders ``url``, ``command``)."""
        return f"db.{self.reason}" if self.schema_problem else f"error.db.{self.reason}"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def classify(error: BaseException, url: str) -> StoreError:
    text = str(error).lower()
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return StoreError("corrupt", url, str(error))
    if "readonly" in text or "read-only" in text or "permission" in text:
        return StoreError("readonly", url, str(error))
    return StoreError("unavailable", url, str(error))


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite with foreign keys on and a 30 s busy timeout (so
    concurrent writers wait instead of failing); other databases with pre-ping."""
    if url.startswith("sqlite:///") and "uri=true" not in url and ":memory:" not in url:
        path = Path(url.removeprefix("sqlite:///"))
        if path.parent and not path.parent.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError("unavailable", url, str(error)) from error
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = sa.pool.StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
    if not url.startswith("sqlite"):
        kwargs["pool_pre_ping"] = True  # a server restarted overnight must not fail the next resident
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<invalid database URL>"


def bump_version(conn: Connection) -> None:
    """Add one to the data version in a single ``UPDATE``: a read, then a write of the read
    value plus one, lost concurrent bumps on PostgreSQL (two writers both read 5, both
    wrote 6), so a cache could keep showing data from before the second write.

    Writers queue on this one row only between their last statement and their commit:
    callers bump last. A PostgreSQL sequence would not queue at all, but ``nextval``
    is seen by readers before the writer commits, so a reader could cache the old data
    under the new version and keep it until the next write."""
    bumped = conn.execute(
        meta.update()
        .where(meta.c.key == "data_version")
        .values(value=sa.cast(sa.cast(meta.c.value, sa.Integer) + 1, sa.String))
    ).rowcount
    if not bumped:
        conn.execute(meta.insert().values(key="data_version", value="1"))
