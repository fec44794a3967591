"""Issue #16 §2: `geo/store/` alone speaks SQL; time zone and staff check written once.

Walks the AST of every module of the app outside `geo/store/` (which holds the
migrations too): none imports a database library or the store's tables, reaches for
``store.engine``, or writes SQL in a string."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "geo" / "store"
DATABASE_LIBRARIES = {"sqlalchemy", "alembic", "geoalchemy2", "psycopg", "psycopg2", "sqlite3"}
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|TRUNCATE|COPY|WITH)\s")


def app_modules() -> list[Path]:
    files = [ROOT / "app.py", ROOT / "serve.py", *(ROOT / "pages").rglob("*.py"), *(ROOT / "geo").rglob("*.py")]
    return sorted(path for path in files if STORE not in path.parents)


def sql_offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names if a.name.split(".")[0] in DATABASE_LIBRARIES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if top in DATABASE_LIBRARIES or node.module in ("geo.store.tables", "geo.store.engine"):
                found.append(f"imports from {node.module} (line {node.lineno})")
        elif isinstance(node, ast.Attribute) and node.attr in ("engine", "metadata"):
            found.append(f"reaches for .{node.attr} (line {node.lineno})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
            found.append(f"writes SQL {node.value[:40]!r} (line {node.lineno})")
    return found


def test_the_walk_finds_the_modules_that_used_to_speak_sql() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in app_modules()}
    expected = {"layers", "hexagons", "moderation", "review", "api", "explore", "auth", "admin", "cli"}
    assert {f"geo/{name}.py" for name in expected} <= names
    assert not any(name.startswith("geo/store/") for name in names)


@pytest.mark.parametrize("path", app_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_issue_16_no_module_outside_the_store_speaks_sql(path: Path) -> None:
    offences = sql_offences(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    assert not offences, f"{path.relative_to(ROOT)}: {offences}; ask geo.store in domain terms instead"


def test_the_detector_sees_each_kind_of_offence() -> None:
    source = "import sqlalchemy as sa\nfrom geo.store.tables import reports\nstore.engine.connect()\nx = 'SELECT 1'\n"
    assert len(sql_offences(ast.parse(source))) == 4
    assert sql_offences(ast.parse("x = 'Select a category'\ny = store.reports_frame()\n")) == []


def test_issue_16_the_time_zone_is_written_once() -> None:
    files = [path for path in (ROOT / "geo").rglob("*.py")] + list((ROOT / "pages").rglob("*.py"))
    holders = [path.relative_to(ROOT).as_posix() for path in files if "Europe/Stockholm" in path.read_text("utf-8")]
    assert holders == ["geo/config.py"]


def test_issue_16_the_staff_check_is_defined_once() -> None:
    definitions = []
    for path in (ROOT / "geo").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") == "check_staff":
                definitions.append(path.relative_to(ROOT).as_posix())
    assert definitions == ["geo/auth.py"]
