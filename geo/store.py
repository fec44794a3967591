"""The store: every table of Trygghetskartan behind one SQLAlchemy 2 interface.

The embedded default is a SQLite file (``sqlite:///data/trygghet.db``); any other
SQLAlchemy URL (``TRYGG_DATABASE_URL``) selects another database.

Geometry is stored in EPSG:4326 so that it round-trips exactly: points as two
float64 columns (``lon``, ``lat``: degrees), polygons as WKB. Callers get
GeoDataFrames from `geo.layers`, not rows from here.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from geo import schema
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
    (cannot open or connect), ``outdated_schema`` (run ``python -m geo db upgrade``),
    ``newer_schema`` (a newer version of the app upgraded the database)."""

    def __init__(self, reason: str, url: str, detail: str) -> None:
        super().__init__(f"{reason}: {url}: {detail}")
        self.reason = reason
        self.url = url
        self.detail = detail

    @property
    def schema_problem(self) -> bool:
        """The database works but its schema is not this code's (see `geo.schema`)."""
        return self.reason in ("outdated_schema", "newer_schema")

    @property
    def message_key(self) -> str:
        """The catalogue key of the message for people (placeholders ``url``, ``command``)."""
        return f"db.{self.reason}" if self.schema_problem else f"error.db.{self.reason}"


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
        embedded SQLite file). An empty database gets the schema (every migration,
        `geo.schema`) when ``create`` is true.

        Raises `StoreError` when the database is corrupt, read-only or unreachable,
        and with reason ``outdated_schema`` when its schema is older than the code
        (``python -m geo db upgrade`` brings it up to date) or ``newer_schema`` when a
        newer version of the app has upgraded it.
        """
        url = url or load_settings().database_url
        engine = make_engine(url)
        store = cls(engine)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
                if engine.dialect.name == "sqlite":
                    # Reading the schema proves the file is a database at all.
                    conn.execute(sa.text("SELECT count(*) FROM sqlite_master"))
            if create:
                store.create_schema()
            else:
                store.check_schema()
        except (sa.exc.DBAPIError, sqlite3.Error, OSError) as error:
            engine.dispose()
            raise _classify(error, safe_url(url)) from error
        except StoreError:
            engine.dispose()
            raise
        return store

    def create_schema(self) -> None:
        """Create the schema of an empty database by running the migrations, then
        check that the schema is the code's (`check_schema`)."""
        schema.upgrade(self.engine, only_if_empty=True)
        self.check_schema()
        if self.engine.dialect.name == "sqlite":
            # The first write proves the file is writable; a read-only file
            # fails here rather than when a resident submits a report.
            with self.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO meta(key, value) VALUES ('schema', '1') ON CONFLICT(key) DO UPDATE SET value = '1'"
                    )
                )

    def check_schema(self) -> None:
        """Raise `StoreError` (``outdated_schema``/``newer_schema``) unless the schema
        is at the code's newest migration (or the database is still empty)."""
        state = schema.schema_state(self.engine)
        if state.state in ("outdated", "newer"):
            detail = f"schema revision {state.revision or 'from before migrations'}, the code's is {state.head}"
            raise StoreError(f"{state.state}_schema", safe_url(str(self.engine.url)), detail)

    @property
    def spatial_sql(self) -> bool:
        """Whether the database answers spatial questions itself (PostGIS): then
        `inside_conditions` is exact; on SQLite it is a bounding box only."""
        return self.engine.dialect.name == "postgresql"

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction that also bumps the data version (cache key of layers)."""
        try:
            with self.engine.begin() as conn:
                yield conn
                _bump_version(conn)
        except (sa.exc.OperationalError, sa.exc.DatabaseError) as error:
            raise _classify(error, safe_url(str(self.engine.url))) from error

    def data_version(self) -> int:
        """A number that changes whenever data changes: key caches on it."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "data_version")).scalar()
        return int(value or 0)

    # -- categories --------------------------------------------------------

    def upsert_categories(self, items: Iterable[Category]) -> None:
        with self.transaction() as conn:
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
        Missing ``id``/``ref_code``/``updated_at`` are generated; generated
        reference codes are unique within the frame and against the codes
        already stored. All or nothing. Returns the number of rows inserted.
        """
        if frame.empty:
            return 0
        count = len(frame)
        data = _report_columns(frame, sqlite_text=self._sqlite_bulk())
        names = [c.name for c in reports.columns]
        if self._sqlite_bulk():
            self._add_reports_sqlite(data, count, chunk_size)
            return count
        if self.engine.dialect.name == "postgresql" and self.engine.dialect.driver == "psycopg":
            self._add_reports_postgres(data, count, chunk_size)
            return count
        with self.transaction() as conn:
            if data["ref_code"] is None:
                data["ref_code"] = _unique_ref_codes(count, _stored_codes_lookup(conn))
            for start in range(0, count, chunk_size):
                stop = start + chunk_size
                rows = zip(*(_as_list(data[name], start, stop) for name in names), strict=True)
                conn.execute(reports.insert(), [dict(zip(names, row, strict=True)) for row in rows])
        return count

    def _sqlite_bulk(self) -> bool:
        """Whether `add_reports_frame` takes the SQLite fast path (the sqlite3 driver)."""
        return self.engine.dialect.name == "sqlite" and self.engine.dialect.driver == "pysqlite"

    def _add_reports_sqlite(self, data: dict[str, Any], count: int, chunk_size: int) -> None:
        """`add_reports_frame` on SQLite: plain tuples through ``executemany`` in one
        explicit ``BEGIN IMMEDIATE`` transaction (so the index DDL below is part of
        it, and no other writer slips in between the code check and the insert)."""
        names = [c.name for c in reports.columns]
        insert = f"INSERT INTO reports ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        with self.transaction() as conn:
            if not conn.connection.driver_connection.in_transaction:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            with _sqlite_cache_size(conn, _BULK_CACHE_SIZE):
                empty = conn.exec_driver_sql("SELECT 1 FROM reports LIMIT 1").first() is None
                if data["ref_code"] is None:
                    data["ref_code"] = _unique_ref_codes(count, None if empty else _stored_codes_lookup(conn))
                dropped = _drop_bulk_indexes(conn) if empty and count >= _REBUILD_INDEXES_FROM else []
                for start in range(0, count, chunk_size):
                    stop = start + chunk_size
                    rows = list(zip(*(_as_list(data[name], start, stop) for name in names), strict=True))
                    conn.exec_driver_sql(insert, rows)
                for index in dropped:
                    index.create(conn)

    def _add_reports_postgres(self, data: dict[str, Any], count: int, chunk_size: int) -> None:
        """`add_reports_frame` on PostgreSQL: psycopg's ``COPY … FROM STDIN`` in the same
        transaction as the check of stored reference codes and the version bump (the
        generated ``geom`` column and its GiST index follow by themselves)."""
        names = [c.name for c in reports.columns]
        copy_sql = f"COPY reports ({', '.join(names)}) FROM STDIN"
        with self.transaction() as conn:
            if data["ref_code"] is None:
                data["ref_code"] = _unique_ref_codes(count, _stored_codes_lookup(conn))
            driver = conn.connection.driver_connection
            dbapi = conn.dialect.loaded_dbapi
            try:
                with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:
                    for start in range(0, count, chunk_size):
                        stop = start + chunk_size
                        for row in zip(*(_as_list(data[name], start, stop) for name in names), strict=True):
                            copy.write_row(row)
            except dbapi.Error as error:
                # As SQLAlchemy would have wrapped it (IntegrityError for a broken constraint).
                raise sa.exc.DBAPIError.instance(copy_sql, None, error, dbapi.Error) from error

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
                with self.transaction() as conn:
                    conn.execute(reports.insert().values(**values))
                    if email:
                        conn.execute(report_contacts.insert().values(report_id=values["id"], email=email))
                return values["id"], values["ref_code"]
            except StoreError as error:
                # transaction() turns every database error into StoreError; only a clash of
                # reference codes (UNIQUE on ref_code) is worth another draw.
                clash = isinstance(error.__cause__, sa.exc.IntegrityError) and "ref_code" in str(error.__cause__)
                if not clash or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def inside_conditions(
        self,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        polygon: shapely.Geometry | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        """SQL conditions on ``reports`` for points inside ``bbox`` (min lon, min lat,
        max lon, max lat) and inside ``polygon``, both in EPSG:4326 degrees, borders
        included.

        On PostGIS both are exact and use the GiST index of ``reports.geom``
        (``&&`` with the box, ``ST_Intersects`` with the polygon). Elsewhere they are
        ``lon``/``lat`` ranges: exact for the box, the polygon's bounding box only, so
        the caller tests the candidates against the polygon (shapely); see
        `spatial_sql`.
        """
        conditions: list[sa.ColumnElement[bool]] = []
        if self.spatial_sql:
            geom = sa.literal_column("reports.geom")
            if bbox is not None:
                conditions.append(geom.op("&&")(sa.func.ST_MakeEnvelope(*map(float, bbox), 4326)))
            if polygon is not None:
                wkb = shapely.to_wkb(polygon)
                conditions.append(sa.func.ST_Intersects(geom, sa.func.ST_GeomFromWKB(wkb, 4326)))
            return conditions
        for box in (bbox, None if polygon is None else polygon.bounds):
            if box is not None:
                minx, miny, maxx, maxy = box
                conditions += [reports.c.lon.between(minx, maxx), reports.c.lat.between(miny, maxy)]
        return conditions

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
        with self.transaction() as conn:
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
        order_by: Sequence[sa.ColumnElement[Any]] = (),
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Rows of ``reports`` matching every SQL condition in ``where``, in
        ``order_by`` order, at most ``limit`` of them.

        ``created_at``/``updated_at`` come back as UTC-aware timestamps.
        """
        selected = [reports.c[name] for name in columns] if columns else [reports]
        query = sa.select(*selected)
        for condition in where:
            query = query.where(condition)
        if order_by:
            query = query.order_by(*order_by)
        if limit is not None:
            query = query.limit(limit)
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
        with self.transaction() as conn:
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
        with self.transaction() as conn:
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

    def update_zone(self, zone: Zone) -> None:
        """Replace every field of the stored zone with ``zone.id``; KeyError if there is none."""
        geometry = _check_polygonal(shapely.from_wkt(zone.geometry_wkt), "geometry_wkt")
        row = asdict(zone)
        row.pop("geometry_wkt")
        row.pop("id")
        row["kind"] = str(zone.kind)
        row["geom_wkb"] = shapely.to_wkb(geometry)
        with self.transaction() as conn:
            changed = conn.execute(zones.update().where(zones.c.id == zone.id).values(**row)).rowcount
            if not changed:
                raise KeyError(zone.id)

    def delete_zone(self, zone_id: str) -> None:
        """Remove a zone; KeyError if there is none. Reports inside it stay."""
        with self.transaction() as conn:
            if not conn.execute(zones.delete().where(zones.c.id == zone_id)).rowcount:
                raise KeyError(zone_id)

    def zone_geometry(self, zone_id: str) -> shapely.Geometry | None:
        """The zone's polygon in EPSG:4326, or None for an unknown id."""
        with self.engine.connect() as conn:
            wkb = conn.execute(sa.select(zones.c.geom_wkb).where(zones.c.id == zone_id)).scalar()
        return shapely.from_wkb(wkb) if wkb is not None else None

    # -- municipality boundary --------------------------------------------

    def set_boundary(self, name: str, geometry: shapely.Geometry) -> None:
        """Replace the municipality boundary (Polygon/MultiPolygon, EPSG:4326)."""
        geometry = _check_polygonal(geometry, "geometry")
        with self.transaction() as conn:
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
        if self.engine.dialect.name == "postgresql":
            # One TRUNCATE of every table at once: no row-by-row delete, and transactional.
            names = ", ".join(t.name for t in metadata.sorted_tables if t is not meta)
            with self.transaction() as conn:
                conn.exec_driver_sql(f"TRUNCATE {names}")
            return
        if self.engine.dialect.name != "sqlite":
            with self.transaction() as conn:
                _delete_all(conn)
            return
        # SQLite: with foreign keys off, ``DELETE FROM t`` truncates the table
        # instead of deleting (and checking the referencing tables) row by row.
        # The pragma is a no-op inside a transaction, so it is set outside one.
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()  # ends SQLAlchemy's autobegun transaction; sqlite3 opened none for a pragma
                try:
                    with conn.begin():
                        _delete_all(conn)
                        _bump_version(conn)
                finally:
                    try:
                        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                        conn.commit()
                    except sa.exc.DBAPIError:
                        conn.invalidate()  # never hand a connection without foreign keys back to the pool
                        raise
        except (sa.exc.OperationalError, sa.exc.DatabaseError) as error:
            raise _classify(error, safe_url(str(self.engine.url))) from error


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


