"""The README documents every setting, command line command and HTTP endpoint (as
Datasette's test_docs.py does for its hooks): a new one fails here until it is written up."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import Route

from geo import api
from geo.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CODE = [
    *sorted((ROOT / "geo").rglob("*.py")),
    *sorted((ROOT / "pages").glob("*.py")),
    ROOT / "app.py",
    ROOT / "serve.py",
]


def settings_read_in_code() -> list[str]:
    found = {name for path in CODE for name in re.findall(r"\bTRYGG_[A-Z0-9_]+\b", path.read_text(encoding="utf-8"))}
    return sorted(found)


def test_the_settings_are_found() -> None:
    assert {"TRYGG_DATABASE_URL", "TRYGG_OPEN311_API_KEYS"} <= set(settings_read_in_code())


@pytest.mark.parametrize("name", settings_read_in_code())
def test_every_setting_is_in_the_readmes_configuration_table(name: str) -> None:
    assert re.search(rf"^\| `{name}` \|", README, re.M), f"README's Configuration table lacks {name}"


def commands(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """``("users add", its parser)`` for every command and subcommand of ``python -m geo``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                full = f"{prefix} {name}".strip()
                nested = list(commands(sub, full))
                yield from nested or [(full, sub)]


COMMANDS = dict(commands(build_parser()))


def test_the_commands_are_found() -> None:
    assert {"seed-demo", "users add", "db upgrade", "import", "export", "bench"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_in_the_readme(command: str) -> None:
    shown = re.search(rf"python -m geo (--database \S+ )?{re.escape(command)}\b", README)
    assert shown, f"README shows no `python -m geo {command}`"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_of_a_command_is_in_the_readme(command: str) -> None:
    options = [o for a in COMMANDS[command]._actions for o in a.option_strings if o.startswith("--") and o != "--help"]
    missing = [o for o in options if not re.search(rf"`[^`]*{re.escape(o)}\b[^`]*`", README)]
    assert not missing, f"README does not mention {missing} of `python -m geo {command}`"


def endpoints() -> list[tuple[str, str]]:
    """``(method, path)`` of every resource of the HTTP API (not the 404 fallbacks)."""
    found = []
    for route in api.routes():
        if isinstance(route, Route) and "{path:path}" not in route.path and route.path not in (api.OPEN311, "/api"):
            found += [(method, route.path) for method in sorted((route.methods or set()) - {"HEAD"})]
    return found


def test_the_endpoints_are_found() -> None:
    assert ("POST", "/open311/v2/requests.{fmt}") in endpoints()
    assert ("GET", "/api/layers/{name}.geojson") in endpoints()


@pytest.mark.parametrize(("method", "path"), endpoints())
def test_every_http_endpoint_is_in_the_readme(method: str, path: str) -> None:
    short = path.removeprefix(api.OPEN311 + "/").replace("{fmt}", "json")
    # a path parameter may carry another name in the README (``{id}`` for ``{code}``)
    pattern = re.escape(f"`{method} {short}`").replace(r"\{", "{").replace(r"\}", "}")
    pattern = re.sub(r"\{[^}]+\}", r"\{[a-z_]+\}", pattern)
    assert re.search(pattern, README), f"README lacks `{method} {short}`"
