"""Open311 GeoReport v2 against a real `streamlit run serve.py` (one server for the module).

The server has API keys configured (TRYGG_OPEN311_API_KEYS) and a rate limit of 5 POSTs;
test_geojson_api.py runs one without keys.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from geo.privacy import coarsen_points
from geo.store import Store
from tests.conftest import NO_SMTP_SERVER
from tests.http.conftest import MARKARYD, RunningApp, api_server, fetch

KEY = "nyckel-2026"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, app_database_url: str
) -> Iterator[tuple[RunningApp, dict[str, str]]]:
    with api_server(
        tmp_path_factory.mktemp("open311"),
        app_database_url,
        {"TRYGG_OPEN311_API_KEYS": f"annan,{KEY}", "TRYGG_OPEN311_RATE_LIMIT": "5", "TRYGG_SMTP_URL": NO_SMTP_SERVER},
    ) as served:
        yield served


@pytest.fixture
def base(server: tuple[RunningApp, dict[str, str]]) -> str:
    return server[0].url + "/open311/v2"


@pytest.fixture
def db_url(server: tuple[RunningApp, dict[str, str]]) -> str:
    return server[0].database_url


@pytest.fixture
def codes(server: tuple[RunningApp, dict[str, str]]) -> dict[str, str]:
    return server[1]


def report(**fields: str) -> dict[str, str]:
    lon, lat = MARKARYD
    return {"service_code": "dalig_belysning", "lat": str(lat), "long": str(lon), "api_key": KEY, **fields}


def assert_error(reply: object, status: int, needle: str = "") -> None:
    assert reply.status == status, reply.body
    body = reply.json()
    assert isinstance(body, list) and body[0]["code"] == status
    assert needle in body[0]["description"]
    assert "Traceback" not in reply.text


# -- discovery and services --------------------------------------------------------------------


def test_discovery_names_the_endpoint_and_formats(base: str) -> None:
    reply = fetch(f"{base}/discovery.json")
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/json")
    (endpoint,) = reply.json()["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and endpoint["formats"] == ["application/json", "text/xml"]
    xml = ET.fromstring(fetch(f"{base}/discovery.xml").body)
    assert xml.tag == "discovery" and xml.find("endpoints/endpoint/formats/format") is not None


def test_services_list_the_active_categories_in_json_and_xml(base: str, db_url: str) -> None:
    services = fetch(f"{base}/services.json").json()
    store = Store.open(db_url)
    assert [s["service_code"] for s in services] == [c.code for c in store.categories()]
    light = next(s for s in services if s["service_code"] == "dalig_belysning")
    assert light["service_name"] == "Dålig belysning" and light["metadata"] is True and light["type"] == "realtime"
    assert fetch(f"{base}/services.json?locale=en").json()[0]["service_name"] == "Poor lighting"
    reply = fetch(f"{base}/services.xml")
    assert reply.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(reply.body)
    assert root.tag == "services" and [s.findtext("service_code") for s in root] == [c.code for c in store.categories()]


def test_service_definition_and_unknown_service(base: str) -> None:
    definition = fetch(f"{base}/services/dalig_belysning.json").json()
    (attribute,) = definition["attributes"]
    assert definition["service_code"] == "dalig_belysning"
    assert attribute["code"] == "time_of_day" and attribute["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attribute["values"]] == ["dag", "kvall", "natt"]
    root = ET.fromstring(fetch(f"{base}/services/dalig_belysning.xml").body)
    assert root.tag == "service_definition" and root.findtext("attributes/attribute/code") == "time_of_day"
    assert_error(fetch(f"{base}/services/finns_inte.json"), 404, "finns_inte")
    missing = fetch(f"{base}/services/finns_inte.xml")
    assert missing.status == 404 and ET.fromstring(missing.body).findtext("error/code") == "404"


def test_unknown_format_is_an_error(base: str) -> None:
    assert_error(fetch(f"{base}/services.csv"), 404, "json, xml")


# -- GET requests -------------------------------------------------------------------------------


def test_requests_show_published_reports_of_the_last_90_days_coarsened_and_scrubbed(base: str, codes: dict) -> None:
    found = fetch(f"{base}/requests.json").json()
    ids = [r["service_request_id"] for r in found]
    assert ids == [codes["fresh_open"], codes["fresh_closed"], codes["planned"]]  # newest first
    first = found[0]
    assert first["description"] == "Mörkt, ring [borttaget]"
    lon, lat = coarsen_points([13.60012], [56.46034])
    assert (first["long"], first["lat"]) == (round(float(lon[0]), 6), round(float(lat[0]), 6))
    assert (first["long"], first["lat"]) != (13.60012, 56.46034)
    requested = dt.datetime.fromisoformat(first["requested_datetime"])
    assert requested.tzinfo is not None and first["requested_datetime"][-6:] in ("+01:00", "+02:00")
    assert {"service_code", "service_name", "status_notes", "updated_datetime", "agency_responsible"} <= set(first)
    assert [r["status"] for r in found] == ["open", "closed", "open"]


def test_requests_filters(base: str, codes: dict) -> None:
    def ids(query: str) -> list[str]:
        reply = fetch(f"{base}/requests.json?{query}")
        assert reply.status == 200, reply.body
        return [r["service_request_id"] for r in reply.json()]

    assert ids("status=closed") == [codes["fresh_closed"]]
    assert ids("status=open") == [codes["fresh_open"], codes["planned"]]
    assert ids("status=open,closed") == [codes["fresh_open"], codes["fresh_closed"], codes["planned"]]
    assert ids("service_code=klotter_skadegorelse") == [codes["fresh_closed"]]
    assert ids("service_code=klotter_skadegorelse,dalig_belysning&status=open") == [
        codes["fresh_open"],
        codes["planned"],
    ]
    now = dt.datetime.now(dt.UTC)
    start, end = (now - dt.timedelta(days=20)).isoformat(), (now - dt.timedelta(days=5)).isoformat()
    assert ids(f"start_date={quote(start)}&end_date={quote(end)}") == [codes["fresh_closed"]]
    old_start = (now - dt.timedelta(days=230)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"start_date={old_start}") == [codes["old"]]  # start + 90 days
    both = f"{codes['old']},{codes['pending']},{codes['fresh_open']}"
    assert sorted(ids(f"service_request_id={both}&status=closed")) == sorted([codes["old"], codes["fresh_open"]])


def test_requests_filter_errors(base: str) -> None:
    assert_error(fetch(f"{base}/requests.json?status=pending"), 400, "open")
    assert_error(fetch(f"{base}/requests.json?start_date=ig%C3%A5r"), 400, "start_date")
    assert_error(
        fetch(f"{base}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z"), 400, "90"
    )
    assert_error(fetch(f"{base}/requests.json?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"), 400)
    bad = fetch(f"{base}/requests.xml?status=pending")
    assert bad.status == 400 and ET.fromstring(bad.body).tag == "errors"


def test_issue_15_requests_come_in_numbered_pages(base: str, codes: dict) -> None:
    first = fetch(f"{base}/requests.json?page_size=2")
    assert [r["service_request_id"] for r in first.json()] == [codes["fresh_open"], codes["fresh_closed"]]
    following = first.headers["link"].split(">")[0].lstrip("<")
    assert first.headers["link"].endswith('rel="next"') and "page=2" in following
    second = fetch(following)
    assert [r["service_request_id"] for r in second.json()] == [codes["planned"]]
    assert "link" not in second.headers
    assert fetch(f"{base}/requests.json?page_size=2&page=3").json() == []
    for query in ("page_size=0", "page_size=1001", "page=0", "page=x", "page_size=-1", "page=99999999"):
        assert_error(fetch(f"{base}/requests.json?{query}"), 400, query.split("=")[0])


@pytest.mark.parametrize(
    "query",
    [
        "start_date=0001-01-01",  # year 1: minus 90 days does not exist
        "end_date=0001-01-01T00:00:00Z",
        "start_date=9999-12-31",  # plus 90 days does not exist
        "end_date=9999-12-31T23:59:59%2B01:00",
        "start_date=3000-01-01&end_date=3000-02-01",
        "start_date=2026-02-30",
        "start_date=2026-13-01",
        "end_date=%00",
        "start_date=99999-01-01",
    ],
)
def test_issue_15_dates_out_of_range_or_malformed_are_400_not_500(base: str, query: str) -> None:
    assert_error(fetch(f"{base}/requests.json?{query}"), 400, "_date")
    bad = fetch(f"{base}/requests.xml?{query}")
    assert bad.status == 400 and ET.fromstring(bad.body).findtext("error/code") == "400"


@pytest.mark.parametrize(
    "path", ["/service/x.xml", "/tokens/abc.json", "/requests", "/reports.json", "/services", "", "/"]
)
def test_issue_15_unknown_paths_are_404_with_the_error_list_not_the_app(base: str, path: str) -> None:
    reply = fetch(base + path)
    assert reply.status == 404, reply.body[:200]
    assert b"<html" not in reply.body.lower()
    if path.endswith(".xml"):
        root = ET.fromstring(reply.body)
        assert root.tag == "errors" and root.findtext("error/code") == "404"
    else:
        assert_error(reply, 404, path.rsplit("/", 1)[-1])


def test_issue_15_a_resource_asked_with_the_wrong_method_is_405(base: str) -> None:
    reply = fetch(f"{base}/discovery.json", method="DELETE")
    assert_error(reply, 405, "GET")
    assert reply.headers["allow"] == "GET, HEAD"
    assert_error(fetch(f"{base}/requests/ABCDEFGH.json", report()), 405)


def test_issue_15_unknown_paths_under_api_are_404_json(base: str) -> None:
    root = base.removesuffix("/open311/v2")
    for path in ("/api", "/api/", "/api/reports.json", "/api/layers", "/api/layers/reports.json", "/api/x/y/z"):
        reply = fetch(root + path)
        assert reply.status == 404 and reply.headers["content-type"].startswith("application/json"), path
        assert reply.json()["code"] == 404 and b"<html" not in reply.body.lower()


def test_single_request_by_reference_code(base: str, codes: dict) -> None:
    (found,) = fetch(f"{base}/requests/{codes['planned']}.json").json()
    assert found["service_request_id"] == codes["planned"] and found["status"] == "open"
    root = ET.fromstring(fetch(f"{base}/requests/{codes['planned'].lower()}.xml").body)
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == codes["planned"]
    for hidden in (codes["pending"], codes["rejected"], "ZZZZZZZZ", "nonsense"):
        assert_error(fetch(f"{base}/requests/{hidden}.json"), 404)


# -- POST requests ----------------------------------------------------------------------------


def test_post_needs_the_api_key_when_keys_are_configured(base: str) -> None:
    assert_error(fetch(f"{base}/requests.json", {k: v for k, v in report().items() if k != "api_key"}), 403)
    assert_error(fetch(f"{base}/requests.json", report(api_key="fel")), 403, "API")


def test_issue_15_the_api_key_may_come_in_the_query_string(base: str) -> None:
    without = {k: v for k, v in report(description="Nyckeln i adressen").items() if k != "api_key"}
    reply = fetch(f"{base}/requests.json?api_key={KEY}", without)
    assert reply.status == 201, reply.body
    assert_error(fetch(f"{base}/requests.json?api_key=fel", without), 403)


def test_post_validation_errors(base: str) -> None:
    assert_error(fetch(f"{base}/requests.json", report(service_code="")), 400, "service_code")
    assert_error(fetch(f"{base}/requests.json", report(service_code="finns_inte")), 400, "finns_inte")
    assert_error(fetch(f"{base}/requests.json", report(lat="")), 400, "lat")
    assert_error(fetch(f"{base}/requests.json", report(long="öster")), 400, "long")
    assert_error(fetch(f"{base}/requests.json", report(lat="55.605", long="13.0038")), 400)  # Malmö: outside
    assert_error(fetch(f"{base}/requests.json", report(description="x" * 1001)), 400)
    assert_error(fetch(f"{base}/requests.json", report(email="inte-en-adress")), 400)
    english = fetch(f"{base}/requests.json", report(lat="55.605", long="13.0038", locale="en"))
    assert english.status == 400 and english.json()[0]["description"].isascii()


def test_post_is_stored_scrubbed_and_pending_and_can_be_followed(base: str, db_url: str) -> None:
    text = "Mörkt vid tunneln. Mitt personnummer är 811218-9876, ring 070-123 45 67"
    reply = fetch(
        f"{base}/requests.json",
        report(description=text, email="boende@example.se", **{"attribute[time_of_day]": "natt"}),
    )
    assert reply.status == 201, reply.body
    (created,) = reply.json()
    code = created["service_request_id"]
    store = Store.open(db_url)
    row = store.report_by_ref(code)
    assert row["text"] == "Mörkt vid tunneln. Mitt personnummer är [borttaget], ring [borttaget]"
    assert "811218" not in str(row)
    assert (row["moderation"], row["status"], row["source"], row["time_of_day"]) == ("pending", "ny", "open311", "natt")
    assert store.report_contact(row["id"]) == "boende@example.se"
    assert_error(fetch(f"{base}/requests/{code}.json"), 404)  # not public until moderated
    store.close()


def test_post_xml_and_the_global_rate_limit(base: str, db_url: str) -> None:
    reply = fetch(f"{base}/requests.xml", report(description="XML-klient"))
    assert reply.status == 201 and ET.fromstring(reply.body).findtext("request/service_request_id")
    statuses = [fetch(f"{base}/requests.json", report(description=f"nummer {i}")).status for i in range(5)]
    assert 429 in statuses and statuses[: statuses.index(429)] == [201] * statuses.index(429)
    limited = fetch(f"{base}/requests.json", report(description="en till"))
    assert_error(limited, 429)
    store = Store.open(db_url)
    assert (store.reports_frame(columns=["source"])["source"] == "open311").sum() == 5
    store.close()
