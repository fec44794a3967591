"""The database schema's version, and its migrations (Alembic, in `geo/store/migrations/`).

Both backends share one chain of revisions: ``0001`` is the foundation's schema (every
table of `geo.store` and the ``users`` table of `geo.auth`, ``sso_email`` included);
``0002`` adds PostGIS geometry columns with GiST indexes on PostgreSQL and changes
nothing on SQLite. ``python -m geo db upgrade`` runs them (`upgrade`).

A database is in one of these states (`schema_state`):

- ``empty``: none of our tables; `geo.store.Store.open` creates the schema by running
  every migration, so a first start just works;
- ``current``: at the newest revision (the code's head);
- ``outdated``: an older revision, or a database from before migrations existed
  (our tables, no ``alembic_version``). The app refuses it; ``db upgrade`` brings it to
  the head. Revision ``0001`` adopts a pre-migration database: it creates only the
  tables that are missing and adds ``users.sso_email`` where it is missing (the hand
  migration `geo.auth` used to run), so the data stays as it is;
- ``newer``: a revision this code does not know (the database was upgraded by a newer
  version of the app).

Migrations run in one transaction, serialised between processes (a PostgreSQL advisory
lock; ``BEGIN IMMEDIATE`` on SQLite), so two processes starting on an empty database
do not both create it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from geo.store.engine import StoreError, make_engine, safe_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
APP_TABLES = (
    "categories",
    "reports",
    "report_contacts",
    "report_events",
    "meeting_places",
    "zones",
    "boundaries",
    "meta",
    "users",
)
"""Tables of revision 0001: if any exists, the database is not empty."""
UPGRADE_COMMAND = "python -m geo db upgrade"
_ADVISORY_LOCK = 7_020_261_123
"""The PostgreSQL advisory lock key that serialises migrations (any fixed number)."""


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: ``state`` (``empty``, ``current``, ``outdated``,
    ``newer``), its revision (None before migrations) and the code's head."""

    state: str
    revision: str | None
    head: str


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, made here rather than read from an ``alembic.ini``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


def _state(conn: Connection) -> SchemaState:
    head = head_revision()
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision is None:
        present = set(sa.inspect(conn).get_table_names())
        return SchemaState("outdated" if present & set(APP_TABLES) else "empty", None, head)
    if revision == head:
        return SchemaState("current", revision, head)
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    return SchemaState("outdated" if revision in known else "newer", revision, head)


def schema_state(engine: Engine) -> SchemaState:
    """Where the database at ``engine`` stands (see the module's docstring)."""
    with engine.connect() as conn:
        return _state(conn)


def upgrade(engine: Engine, *, only_if_empty: bool = False) -> SchemaState:
    """Run the migrations up to the head in one transaction, serialised between
    processes. With ``only_if_empty``, do so only for an empty database (what the app
    does on its first start). Returns the state found before upgrading."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        before = _state(conn)
        if before.state in ("empty", "outdated") and not (only_if_empty and before.state != "empty"):
            command.upgrade(alembic_config(conn), "head")
        conn.commit()
    return before


def upgrade_database(url: str) -> SchemaState:
    """`upgrade` the database at ``url`` (``python -m geo db upgrade``); returns the state
    found before. `StoreError` (``unavailable``) when the database cannot be reached or
    changed."""
    return _at(url, upgrade)


def database_state(url: str) -> SchemaState:
    """`schema_state` of the database at ``url``; `StoreError` (``unavailable``) when unreachable."""
    return _at(url, schema_state)


def _at(url: str, action: Callable[[Engine], SchemaState]) -> SchemaState:
    try:
        engine = make_engine(url)
    except sa.exc.SQLAlchemyError as error:
        raise StoreError("unavailable", safe_url(url), str(error)) from error
    try:
        return action(engine)
    except sa.exc.SQLAlchemyError as error:
        raise StoreError("unavailable", safe_url(url), str(error)) from error
    finally:
        engine.dispose()
