"""A real `streamlit run serve.py` (the app and its HTTP API) on a database the test prepares."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from geo.demo import seed_demo
from geo.store import Store
from tests.support.serving import ROOT, Server, start_streamlit, stop


@dataclass
class RunningApp:
    url: str
    database_url: str
    process: subprocess.Popen
    log: Path


def start_app(tmp: Path, database_url: str, extra_env: dict[str, str] | None = None) -> RunningApp:
    log = tmp / f"streamlit-{uuid.uuid4().hex[:8]}.log"
    # the demo is asked for (an empty database gets it); ``extra_env`` may say TRYGG_DEMO=0
    env = {"TRYGG_DATABASE_URL": database_url, "TRYGG_TILES_URL": "none", "TRYGG_DEMO": "1", **(extra_env or {})}
    server = start_streamlit(Path("serve.py"), ROOT, env, log, timeout_s=60)
    return RunningApp(server.url, database_url, server.process, log)


def stop_app(app: RunningApp) -> None:
    stop(Server(app.url, app.process), timeout_s=10)


@contextmanager
def demo_app(
    tmp: Path,
    database_url: str,
    *,
    reports: int,
    prepare: Callable[[Store], None] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[RunningApp]:
    """The demo with ``reports`` reports at ``database_url`` (and what ``prepare`` adds to
    it), served by a real ``streamlit run serve.py`` until the block ends."""
    store = Store.open(database_url)
    try:
        seed_demo(store, reports=reports)
        if prepare is not None:
            prepare(store)
    finally:
        store.close()
    running = start_app(tmp, database_url, extra_env)
    try:
        yield running
    finally:
        stop_app(running)
