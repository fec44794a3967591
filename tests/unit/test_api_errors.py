"""The API's handlers on a database that cannot be read: 503 in the documented form, never 500."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo import api
from tests.support.asgi import call


@pytest.fixture
def broken_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    monkeypatch.setenv("TRYGG_DATABASE_URL", f"sqlite:///{broken}")


@pytest.mark.usefixtures("broken_database")
def test_the_layer_says_503_when_the_database_cannot_be_read() -> None:
    reply = call(api.geojson_layer, "/api/layers/reports.geojson", {"name": "reports"})
    assert reply.status_code == 503
    assert json.loads(reply.body)["code"] == 503 and reply.media_type.startswith("application/json")


@pytest.mark.usefixtures("broken_database")
def test_open311_says_503_when_the_database_cannot_be_read() -> None:
    reply = call(api._open311(api.list_requests), "/open311/v2/requests.json", {"fmt": "json"})
    assert reply.status_code == 503 and json.loads(reply.body)[0]["code"] == 503