def _bump_version(conn: Connection) -> None:
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


def _delete_all(conn: Connection) -> None:
    for table in reversed(metadata.sorted_tables):
        if table is not meta:
            conn.execute(table.delete())


# -- bulk insert of reports ------------------------------------------------------

_BULK_CACHE_SIZE = -262_144
"""SQLite page cache during a bulk insert: negative means KiB, so 256 MiB."""
_BULK_DROPPED_INDEXES = ("ix_reports_created_at", "ix_reports_lon_lat")
"""Secondary indexes rebuilt once at the end of a bulk insert into an empty table."""
_REBUILD_INDEXES_FROM = 10_000
"""Rows from which dropping and rebuilding those indexes pays off."""
_STORED_CODES_QUERY_SIZE = 500
"""Reference codes per ``IN (...)`` query (below SQLite's oldest variable limit, 999)."""
_REPORT_DEFAULTS: dict[str, Any] = {
    "text": "",
    "language": "sv",
    "moderation_reason": "",
    "public_comment": "",
    "supporters": 0,
}


def _report_columns(frame: pd.DataFrame, *, sqlite_text: bool) -> dict[str, Any]:
    """The values of every ``reports`` column for `Store.add_reports_frame`, column
    by column: a Series, a list or an array, each sliceable with `_as_list`.
    ``ref_code`` is None when it must be generated (inside the transaction).

    Timestamps become naive UTC; with ``sqlite_text`` as the text SQLAlchemy's
    SQLite ``DateTime`` writes (``YYYY-MM-DD HH:MM:SS.ffffff``), else as
    `datetime.datetime` objects.
    """
    if getattr(pd.to_datetime(frame["created_at"]).dt, "tz", None) is None:
        raise ValueError("created_at must carry a time zone (UTC), got naive timestamps")
    created = pd.to_datetime(frame["created_at"], utc=True).dt.tz_localize(None)
    updated = pd.to_datetime(frame["updated_at"], utc=True).dt.tz_localize(None) if "updated_at" in frame else created
    stamps = {"created_at": created, "updated_at": updated}
    data: dict[str, Any] = {}
    missing = []
    for column in reports.columns:
        name = column.name
        if name in stamps:
            if stamps[name].isna().any():
                raise ValueError(f"{name} must not be missing")
            if sqlite_text:
                data[name] = _sqlite_datetime_text(stamps[name].to_numpy(dtype="datetime64[us]"))
            else:
                data[name] = stamps[name].dt.to_pydatetime()
        elif name in frame:
            data[name] = _shared_strings(frame[name])
        elif name == "id":
            data[name] = _uuid4_strings(len(frame))
        elif name == "ref_code":
            data[name] = None
        elif name in _REPORT_DEFAULTS:
            data[name] = [_REPORT_DEFAULTS[name]] * len(frame)
        else:
            missing.append(name)
    if missing:
        raise KeyError(f"the reports frame lacks the columns {missing}")
    return data


