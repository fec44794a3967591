"""The store's lifecycle: opening a database, its schema, transactions, the data
version, emptying it. The domain methods live beside it (`geo.store.reports`,
`geo.store.bulk`, `geo.store.places`) and `geo.store.Store` joins them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from geo.config import load_settings
from geo.store import schema
from geo.store.engine import StoreError, bump_version, classify, make_engine, safe_url
from geo.store.tables import categories, meta, metadata

_SEEN_KEY = "data_version_seen"
"""``meta`` row: ``"<version>@<ISO moment>"``, when the current data version was first served."""


class StoreBase:
    """The connection to one database; see `geo.store.Store` for everything it holds."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None, *, create: bool = True) -> Self:
        """Open the database at ``url`` (default: ``TRYGG_DATABASE_URL`` or the
        embedded SQLite file). An empty database gets the schema (every migration,
        `geo.store.schema`) when ``create`` is true.

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
            raise classify(error, safe_url(url)) from error
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
        `geo.store.ReportQuery`'s box and zone are answered in SQL; on SQLite shapely
        refines a bounding box."""
        return self.engine.dialect.name == "postgresql"

    @property
    def parallel_reads(self) -> bool:
        """Whether several threads may read at once, each on a connection of its own (every database
        but SQLite in memory, which is one connection shared by all)."""
        return not isinstance(self.engine.pool, sa.pool.StaticPool)

    @property
    def database_key(self) -> str:
        """A string naming this database, for keying caches (holds the password: never show it)."""
        return self.engine.url.render_as_string(hide_password=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction that also bumps the data version (cache key of layers)."""
        try:
            with self.engine.begin() as conn:
                yield conn
                bump_version(conn)
        except (sa.exc.OperationalError, sa.exc.DatabaseError) as error:
            raise classify(error, safe_url(str(self.engine.url))) from error
        except sa.exc.StatementError as error:
            raise _refused_value(error) from error

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reading; a value a column type refuses (a naive moment)
        raises its `ValueError`."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.StatementError as error:
            if isinstance(error, sa.exc.DBAPIError):
                raise
            raise _refused_value(error) from error

    def data_version(self) -> int:
        """A number that changes whenever data changes: key caches on it."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "data_version")).scalar()
        return int(value or 0)

    def version_seen_at(self, version: int, now: dt.datetime | None = None) -> dt.datetime:
        """When a process of the app first served data version ``version`` (``now`` if none has
        yet; whole seconds, UTC): kept in ``meta``, so that every process on the database gives
        the same ``Last-Modified`` for the same data. Written once per version (compare and set:
        of processes asking at once, the first one's moment stands)."""
        moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
        for _ in range(3):
            with self.engine.connect() as conn:
                value = conn.execute(sa.select(meta.c.value).where(meta.c.key == _SEEN_KEY)).scalar()
            if value is not None:
                seen, _, at = value.partition("@")
                if seen == str(version):
                    return dt.datetime.fromisoformat(at)
            stamp = f"{version}@{moment.isoformat()}"
            try:
                with self.engine.begin() as conn:
                    if value is None:
                        conn.execute(meta.insert().values(key=_SEEN_KEY, value=stamp))
                        return moment
                    changed = conn.execute(
                        meta.update().where(meta.c.key == _SEEN_KEY, meta.c.value == value).values(value=stamp)
                    ).rowcount
                if changed:
                    return moment
            except sa.exc.IntegrityError:
                continue  # another process wrote it first: read theirs
        return moment

    def is_empty(self) -> bool:
        """True when the database holds no data at all (first start): no layer (`geo.registry`)
        and no category holds a row."""
        from geo import registry  # the registry names the tables of its layers: imported late

        tables = [metadata.tables[name] for name in registry.tables()] + [categories]
        with self.engine.connect() as conn:
            for table in tables:
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
                        bump_version(conn)
                finally:
                    try:
                        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                        conn.commit()
                    except sa.exc.DBAPIError:
                        conn.invalidate()  # never hand a connection without foreign keys back to the pool
                        raise
        except (sa.exc.OperationalError, sa.exc.DatabaseError) as error:
            raise classify(error, safe_url(str(self.engine.url))) from error


def _delete_all(conn: Connection) -> None:
    for table in reversed(metadata.sorted_tables):
        if table is not meta:
            conn.execute(table.delete())


def _refused_value(error: sa.exc.StatementError) -> BaseException:
    """The `ValueError` of a column type (`geo.store.types`) rather than SQLAlchemy's wrapper."""
    return error.orig if isinstance(error.orig, ValueError) else error
