"""Every HTML page `serve.py` sends says where its server is (`geo.page_html`), over real HTTP:
compressed or not, once, first in the head, with a length that matches; nothing else is touched
(Streamlit's JavaScript, the API's JSON)."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator

import pytest

from geo.page_html import host_script
from tests.http.conftest import RunningApp, api_server, fetch


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("page-html")
    with api_server(tmp, f"sqlite:///{tmp / 'pages.db'}", {}) as (app, _codes):
        yield app


@pytest.mark.parametrize("path", ["/", "/rapportera", "/motesplatser?lang=ar", "/no-such-page"])
@pytest.mark.parametrize("compressed", [False, True])
def test_issue_22_each_page_says_where_its_server_is_once_first_in_its_head(
    server: RunningApp, path: str, compressed: bool
) -> None:
    reply = fetch(server.url + path, headers={"Accept-Encoding": "gzip"} if compressed else {})
    assert reply.status == 200
    assert int(reply.headers["content-length"]) == len(reply.body)
    gzipped = reply.headers.get("content-encoding") == "gzip"
    assert gzipped or not compressed or path == "/", "Streamlit compresses a page's HTML (not the root's)"
    page = gzip.decompress(reply.body) if gzipped else reply.body
    assert page.count(host_script("")) == 1
    head = page.split(b"<head>", 1)[1]
    assert head.startswith(host_script("")), "before any of Streamlit's own scripts"
    assert b'BACKEND_BASE_URL:new URL("/",location.origin)' in head


def test_issue_22_streamlits_code_and_the_apis_answers_are_left_as_they_are(server: RunningApp) -> None:
    page = fetch(server.url + "/").text
    script = re.search(r'src="\./(static/js/index\.[\w-]+\.js)"', page)
    assert script is not None
    code = fetch(f"{server.url}/{script.group(1)}")
    assert code.status == 200 and b"__streamlit=Object.assign" not in code.body
    layer = fetch(server.url + "/api/layers/reports.geojson")
    assert layer.status == 200 and b"__streamlit" not in layer.body


def test_issue_22_under_a_base_path_the_script_names_it() -> None:
    assert b'new URL("/trygg",location.origin)' in host_script("/trygg/")
    assert b'new URL("/",location.origin)' in host_script("")