def _shared_strings(series: pd.Series) -> pd.Series | np.ndarray:
    """A text column with few distinct values as an object array in which equal
    values are one `str` (far less to allocate per row than `Series.tolist`);
    any other column as it is."""
    if not isinstance(series.dtype, pd.StringDtype) or len(series) < 1_000:
        return series
    codes, uniques = pd.factorize(series)
    if (codes < 0).any() or len(uniques) > len(series) // 4:
        return series
    return np.array(uniques.tolist(), dtype=object)[codes]


def _as_list(values: Any, start: int, stop: int) -> list[Any]:
    """Rows ``start:stop`` of one column as plain Python values (what the driver binds)."""
    if isinstance(values, pd.Series):
        part = values.iloc[start:stop]
        result = part.tolist()
        if part.dtype == object:
            result = [v.item() if isinstance(v, np.generic) else v for v in result]
        return result
    if isinstance(values, np.ndarray):
        part = values[start:stop]
        return _ascii_strings(part) if part.dtype.kind == "S" else part.tolist()
    return list(values[start:stop])


def _ascii_strings(values: np.ndarray) -> list[str]:
    """A fixed-width ASCII byte-string array (numpy ``S``, no NUL padding used) as `str`s."""
    width = values.dtype.itemsize
    text = np.ascontiguousarray(values).tobytes().decode("ascii")
    return [text[i : i + width] for i in range(0, len(text), width)]


