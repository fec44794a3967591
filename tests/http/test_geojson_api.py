"""GeoJSON layers (/api/layers/{name}.geojson) and the app itself, served by one real
`streamlit run serve.py` without Open311 API keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geo.privacy import coarsen_points
from tests.http.conftest import MARKARYD, RunningApp, api_server, fetch


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, app_database_url: str
) -> Iterator[tuple[RunningApp, dict[str, str]]]:
    with api_server(tmp_path_factory.mktemp("geojson"), app_database_url, {"TRYGG_OPEN311_API_KEYS": ""}) as served:
        yield served


@pytest.fixture
def base(server: tuple[RunningApp, dict[str, str]]) -> str:
    return server[0].url


def test_the_same_process_still_serves_the_app_and_its_static_files(base: str) -> None:
    for path in ("/", "/rapportera", "/_stcore/health", "/app/static/vendor/manifest.json"):
        reply = fetch(base + path)
        assert reply.status == 200, path
    assert b"<html" in fetch(base + "/").body.lower()


def test_public_reports_layer_is_published_only_and_coarsened(server: tuple[RunningApp, dict[str, str]]) -> None:
    app, codes = server
    reply = fetch(f"{app.url}/api/layers/reports.geojson")
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/geo+json")
    collection = reply.json()
    assert collection["type"] == "FeatureCollection"
    refs = {f["properties"]["ref_code"] for f in collection["features"]}
    assert refs == {codes[n] for n in ("fresh_open", "fresh_closed", "planned", "old")}
    fresh = next(f for f in collection["features"] if f["properties"]["ref_code"] == codes["fresh_open"])
    lon, lat = coarsen_points([13.60012], [56.46034])
    assert fresh["geometry"]["coordinates"] == pytest.approx([lon[0], lat[0]], abs=1e-9)
    assert fresh["properties"]["text"] == "Mörkt, ring [borttaget]"
    assert not {"id", "moderation", "email", "source"} & set(fresh["properties"])


def test_bbox_limits_the_features(base: str) -> None:
    everything = fetch(f"{base}/api/layers/meeting_places.geojson").json()["features"]
    near = fetch(f"{base}/api/layers/meeting_places.geojson?bbox=13.55,56.43,13.65,56.49").json()["features"]
    assert 0 < len(near) < len(everything)
    for feature in near:
        lon, lat = feature["geometry"]["coordinates"]
        assert 13.55 <= lon <= 13.65 and 56.43 <= lat <= 56.49
    assert fetch(f"{base}/api/layers/zones.geojson?bbox=0,0,1,1").json()["features"] == []
    (boundary,) = fetch(f"{base}/api/layers/boundary.geojson").json()["features"]
    assert boundary["geometry"]["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "13.7,56.4,13.5,56.5", "0,0,200,1", "nan,0,1,1"])
def test_bad_bbox_is_400_with_a_json_message(base: str, bbox: str) -> None:
    reply = fetch(f"{base}/api/layers/zones.geojson?bbox={bbox}")
    assert reply.status == 400 and reply.headers["content-type"].startswith("application/json")
    assert reply.json()["code"] == 400 and "bbox" in reply.json()["description"]


def test_unknown_layer_is_404(base: str) -> None:
    reply = fetch(f"{base}/api/layers/users.geojson")
    assert reply.status == 404 and "reports" in reply.json()["description"]


def test_open311_post_needs_no_key_when_none_are_configured(base: str) -> None:
    lon, lat = MARKARYD
    form = {"service_code": "trafik", "lat": str(lat), "long": str(lon), "description": "Bilar kör fort"}
    reply = fetch(f"{base}/open311/v2/requests.json", form)
    assert reply.status == 201, reply.body
    assert len(reply.json()[0]["service_request_id"]) == 8
