"""Any input to the HTTP API gets 2xx or a 4xx in the documented error format, never a 500
or the app's HTML page (issue #15): property-based tests with Hypothesis against a real
`streamlit run serve.py`, on SQLite and on PostGIS.

Open311 errors are ``[{"code": …, "description": …}]`` (``<errors>`` in XML); errors of
``/api/`` are ``{"code": …, "description": …}``.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.http.conftest import MARKARYD, Reply, RunningApp, api_server, fetch

KEY = "egenskap-2026"
PROPERTIES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, app_database_url: str
) -> Iterator[tuple[RunningApp, dict[str, str]]]:
    env = {"TRYGG_OPEN311_API_KEYS": KEY, "TRYGG_OPEN311_RATE_LIMIT": "100000"}
    with api_server(tmp_path_factory.mktemp("properties"), app_database_url, env) as served:
        yield served


@pytest.fixture
def base(server: tuple[RunningApp, dict[str, str]]) -> str:
    return server[0].url


# -- what every answer must be ----------------------------------------------------------------------


def assert_open311_answer(reply: Reply, fmt: str, ok: tuple[int, ...] = (200,)) -> None:
    """2xx, or a 4xx with the Open311 error list in ``fmt``; never 5xx, HTML or a traceback."""
    assert reply.status in ok or 400 <= reply.status < 500, (reply.status, reply.body[:300])
    assert b"<html" not in reply.body[:2000].lower() and b"Traceback" not in reply.body
    if fmt == "xml":
        assert reply.headers["content-type"].startswith("text/xml"), reply.headers
        root = ET.fromstring(reply.body)
        if reply.status >= 400:
            assert root.tag == "errors" and root.findtext("error/code") == str(reply.status)
            assert root.findtext("error/description")
        return
    assert reply.headers["content-type"].startswith("application/json"), reply.headers
    body = reply.json()
    if reply.status >= 400:
        assert isinstance(body, list) and body[0]["code"] == reply.status and body[0]["description"], body


def assert_layer_answer(reply: Reply) -> None:
    """2xx GeoJSON, or a 4xx ``{"code", "description"}``; never 5xx, HTML or a traceback."""
    assert reply.status == 200 or 400 <= reply.status < 500, (reply.status, reply.body[:300])
    assert b"<html" not in reply.body[:2000].lower() and b"Traceback" not in reply.body
    body = reply.json()
    if reply.status == 200:
        assert reply.headers["content-type"].startswith("application/geo+json")
        assert body["type"] == "FeatureCollection" and body["numberReturned"] == len(body["features"])
    else:
        assert reply.headers["content-type"].startswith("application/json")
        assert body["code"] == reply.status and body["description"], body


# -- strategies ------------------------------------------------------------------------------------

junk = st.text(max_size=40)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", " ", "1e309", "-0", "0x10", "１２", "13,6", "56.46 ", "NaN", "inf"]),
)
moments = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01", "9999-12-31T23:59:59+14:00", "2026-02-30", "2026-11-01T25:00", "igår", "%00"]),
    junk,
)
codes = st.one_of(
    st.sampled_from(["dalig_belysning", "trafik", "klotter_skadegorelse", "bra_belysning", "DALIG_BELYSNING"]), junk
)
whole = st.one_of(st.integers(min_value=-5, max_value=10**12).map(str), junk)
ids = st.one_of(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=1, max_size=10), junk)


def comma_list(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(values, max_size=4).map(",".join)


open311_query = st.fixed_dictionaries(
    {},
    optional={
        "start_date": moments,
        "end_date": moments,
        "service_code": comma_list(codes),
        "status": comma_list(st.one_of(st.sampled_from(["open", "closed", "OPEN", "pending"]), junk)),
        "service_request_id": comma_list(ids),
        "page": whole,
        "page_size": whole,
        "locale": st.one_of(st.sampled_from(["sv", "en", "ar", "en-GB", "xx"]), junk),
        "lat": numbers,
        "long": numbers,
    },
)
bbox = st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=6).map(
        lambda values: ",".join(repr(v) for v in values)
    ),
    st.tuples(st.floats(12.0, 15.0), st.floats(55.0, 58.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0)).map(
        lambda t: f"{t[0]},{t[1]},{t[0] + t[2]},{t[1] + t[3]}"
    ),
    junk,
)
layer_query = st.fixed_dictionaries(
    {},
    optional={
        "bbox": bbox,
        "limit": whole,
        "cursor": st.one_of(junk, st.binary(max_size=40).map(lambda b: b.hex())),
        "cat": comma_list(codes),
        "feeling": comma_list(st.one_of(st.sampled_from(["otrygg", "trygg"]), junk)),
        "tod": comma_list(st.one_of(st.sampled_from(["dag", "kvall", "natt"]), junk)),
        "status": comma_list(st.one_of(st.sampled_from(["ny", "atgardad", "stangd"]), junk)),
        "zone": junk,
        "from": moments,
        "to": moments,
    },
)


# -- Open311 -----------------------------------------------------------------------------------------


@PROPERTIES
@given(query=open311_query, fmt=st.sampled_from(["json", "xml"]))
def test_any_requests_query_is_answered_by_the_spec(base: str, query: dict[str, str], fmt: str) -> None:
    reply = fetch(f"{base}/open311/v2/requests.{fmt}?{urlencode(query)}")
    assert_open311_answer(reply, fmt)
    if reply.status == 200 and fmt == "json":
        assert len(reply.json()) <= 1000


@PROPERTIES
@example(code="\x00", fmt="xml")  # Streamlit's path check answered a plain-text 400
@given(code=st.text(min_size=1, max_size=30), fmt=st.sampled_from(["json", "xml"]))
def test_any_request_id_is_found_or_404(base: str, code: str, fmt: str) -> None:
    reply = fetch(f"{base}/open311/v2/requests/{quote(code, safe='')}.{fmt}")
    assert_open311_answer(reply, fmt)


@PROPERTIES
@given(code=st.text(min_size=1, max_size=30), fmt=st.sampled_from(["json", "xml"]))
def test_any_service_code_is_defined_or_404(base: str, code: str, fmt: str) -> None:
    reply = fetch(f"{base}/open311/v2/services/{quote(code, safe='')}.{fmt}")
    assert_open311_answer(reply, fmt)


@PROPERTIES
@given(
    form=st.fixed_dictionaries(
        {"api_key": st.sampled_from([KEY, KEY, "fel", ""])},
        optional={
            "service_code": codes,
            "lat": st.one_of(numbers, st.floats(56.40, 56.52).map(repr)),
            "long": st.one_of(numbers, st.floats(13.50, 13.70).map(repr)),
            "description": st.text(max_size=1200),
            "email": st.one_of(st.emails(), junk),
            "attribute[time_of_day]": st.one_of(st.sampled_from(["dag", "kvall", "natt"]), junk),
            "locale": st.sampled_from(["sv", "en", "ar", "zz"]),
        },
    ),
    key_in_query=st.booleans(),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_any_post_is_created_or_refused_by_the_spec(
    base: str, form: dict[str, str], key_in_query: bool, fmt: str
) -> None:
    query = ""
    if key_in_query:
        query = "?" + urlencode({"api_key": form.pop("api_key")})
    reply = fetch(f"{base}/open311/v2/requests.{fmt}{query}", form)
    assert_open311_answer(reply, fmt, ok=(201,))
    valid = form.get("service_code") in ("dalig_belysning", "trafik", "klotter_skadegorelse", "bra_belysning") and all(
        _finite(form.get(name, "")) for name in ("lat", "long")
    )
    if reply.status == 201:
        assert valid, form  # only a complete report inside the municipality is stored


def _finite(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


@PROPERTIES
@example(path=["\n0"], suffix="", method="GET")  # escaped {path:path}: Starlette's 404 became a 500
@example(path=["..", "x\x00"], suffix=".xml", method="GET")  # Streamlit's path check: a plain-text 400
@given(
    path=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3),
    suffix=st.sampled_from(["", ".json", ".xml", ".csv"]),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
)
def test_any_other_path_under_open311_is_404_or_405_by_the_spec(
    base: str, path: list[str], suffix: str, method: str
) -> None:
    url = f"{base}/open311/v2/" + "/".join(quote(p, safe="") for p in path) + suffix
    reply = fetch(url, {} if method == "POST" else None, method=method)
    fmt = "xml" if url.endswith(".xml") else "json"
    assert_open311_answer(reply, fmt, ok=(200, 201))


# -- /api/layers ---------------------------------------------------------------------------------------


@PROPERTIES
@given(query=layer_query)
def test_any_reports_layer_query_is_geojson_or_a_json_error(base: str, query: dict[str, str]) -> None:
    reply = fetch(f"{base}/api/layers/reports.geojson?{urlencode(query)}")
    assert_layer_answer(reply)
    if reply.status == 200:
        body = reply.json()
        limit = int(query["limit"]) if query.get("limit", "").strip().isdigit() else 1000
        assert body["numberReturned"] <= limit
        assert all(f["geometry"]["type"] == "Point" for f in body["features"])


@PROPERTIES
@given(
    name=st.one_of(st.sampled_from(["reports", "meeting_places", "zones", "boundary", "users"]), junk),
    query=st.fixed_dictionaries({}, optional={"bbox": bbox, "limit": whole}),
)
def test_any_layer_name_and_box_is_geojson_or_a_json_error(base: str, name: str, query: dict[str, str]) -> None:
    reply = fetch(f"{base}/api/layers/{quote(name, safe='')}.geojson?{urlencode(query)}")
    if reply.status == 404 and not name:
        return  # "/api/layers/.geojson": no layer name at all, still the JSON 404 of /api/
    assert_layer_answer(reply)


@PROPERTIES
@given(path=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3))
def test_any_other_path_under_api_is_a_json_404(base: str, path: list[str]) -> None:
    reply = fetch(f"{base}/api/" + "/".join(quote(p, safe="") for p in path))
    if reply.status == 200:  # it named a layer after all
        assert reply.headers["content-type"].startswith("application/geo+json")
        return
    assert reply.status in (400, 404), (reply.status, reply.body[:200])
    assert reply.headers["content-type"].startswith("application/json")
    body = json.loads(reply.body)
    assert body["code"] == reply.status and b"<html" not in reply.body.lower()


def test_the_strategies_reach_a_valid_report(base: str) -> None:
    # The POST property must be able to succeed, or it tests only refusals.
    lon, lat = MARKARYD
    form = {"service_code": "trafik", "lat": str(lat), "long": str(lon), "api_key": KEY}
    assert fetch(f"{base}/open311/v2/requests.json", form).status == 201
