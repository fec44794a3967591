"""The store: every table of Trygghetskartan behind one SQLAlchemy 2 interface.

The embedded default is a SQLite file (``sqlite:///data/trygghet.db``); any other
SQLAlchemy URL (``TRYGG_DATABASE_URL``) selects another database.

Geometry is stored in EPSG:4326 so that it round-trips exactly: points as two
float64 columns (``lon``, ``lat``: degrees), polygons as WKB. Callers get
GeoDataFrames from `geo.layers`, not rows from here.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from geo.config import load_settings
from geo.model import (
    Category,
    Feeling,
    MeetingPlace,
    MeetingPlaceKind,
    Zone,
    ZoneKind,
)

metadata = sa.MetaData()

categories = sa.Table(
    "categories",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("feeling", sa.String(16), nullable=False),
    sa.Column("labels", sa.JSON, nullable=False),
    sa.Column("help", sa.JSON, nullable=False),
    sa.Column("icon", sa.String(16), nullable=False, default=""),
    sa.Column("sort_order", sa.Integer, nullable=False, default=0),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("ref_code", sa.String(16), nullable=False, unique=True),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("category", sa.String(64), sa.ForeignKey("categories.code"), nullable=False),
    sa.Column("feeling", sa.String(16), nullable=False),
    sa.Column("time_of_day", sa.String(16), nullable=False),
    sa.Column("text", sa.String(1000), nullable=False, default=""),
    sa.Column("language", sa.String(8), nullable=False, default="sv"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("moderation", sa.String(16), nullable=False),
    sa.Column("moderation_reason", sa.String(500), nullable=False, default=""),
    sa.Column("public_comment", sa.String(1000), nullable=False, default=""),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("supporters", sa.Integer, nullable=False, default=0),
    sa.Index("ix_reports_lon_lat", "lon", "lat"),
    sa.Index("ix_reports_created_at", "created_at"),
)

report_contacts = sa.Table(
    "report_contacts",
    metadata,
    sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False),
)

report_events = sa.Table(
    "report_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(128), nullable=False),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("from_value", sa.String(64), nullable=False, default=""),
    sa.Column("to_value", sa.String(64), nullable=False, default=""),
    sa.Column("comment", sa.String(1000), nullable=False, default=""),
)

meeting_places = sa.Table(
    "meeting_places",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("address", sa.String(300), nullable=False, default=""),
    sa.Column("opening_hours", sa.String(300), nullable=False, default=""),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("accessibility", sa.String(500), nullable=False, default=""),
    sa.Column("contact", sa.String(300), nullable=False, default=""),
    sa.Column("description", sa.String(2000), nullable=False, default=""),
)

zones = sa.Table(
    "zones",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("description", sa.String(2000), nullable=False, default=""),
    sa.Column("promise_text", sa.String(4000), nullable=False, default=""),
    sa.Column("police_contact", sa.String(300), nullable=False, default=""),
    sa.Column("start_date", sa.Date, nullable=True),
    sa.Column("end_date", sa.Date, nullable=True),
    sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
)

boundaries = sa.Table(
    "boundaries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("geom_wkb", sa.LargeBinary, nullable=False),
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

REF_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""Reference codes avoid 0/O and 1/I so they can be read aloud and typed back."""
REF_CODE_LENGTH = 8


class StoreError(RuntimeError):
    """The database cannot be used. ``reason`` is a stable code for the catalogue:
    ``corrupt`` (not a database), ``readonly`` (cannot write), ``unavailable``
    (cannot open or connect)."""

    def __init__(self, reason: str, url: str, detail: str) -> None:
        super().__init__(f"{reason}: {url}: {detail}")
        self.reason = reason
        self.url = url
        self.detail = detail


