"""The house rules that hold for every module: `geo/` is a library that knows neither
Streamlit nor the benchmarks nor the tests (issue #16 §4)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GEO = ROOT / "geo"
STREAMLIT = {"streamlit", "streamlit_folium"}
NOT_THE_LIBRARY = {"benchmarks", "tests", "pages", "app", "serve"}


def geo_modules() -> list[Path]:
    return sorted(GEO.rglob("*.py"))


def imports(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """``(top-level package, line)`` of every import statement anywhere in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno


def module_level_imports(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Imports run when the module is imported: outside every function body."""
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield from imports(node)
        elif isinstance(node, ast.ClassDef):
            for child in node.body:
                if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield from imports(child)


def test_the_walk_finds_every_module() -> None:
    found = {path.relative_to(GEO).as_posix() for path in geo_modules()}
    assert {"api.py", "cli.py", "analysis.py", "store/migrations/env.py", "store/tables.py"} <= found
    assert len(found) >= 25


@pytest.mark.parametrize("path", geo_modules(), ids=lambda p: p.relative_to(GEO).as_posix())
def test_no_module_under_geo_imports_streamlit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [f"{name} (line {line})" for name, line in imports(tree) if name in STREAMLIT]
    assert not offending, f"{path.relative_to(ROOT)} imports {offending}: geo/ is a library without Streamlit"


@pytest.mark.parametrize("path", geo_modules(), ids=lambda p: p.relative_to(GEO).as_posix())
def test_no_module_under_geo_imports_benchmarks_or_tests_when_imported(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [f"{name} (line {line})" for name, line in module_level_imports(tree) if name in NOT_THE_LIBRARY]
    assert not offending, f"{path.relative_to(ROOT)} imports {offending} when imported"


def test_importing_the_whole_library_loads_no_streamlit_and_no_benchmarks() -> None:
    names = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in geo_modules()
        if "migrations" not in path.parts and path.name != "__main__.py"
    ]
    names = [name.removesuffix(".__init__") for name in names]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'streamlit', 'benchmarks', 'tests', 'playwright'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
