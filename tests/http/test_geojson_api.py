"""GeoJSON layers (/api/layers/{name}.geojson) and the app itself, served by one real
`streamlit run serve.py` without Open311 API keys."""

from __future__ import annotations

import datetime as dt
import gzip
import json
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


# -- the reports layer at scale: filters and bbox in SQL, pages, validators, compression (issue #15.8) --


def features(reply: object) -> list[dict]:
    assert reply.status == 200, reply.body
    return reply.json()["features"]


def refs(found: list[dict]) -> list[str]:
    return [f["properties"]["ref_code"] for f in found]


def test_issue_15_reports_come_in_pages_newest_first_with_a_next_link(server: tuple[RunningApp, dict]) -> None:
    app, codes = server
    newest = [codes[n] for n in ("fresh_open", "fresh_closed", "planned", "old")]
    first = fetch(f"{app.url}/api/layers/reports.geojson?limit=3")
    body = first.json()
    assert refs(body["features"]) == newest[:3] and body["numberReturned"] == 3
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["self"].endswith("limit=3") and "cursor=" in rels["next"]
    assert first.headers["link"] == f'<{rels["next"]}>; rel="next"'
    last = fetch(rels["next"]).json()
    assert refs(last["features"]) == newest[3:]
    assert [link["rel"] for link in last["links"]] == ["self"] and "link" not in fetch(rels["next"]).headers
    assert refs(features(fetch(f"{app.url}/api/layers/reports.geojson"))) == newest  # default: 1,000 a page


def test_issue_15_the_maps_filters_are_parameters(server: tuple[RunningApp, dict]) -> None:
    app, codes = server
    url = f"{app.url}/api/layers/reports.geojson"
    assert refs(features(fetch(f"{url}?status=atgardad"))) == [codes["fresh_closed"]]
    assert refs(features(fetch(f"{url}?cat=dalig_belysning"))) == [codes["fresh_open"], codes["planned"]]
    assert refs(features(fetch(f"{url}?cat=trafik&tod=kvall&feeling=otrygg"))) == [codes["old"]]
    assert features(fetch(f"{url}?feeling=trygg")) == []
    today = dt.date.today()
    window = f"from={(today - dt.timedelta(days=40)).isoformat()}&to={(today - dt.timedelta(days=5)).isoformat()}"
    assert refs(features(fetch(f"{url}?{window}"))) == [codes["fresh_closed"], codes["planned"]]


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("feeling=arg", "feeling"),
        ("cat=finns_inte", "cat"),
        ("status=open", "status"),
        ("zone=nowhere", "nowhere"),
        ("from=2026-13-01", "from"),
        ("to=9999-12-31", "to"),  # the day after it does not exist
        ("from=2026-05-01&to=2026-04-01", "from"),
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=tio", "limit"),
        ("cursor=inte-en-mark%C3%B6r", "cursor"),
        ("cursor=WyJ4Il0", "cursor"),  # base64 of '["x"]': decodes, but is no cursor
    ],
)
def test_issue_15_bad_layer_parameters_are_400_json(base: str, query: str, needle: str) -> None:
    reply = fetch(f"{base}/api/layers/reports.geojson?{query}")
    assert reply.status == 400 and reply.headers["content-type"].startswith("application/json"), reply.body
    assert reply.json()["code"] == 400 and needle in reply.json()["description"]


def test_issue_15_bbox_asks_about_the_public_positions(server: tuple[RunningApp, dict]) -> None:
    app, codes = server
    exact = (13.60012, 56.46034)  # fresh_open; the public sees it at the centre of its 50 m cell
    lon, lat = (float(v[0]) for v in coarsen_points([exact[0]], [exact[1]]))
    assert (lon, lat) != exact

    def box(x: float, y: float) -> str:
        return f"{x - 1e-6},{y - 1e-6},{x + 1e-6},{y + 1e-6}"

    url = f"{app.url}/api/layers/reports.geojson"
    # "old" (13.6, 56.46) lies in the same cell: the public cannot tell the two places apart
    assert refs(features(fetch(f"{url}?bbox={box(lon, lat)}"))) == [codes["fresh_open"], codes["old"]]
    assert features(fetch(f"{url}?bbox={box(*exact)}")) == []  # the exact place is not public


def test_issue_15_etag_and_last_modified_and_304(server: tuple[RunningApp, dict]) -> None:
    app, _ = server
    url = f"{app.url}/api/layers/reports.geojson?limit=2"
    first = fetch(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('W/"') and modified.endswith("GMT")
    again = fetch(url, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.headers["etag"] == etag
    assert fetch(url, headers={"If-None-Match": '"something-else"'}).status == 200
    # A new report (even one awaiting moderation) is a new data version: the tag changes.
    lon, lat = MARKARYD
    form = {"service_code": "trafik", "lat": str(lat), "long": str(lon), "description": "Ny version"}
    assert fetch(f"{app.url}/open311/v2/requests.json", form).status == 201
    changed = fetch(url, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["etag"] != etag


def test_issue_15_the_layer_is_compressed_when_the_client_accepts_it(base: str) -> None:
    reply = fetch(f"{base}/api/layers/reports.geojson", headers={"Accept-Encoding": "gzip"})
    assert reply.status == 200 and reply.headers.get("content-encoding") == "gzip"
    assert json.loads(gzip.decompress(reply.body))["type"] == "FeatureCollection"
    assert "content-encoding" not in fetch(f"{base}/api/layers/reports.geojson").headers
