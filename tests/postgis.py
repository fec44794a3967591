"""A real PostgreSQL server with PostGIS for the tests, started in a temporary directory.

`make test` installs Debian's ``postgresql`` and ``postgresql-15-postgis-3``
(scripts/install_system.sh). The server runs as an unprivileged user: ``initdb``
refuses root, so under root (CI) it runs as the ``postgres`` user the Debian package
creates, through ``runuser``. It listens on a free TCP port on 127.0.0.1 only and
trusts local connections; durability is switched off (``fsync=off``) because the data
dies with the test session.

Two template databases make a fresh database per test cheap (``CREATE DATABASE …
TEMPLATE``): ``trygg_postgis`` holds only the PostGIS extension (an empty database as
an IT department hands it over), ``trygg_schema`` also the application's schema at the
newest migration.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.serving import free_port

HINT = "run `make test` (scripts/install_system.sh installs postgresql and postgresql-postgis)"
EMPTY_TEMPLATE = "trygg_postgis"
SCHEMA_TEMPLATE = "trygg_schema"


def find_bindir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: ``pg_config --bindir``, else the
    newest /usr/lib/postgresql/*/bin (Debian keeps them off the PATH)."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if found:
            candidates.append(Path(found))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    pytest.fail(f"PostgreSQL server binaries (initdb, pg_ctl) not found: {HINT}", pytrace=False)
    raise AssertionError("unreachable")


@dataclass
class PostgisServer:
    bindir: Path
    root: Path
    port: int
    as_user: str | None
    shared_url: str | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    def start(self) -> None:
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        if done.returncode:
            pytest.fail(f"initdb failed ({HINT}): {done.stderr.strip()}", pytrace=False)
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        done = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w", "start"
        )
        if done.returncode:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            pytest.fail(f"PostgreSQL did not start ({HINT}): {done.stderr.strip()} {log[-2000:]}", pytrace=False)
        self._make_templates()

    def _make_templates(self) -> None:
        from geo.store import Store

        self.admin_sql(f"CREATE DATABASE {EMPTY_TEMPLATE}")
        try:
            self.admin_sql("CREATE EXTENSION postgis", database=EMPTY_TEMPLATE)
        except sa.exc.DBAPIError as error:
            pytest.fail(f"the PostGIS extension is missing ({HINT}): {error}", pytrace=False)
        self.admin_sql(f"CREATE DATABASE {SCHEMA_TEMPLATE} TEMPLATE {EMPTY_TEMPLATE}")
        Store.open(self.url(SCHEMA_TEMPLATE)).close()  # runs the migrations once

    def admin_sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement in ``database`` outside a transaction (as ``CREATE`` and
        ``DROP DATABASE`` need)."""
        admin = sa.create_engine(self.url(database), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(statement)
        finally:
            admin.dispose()

    def create_database(self, template: str = SCHEMA_TEMPLATE) -> str:
        """A fresh database copied from ``template``; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.admin_sql(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        return self.url(name)

    def emptied_database(self) -> str:
        """The session's shared database with every table emptied (``TRUNCATE``, some
        milliseconds, where a fresh copy of the template takes some 300 ms); a fresh
        copy when something still holds a lock on it. Returns its SQLAlchemy URL."""
        if self.shared_url is None:
            self.shared_url = self.create_database()
        engine = sa.create_engine(self.shared_url)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
                tables = [
                    name
                    for name in sa.inspect(conn).get_table_names()
                    if name not in ("alembic_version", "spatial_ref_sys")
                ]
                conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                conn.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('data_version', '0')")  # as migrated
                for table, trigger in conn.exec_driver_sql(  # what a test added and left behind
                    "SELECT event_object_table, trigger_name FROM information_schema.triggers"
                ).all():
                    conn.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"')
        except sa.exc.OperationalError:  # a lock held by a connection a test left open
            self.shared_url = self.create_database()
        finally:
            engine.dispose()
        return self.shared_url

    def drop_database(self, url: str) -> None:
        self.admin_sql(f"DROP DATABASE IF EXISTS {sa.engine.make_url(url).database} WITH (FORCE)")

    def restart(self) -> None:
        """Restart the server, dropping every open connection (as a nightly restart does)."""
        done = self._run(  # the log file again, or the server would hold our output pipe open
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-m", "fast", "-w", "restart"
        )
        if done.returncode:
            pytest.fail(f"PostgreSQL did not restart: {done.stderr.strip()}", pytrace=False)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PostgisServer:
    """Start a throw-away PostgreSQL + PostGIS server (see the module's docstring)."""
    bindir = find_bindir()
    as_user = None
    root = Path(tempfile.mkdtemp(prefix="trygg-pg-"))
    if os.geteuid() == 0:
        as_user = "postgres"
        try:
            shutil.chown(root, user=as_user)
        except LookupError:
            pytest.fail(f"the OS user 'postgres' is missing, which Debian's postgresql package creates: {HINT}")
        root.chmod(0o755)
    server = PostgisServer(bindir, root, free_port(), as_user)
    started = time.perf_counter()
    server.start()
    server.startup_s = time.perf_counter() - started  # type: ignore[attr-defined]
    return server
