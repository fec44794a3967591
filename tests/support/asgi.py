"""Calling one of the API's request handlers directly, without a server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from starlette.requests import Request
from starlette.responses import Response


def call(handler: Callable[[Request], Awaitable[Response]], path: str, path_params: dict[str, str]) -> Response:
    """``GET path`` answered by ``handler``. The coroutine runs on an event loop of its own in a
    worker thread: the browser tests' sync Playwright keeps a loop running in this thread for the
    whole session, and ``asyncio.run`` refuses to start beside it."""
    scope = {
        "type": "http", "method": "GET", "path": path, "path_params": path_params, "query_string": b"",
        "headers": [], "scheme": "http", "server": ("testserver", 80),
    }  # fmt: skip
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, handler(Request(scope))).result()
