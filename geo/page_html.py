"""Streamlit's page, as the server sends it: where its server is, said before its code runs.

Opened at a page's own address (``/rapportera``), Streamlit's page does not know whether the
server's base is ``/rapportera`` or ``/``: it asks ``/rapportera/_stcore/health`` first, gets a
404, waits 100 ms and asks ``/_stcore/health`` (Streamlit 1.67, ``getPossibleBaseUris``). On a
phone that costs a quarter of a second before the page can even connect, on every address but
the home page. The page reads its host's settings from ``window.__streamlit`` (the way a host
embedding Streamlit tells it its backend); `PageHtml` writes ``BACKEND_BASE_URL`` there in every
HTML page the server sends, so the first probe is the right one.
"""

from __future__ import annotations

import gzip
import json

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MARK = b"<head>"


def host_script(base_path: str) -> bytes:
    """The script that tells Streamlit's page its server's base (``server.baseUrlPath``, without
    slashes at its ends: ``""`` or ``"trygg"``), on the page's own origin."""
    base = "/" + base_path.strip("/")
    return (
        b"<script>window.__streamlit=Object.assign({},window.__streamlit,"
        + f"{{BACKEND_BASE_URL:new URL({json.dumps(base)},location.origin).href}});".encode()
        + b"</script>"
    )


class PageHtml:
    """ASGI middleware: every HTML answer to a GET gets `host_script` first in its ``<head>``."""

    def __init__(self, app: ASGIApp, base_path: str = "") -> None:
        self.app = app
        self.script = host_script(base_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def sending(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                html = headers.get("content-type", "").startswith("text/html")
                if message.get("status") != 200 or not html or headers.get("content-encoding", "gzip") != "gzip":
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            page = self.with_script(b"".join(body), gzipped="content-encoding" in headers)
            headers["content-length"] = str(len(page))
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, sending)

    def with_script(self, page: bytes, *, gzipped: bool) -> bytes:
        if not gzipped:
            return page.replace(MARK, MARK + self.script, 1)
        return gzip.compress(gzip.decompress(page).replace(MARK, MARK + self.script, 1), mtime=0)