def _put_digits(chars: np.ndarray, position: int, width: int, numbers: np.ndarray) -> None:
    """Write ``numbers`` (0 to 2³²-1) as ``width`` decimal digits at ``position`` of every row."""
    numbers = numbers.astype(np.uint32)
    for place in range(width):
        chars[:, position + width - 1 - place] = ord("0") + (numbers // 10**place) % 10


def _sqlite_datetime_text(values: np.ndarray) -> np.ndarray:
    """``datetime64[us]`` (naive UTC) as SQLAlchemy's SQLite ``DateTime`` stores
    it: ``YYYY-MM-DD HH:MM:SS.ffffff``, always six digits of microseconds (the
    text is what SQLite compares). Returns a numpy ``S26`` array."""
    days = values.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    if len(years) and (years.min() < 1 or years.max() > 9999):
        raise ValueError("timestamps must fall in the years 1 to 9999")
    micros = values.astype(np.int64) - days.astype(np.int64) * 86_400_000_000
    seconds, micros = np.divmod(micros, 1_000_000)
    chars = np.empty((len(values), 26), dtype=np.uint8)
    chars[:, [4, 7]] = ord("-")
    chars[:, 10] = ord(" ")
    chars[:, [13, 16]] = ord(":")
    chars[:, 19] = ord(".")
    _put_digits(chars, 0, 4, years)
    _put_digits(chars, 5, 2, months.astype(np.int64) % 12 + 1)
    _put_digits(chars, 8, 2, (days - months).astype(np.int64) + 1)
    _put_digits(chars, 11, 2, seconds // 3600)
    _put_digits(chars, 14, 2, seconds // 60 % 60)
    _put_digits(chars, 17, 2, seconds % 60)
    _put_digits(chars, 20, 6, micros)
    return chars.view("S26").reshape(len(values))


@contextmanager
def _sqlite_cache_size(conn: Connection, size: int) -> Iterator[None]:
    """``PRAGMA cache_size=size`` for the block, then the connection's own size again."""
    previous = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    conn.exec_driver_sql(f"PRAGMA cache_size={int(size)}")
    try:
        yield
    except BaseException:
        with suppress(sa.exc.DBAPIError):  # the original error matters more
            conn.exec_driver_sql(f"PRAGMA cache_size={previous}")
        raise
    conn.exec_driver_sql(f"PRAGMA cache_size={previous}")


def _drop_bulk_indexes(conn: Connection) -> list[sa.Index]:
    """Drop those of `_BULK_DROPPED_INDEXES` that exist; returns them for re-creation."""
    present = set(
        conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reports'").scalars()
    )
    dropped = sorted(
        (index for index in reports.indexes if index.name in _BULK_DROPPED_INDEXES and index.name in present),
        key=lambda index: str(index.name),
    )
    for index in dropped:
        index.drop(conn)
    return dropped


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UUID_GROUPS = ((0, 0, 8), (9, 8, 12), (14, 12, 16), (19, 16, 20), (24, 20, 32))
"""(position in the text, first and end hex digit) of the five groups of a UUID."""


def _uuid4_strings(count: int) -> np.ndarray:
    """``count`` random UUID4s in canonical form (lower-case hex with hyphens, as
    ``str(uuid.uuid4())``) made from one `os.urandom` call: a numpy ``S36`` array."""
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # variant RFC 4122
    digits = np.empty((count, 32), dtype=np.uint8)
    digits[:, 0::2] = _HEX_DIGITS[raw >> 4]
    digits[:, 1::2] = _HEX_DIGITS[raw & 0x0F]
    chars = np.empty((count, 36), dtype=np.uint8)
    chars[:, [8, 13, 18, 23]] = ord("-")
    for position, first, end in _UUID_GROUPS:
        chars[:, position : position + end - first] = digits[:, first:end]
    return chars.view("S36").reshape(count)


_REF_CODE_BITS = 5 * REF_CODE_LENGTH
_REF_CODE_SYMBOLS = np.frombuffer(REF_CODE_ALPHABET.encode("ascii"), dtype=np.uint8)
_REF_CODE_SHIFTS = np.arange(_REF_CODE_BITS - 5, -1, -5, dtype=np.uint64)
assert len(REF_CODE_ALPHABET) == 32 and _REF_CODE_BITS % 8 == 0


def _random_code_values(count: int) -> np.ndarray:
    """``count`` uniformly random 40-bit numbers (`os.urandom`, as `secrets` uses)."""
    raw = np.frombuffer(os.urandom(_REF_CODE_BITS // 8 * count), dtype=np.uint8).reshape(count, -1)
    values = np.zeros(count, dtype=np.uint64)
    for column in range(raw.shape[1]):
        values = (values << np.uint64(8)) | raw[:, column].astype(np.uint64)
    return values


def _code_strings(values: np.ndarray) -> np.ndarray:
    """40-bit numbers as reference codes: eight 5-bit groups, most significant first,
    each a symbol of `REF_CODE_ALPHABET`."""
    groups = (values[:, None] >> _REF_CODE_SHIFTS) & np.uint64(31)
    chars = np.ascontiguousarray(_REF_CODE_SYMBOLS[groups])
    return chars.view(f"S{REF_CODE_LENGTH}").reshape(len(values))


def _later_duplicates(values: np.ndarray) -> np.ndarray:
    """True where a value already occurs at a lower index."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    repeated = np.zeros(len(values), dtype=bool)
    repeated[order[1:][ordered[1:] == ordered[:-1]]] = True
    return repeated


def _unique_ref_codes(count: int, stored: Callable[[list[str]], set[str]] | None = None) -> np.ndarray:
    """``count`` fresh reference codes (a numpy ``S8`` array), unique among
    themselves and, given ``stored`` (which of these codes are already in the
    table?), new to the table."""
    values = _random_code_values(count)
    unchecked = np.ones(count, dtype=bool)
    while True:
        redraw = _later_duplicates(values)
        if stored is not None:
            ask = np.flatnonzero(unchecked & ~redraw)
            if ask.size:
                codes = _code_strings(values[ask])
                taken = stored(_ascii_strings(codes))
                if taken:
                    taken_codes = np.array(sorted(code.encode("ascii") for code in taken), dtype=codes.dtype)
                    redraw[ask[np.isin(codes, taken_codes)]] = True
            unchecked[:] = False
        if not redraw.any():
            return _code_strings(values)
        values[redraw] = _random_code_values(int(redraw.sum()))
        unchecked |= redraw


def _stored_codes_lookup(conn: Connection) -> Callable[[list[str]], set[str]] | None:
    """A function telling which of some codes the reports table already holds
    (None when it holds none): for many codes one pass over the table, for few
    an indexed ``IN (...)`` query per `_STORED_CODES_QUERY_SIZE` codes."""
    stored = int(conn.execute(sa.select(sa.func.count()).select_from(reports)).scalar() or 0)
    if stored == 0:
        return None

    def lookup(codes: list[str]) -> set[str]:
        if 4 * len(codes) >= stored:
            wanted = set(codes)
            return {code for code in conn.execute(sa.select(reports.c.ref_code)).scalars() if code in wanted}
        found: set[str] = set()
        for start in range(0, len(codes), _STORED_CODES_QUERY_SIZE):
            part = codes[start : start + _STORED_CODES_QUERY_SIZE]
            found.update(conn.execute(sa.select(reports.c.ref_code).where(reports.c.ref_code.in_(part))).scalars())
        return found

    return lookup


def _check_polygonal(geometry: shapely.Geometry | None, name: str) -> shapely.Geometry:
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        kind = None if geometry is None else geometry.geom_type
        raise ValueError(f"{name} must be a Polygon or MultiPolygon in EPSG:4326, got {kind!r}")
    if geometry.is_empty:
        raise ValueError(f"{name} must not be empty")
    return geometry