def new_ref_code(length: int = REF_CODE_LENGTH) -> str:
    """A short, unguessable reference code (8 × 5 bits = 40 bits of randomness)."""
    return "".join(secrets.choice(REF_CODE_ALPHABET) for _ in range(length))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _to_utc_naive(value: dt.datetime) -> dt.datetime:
    """Timestamps are stored as naive UTC (SQLite has no time zones)."""
    if value.tzinfo is None:
        raise ValueError(f"timestamp must carry a time zone, got naive {value!r}")
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _aware(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("created_at", "updated_at"):
        if isinstance(row.get(key), dt.datetime):
            row[key] = row[key].replace(tzinfo=dt.UTC)
    return row


def _classify(error: BaseException, url: str) -> StoreError:
    text = str(error).lower()
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return StoreError("corrupt", url, str(error))
    if "readonly" in text or "read-only" in text or "permission" in text:
        return StoreError("readonly", url, str(error))
    return StoreError("unavailable", url, str(error))


class Store:
    """All reads and writes of the application's data.

    >>> store = Store.open("sqlite://")  # in memory
    >>> store.count_reports()
    0
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True) -> Store:
        """Open the database at ``url`` (default: ``TRYGG_DATABASE_URL`` or the
        embedded SQLite file), creating the schema when ``create`` is true.

        Raises `StoreError` when the database is corrupt, read-only or unreachable.
        """
        url = url or load_settings().database_url
        engine = _make_engine(url)
        store = cls(engine)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
                if engine.dialect.name == "sqlite":
                    # Reading the schema proves the file is a database at all.
                    conn.execute(sa.text("SELECT count(*) FROM sqlite_master"))
            if create:
                store.create_schema()
        except (sa.exc.DBAPIError, sqlite3.Error, OSError) as error:
            engine.dispose()
            raise _classify(error, _safe_url(url)) from error
        return store

    def create_schema(self) -> None:
        metadata.create_all(self.engine)
        if self.engine.dialect.name == "sqlite":
            # The first write proves the file is writable; a read-only file
            # fails here rather than when a resident submits a report.
            with self.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO meta(key, value) VALUES ('schema', '1') ON CONFLICT(key) DO UPDATE SET value = '1'"
                    )
                )

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction that also bumps the data version (cache key of layers)."""
        try:
            with self.engine.begin() as conn:
                yield conn
                _bump_version(conn)
        except (sa.exc.OperationalError, sa.exc.DatabaseError) as error:
            raise _classify(error, _safe_url(str(self.engine.url))) from error

    def data_version(self) -> int:
        """A number that changes whenever data changes: key caches on it."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "data_version")).scalar()
        return int(value or 0)

    # -- categories --------------------------------------------------------

    def upsert_categories(self, items: Iterable[Category]) -> None:
        with self._write() as conn:
            for cat in items:
                row = {
                    "code": cat.code,
                    "feeling": str(cat.feeling),
                    "labels": dict(cat.labels),
                    "help": dict(cat.help),
                    "icon": cat.icon,
                    "sort_order": cat.sort_order,
                    "active": cat.active,
                }
                exists = conn.execute(sa.select(categories.c.code).where(categories.c.code == cat.code)).first()
                if exists:
                    conn.execute(categories.update().where(categories.c.code == cat.code).values(**row))
                else:
                    conn.execute(categories.insert().values(**row))

    def categories(self, *, include_inactive: bool = False) -> list[Category]:
        query = sa.select(categories).order_by(categories.c.sort_order, categories.c.code)
        if not include_inactive:
            query = query.where(categories.c.active.is_(True))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            Category(
                code=r["code"],
                feeling=Feeling(r["feeling"]),
                labels=dict(r["labels"] or {}),
                help=dict(r["help"] or {}),
                icon=r["icon"],
                sort_order=r["sort_order"],
                active=bool(r["active"]),
            )
            for r in rows
        ]

    # -- reports -----------------------------------------------------------

    def add_reports_frame(self, frame: pd.DataFrame, *, chunk_size: int = 50_000) -> int:
        """Bulk insert reports from a frame with the columns of the ``reports``
        table (``lon``/``lat`` in EPSG:4326; ``created_at`` time-zone aware).
        Missing ``id``/``ref_code``/``updated_at`` are generated. All or nothing.
        Returns the number of rows inserted.
        """
        if frame.empty:
            return 0
        frame = frame.copy()
        if getattr(pd.to_datetime(frame["created_at"]).dt, "tz", None) is None:
            raise ValueError("created_at must carry a time zone (UTC), got naive timestamps")
        created = pd.to_datetime(frame["created_at"], utc=True)
        frame["created_at"] = created.dt.tz_convert("UTC").dt.tz_localize(None)
        if "updated_at" not in frame:
            frame["updated_at"] = frame["created_at"]
        else:
            frame["updated_at"] = pd.to_datetime(frame["updated_at"], utc=True).dt.tz_localize(None)
        if "id" not in frame:
            import uuid

            frame["id"] = [str(uuid.uuid4()) for _ in range(len(frame))]
        if "ref_code" not in frame:
            frame["ref_code"] = _unique_codes(len(frame))
        defaults = {
            "text": "",
            "language": "sv",
            "moderation_reason": "",
            "public_comment": "",
            "supporters": 0,
        }
        for column, value in defaults.items():
            if column not in frame:
                frame[column] = value
        columns = [c.name for c in reports.columns]
        frame = frame[columns]
        frame["created_at"] = frame["created_at"].dt.to_pydatetime()
        frame["updated_at"] = frame["updated_at"].dt.to_pydatetime()
        records = frame.to_dict("records")
        with self._write() as conn:
            for start in range(0, len(records), chunk_size):
                conn.execute(reports.insert(), records[start : start + chunk_size])
        return len(records)

    def add_report(self, row: dict[str, Any], *, email: str | None = None, attempts: int = 5) -> tuple[str, str]:
        """Insert one report (``row`` holds the ``reports`` columns; ``lon``/``lat``
        EPSG:4326, ``created_at`` time-zone aware) and, apart from it, the optional
        contact e-mail. A fresh reference code is drawn; on the unlikely collision
        with an existing code, another is drawn. Returns ``(id, ref_code)`` once
        the row is committed.
        """
        import uuid

        values = dict(row)
        values.setdefault("id", str(uuid.uuid4()))
        values["created_at"] = _to_utc_naive(values["created_at"])
        values.setdefault("updated_at", values["created_at"])
        for attempt in range(attempts):
            values["ref_code"] = new_ref_code()
            try:
                with self._write() as conn:
                    conn.execute(reports.insert().values(**values))
                    if email:
                        conn.execute(report_contacts.insert().values(report_id=values["id"], email=email))
                return values["id"], values["ref_code"]
            except sa.exc.IntegrityError as error:
                if "ref_code" not in str(error) or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def report_by_ref(self, ref_code: str) -> dict[str, Any] | None:
        """The report with this reference code (exact, upper case), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(reports).where(reports.c.ref_code == ref_code)).mappings().first()
        return None if row is None else _aware(dict(row))

    def report_contact(self, report_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(report_contacts.c.email).where(report_contacts.c.report_id == report_id)
            ).scalar()

    def add_supporter(self, report_id: str) -> int:
        """Count one more resident who reports the same thing; returns the new count."""
        with self._write() as conn:
            conn.execute(reports.update().where(reports.c.id == report_id).values(supporters=reports.c.supporters + 1))
            count = conn.execute(sa.select(reports.c.supporters).where(reports.c.id == report_id)).scalar()
        if count is None:
            raise KeyError(report_id)
        return int(count)

    def count_reports(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(reports)).scalar() or 0)

    def reports_frame(
        self,
        *,
        where: Sequence[sa.ColumnElement[bool]] = (),
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rows of ``reports`` matching every SQL condition in ``where``.

        ``created_at``/``updated_at`` come back as UTC-aware timestamps.
        """
        selected = [reports.c[name] for name in columns] if columns else [reports]
        query = sa.select(*selected)
        for condition in where:
            query = query.where(condition)
        with self.engine.connect() as conn:
            frame = pd.read_sql_query(query, conn)
        for column in ("created_at", "updated_at"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column]).dt.tz_localize("UTC")
        return frame

    # -- meeting places ----------------------------------------------------

    def add_meeting_places(self, items: Iterable[MeetingPlace]) -> None:
        rows = []
        for place in items:
            row = asdict(place)
            row["kind"] = str(place.kind)
            row["languages"] = list(place.languages)
            rows.append(row)
        if not rows:
            return
        with self._write() as conn:
            conn.execute(meeting_places.insert(), rows)

    def meeting_places(self) -> list[MeetingPlace]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(meeting_places).order_by(meeting_places.c.name)).mappings().all()
        return [
            MeetingPlace(**{**dict(r), "kind": MeetingPlaceKind(r["kind"]), "languages": tuple(r["languages"] or ())})
            for r in rows
        ]

    # -- zones -------------------------------------------------------------

    def add_zones(self, items: Iterable[Zone]) -> None:
        rows = []
        for zone in items:
            geometry = _check_polygonal(shapely.from_wkt(zone.geometry_wkt), "geometry_wkt")
            row = asdict(zone)
            row.pop("geometry_wkt")
            row["kind"] = str(zone.kind)
            row["geom_wkb"] = shapely.to_wkb(geometry)
            rows.append(row)
        if not rows:
            return
        with self._write() as conn:
            conn.execute(zones.insert(), rows)

    def zones(self, kind: ZoneKind | None = None) -> list[Zone]:
        query = sa.select(zones).order_by(zones.c.kind, zones.c.name)
        if kind is not None:
            query = query.where(zones.c.kind == str(kind))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        result = []
        for r in rows:
            row = dict(r)
            wkb = row.pop("geom_wkb")
            result.append(
                Zone(
                    **{
                        **row,
                        "kind": ZoneKind(row["kind"]),
                        "geometry_wkt": shapely.to_wkt(shapely.from_wkb(wkb), rounding_precision=-1),
                    }
                )
            )
        return result

    def zone_geometry(self, zone_id: str) -> shapely.Geometry | None:
        """The zone's polygon in EPSG:4326, or None for an unknown id."""
        with self.engine.connect() as conn:
            wkb = conn.execute(sa.select(zones.c.geom_wkb).where(zones.c.id == zone_id)).scalar()
        return shapely.from_wkb(wkb) if wkb is not None else None

    # -- municipality boundary --------------------------------------------

    def set_boundary(self, name: str, geometry: shapely.Geometry) -> None:
        """Replace the municipality boundary (Polygon/MultiPolygon, EPSG:4326)."""
        geometry = _check_polygonal(geometry, "geometry")
        with self._write() as conn:
            conn.execute(boundaries.delete())
            conn.execute(boundaries.insert().values(id=1, name=name, geom_wkb=shapely.to_wkb(geometry)))

    def boundary(self) -> tuple[str, shapely.Geometry] | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(boundaries.c.name, boundaries.c.geom_wkb)).first()
        if row is None:
            return None
        return row.name, shapely.from_wkb(row.geom_wkb)

    def is_empty(self) -> bool:
        """True when the database holds no data at all (first start)."""
        with self.engine.connect() as conn:
            for table in (reports, meeting_places, zones, boundaries, categories):
                if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                    return False
        return True

    def clear(self) -> None:
        """Delete every row of every table (used before reseeding the demo)."""
        with self._write() as conn:
            for table in reversed(metadata.sorted_tables):
                if table is not meta:
                    conn.execute(table.delete())


def _make_engine(url: str) -> Engine:
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
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<invalid database URL>"


def _bump_version(conn: Connection) -> None:
    current = conn.execute(sa.select(meta.c.value).where(meta.c.key == "data_version")).scalar()
    if current is None:
        conn.execute(meta.insert().values(key="data_version", value="1"))
    else:
        conn.execute(meta.update().where(meta.c.key == "data_version").values(value=str(int(current) + 1)))


def _unique_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_ref_code())
    return list(codes)


def _check_polygonal(geometry: shapely.Geometry | None, name: str) -> shapely.Geometry:
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        kind = None if geometry is None else geometry.geom_type
        raise ValueError(f"{name} must be a Polygon or MultiPolygon in EPSG:4326, got {kind!r}")
    if geometry.is_empty:
        raise ValueError(f"{name} must not be empty")
    return geometry
