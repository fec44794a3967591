"""HTTP routes served by the app's own process: Open311 GeoReport v2 and GeoJSON layers.

`routes()` returns Starlette routes and `middleware()` serves them ahead of Streamlit's
own middleware (`ApiFirst`); ``serve.py`` mounts it with Streamlit's
``st.App(middleware=...)``, so ``streamlit run serve.py`` serves the app and these together.

**Open311 GeoReport v2** under ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2),
every resource as ``.json`` or ``.xml``:

- ``GET discovery``: the endpoint, its formats and the specification.
- ``GET services``: the active report categories (``service_code`` = category code),
  each with one optional attribute, ``time_of_day`` (dag/kvall/natt).
- ``GET services/{code}``: that service definition.
- ``POST requests`` (form-encoded ``service_code``, ``lat``, ``long``, ``description``,
  optional ``email``, ``attribute[time_of_day]``, ``locale``; ``api_key`` in the body or
  the query string when ``TRYGG_OPEN311_API_KEYS`` is set, else 403): the Rapportera path
  (`geo.reporting`): same validation, scrubbing and pending moderation, with
  ``source = open311``, and a rate limit shared by all clients (no IP address is kept).
- ``GET requests`` (``service_request_id``, ``service_code``, ``start_date``,
  ``end_date``, ``status`` = open/closed, ``page_size`` ≤ 1000, ``page``; filters, order
  and page in SQL, a ``Link: <…>; rel="next"`` header while more follow) and
  ``GET requests/{id}`` (the reference code): published reports only, located at the
  centre of their 50 m cell, text scrubbed.

Errors are ``[{"code": 400, "description": "…"}]`` (or ``<errors>`` in XML) with
status 400, 403, 404, 405, 413, 429 or 500; never a traceback. Any other path under
``/open311/v2/`` is 404 in that form (XML when it ends in ``.xml``), never the app's page.

**GeoJSON** ``GET /api/layers/{name}.geojson`` (the layers of `geo.registry` that have a public face), optional
``bbox=minlon,minlat,maxlon,maxlat`` (EPSG:4326): the public face of the layer, as the
public exports give it. Reports come a page at a time (`geo.feed`): newest first,
``limit`` (≤ 10,000, default 1,000) a page, a ``next`` link (OGC API – Features) with a
cursor, the explore map's filters as parameters (``cat``, ``feeling``, ``tod``,
``status``, ``zone``, ``from``, ``to``). Every layer answer carries ``ETag`` and
``Last-Modified`` from the data version and is 304 for a matching ``If-None-Match``;
Streamlit's middleware gzips it for clients that accept gzip. Errors and other paths
under ``/api/`` are ``{"code": …, "description": "…"}``. All coordinates are EPSG:4326
(WGS84 lon/lat degrees).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

import geopandas as gpd
import pandas as pd
import shapely
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from geo import promises, registry
from geo.config import LOCAL_TIME_ZONE, Settings, load_settings
from geo.feed import PUBLIC_COLUMNS, Box, Cursor, Page, public_reports_page, public_rows
from geo.i18n import normalize_language, translate
from geo.io import layer_frame, time_of_day_at
from geo.layers import ReportFilter, report_query
from geo.model import Category, Feeling, Role, Source, Status, TimeOfDay, ZoneKind
from geo.municipality import current as current_municipality
from geo.reporting import ReportDraft, normalize_ref_code, submit, take_submission_slot, validate
from geo.startup import app_store
from geo.store import Store, StoreError

LOG = logging.getLogger(__name__)
OPEN311 = "/open311/v2"
MAX_REQUESTS = 1000
"""Most service requests one ``GET requests`` returns (newest first), as the spec allows."""
MAX_PAGE_NUMBER = 1_000_000
"""The highest ``page`` of ``GET requests`` (a higher one is refused, not read)."""
DEFAULT_DAYS = 90
"""Without dates, ``GET requests`` covers the last 90 days; a range may not span more."""
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
"""The dates ``start_date``/``end_date`` may name; others get 400 (issue #15: year 1 and
year 9999 crashed the date arithmetic)."""
MAX_BODY_BYTES = 64 * 1024
RATE_WINDOW_S = 600.0
FORMATS = ("json", "xml")
GEOJSON = "application/geo+json"
PAGE_SIZE = 1000
"""Reports in one page of ``/api/layers/reports.geojson`` unless ``limit`` says otherwise."""
MAX_PAGE_SIZE = 10_000


class ApiError(Exception):
    """An error the client should see: HTTP ``status`` and a description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# -- shared state ----------------------------------------------------------------------------


# -- responses ---------------------------------------------------------------------------------


def _json(data: Any, status: int = 200, media_type: str = "application/json") -> Response:
    body = json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
    headers = {"Access-Control-Allow-Origin": "*"}
    return Response(body, status_code=status, media_type=f"{media_type}; charset=utf-8", headers=headers)


def _xml_element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, Mapping):
        for key, item in value.items():
            element.append(_xml_element(key, item))
    elif isinstance(value, list | tuple):
        child_tag = _XML_ITEMS.get(tag, "item")
        for item in value:
            element.append(_xml_element(child_tag, item))
    elif value is not None:
        element.text = _XML_UNSAFE.sub("\ufffd", str(value).lower() if isinstance(value, bool) else str(value))
    return element


_XML_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot hold (control characters, lone surrogates): an echoed
parameter holding one would make the whole answer unreadable, so it becomes U+FFFD."""


_XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "keywords": "keyword",
}


def _xml(root: str, data: Any, status: int = 200) -> Response:
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(_xml_element(root, data), encoding="utf-8")
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def _respond(fmt: str, root: str, data: Any, status: int = 200) -> Response:
    return _xml(root, data, status) if fmt == "xml" else _json(data, status)


def _open311_error(fmt: str, status: int, description: str) -> Response:
    return _respond(fmt, "errors", [{"code": status, "description": description}], status)


def _language(request: Request, form: Mapping[str, str] | None = None) -> str:
    """``locale`` of the form or query, else the first of Accept-Language, else Swedish."""
    wanted = (form or {}).get("locale") or request.query_params.get("locale")
    if not wanted:
        wanted = request.headers.get("accept-language", "").split(",")[0].split(";")[0]
    return normalize_language(wanted)


def _format(request: Request) -> str:
    fmt = request.path_params.get("fmt", "json")
    if fmt not in FORMATS:
        raise ApiError(404, translate("api.error.format", "sv", formats="json, xml"))
    return fmt


Handler = Callable[[Request], Awaitable[Response]]


def _open311(handler: Handler) -> Handler:
    """Turn every failure into the spec's error list; never a traceback."""

    async def wrapped(request: Request) -> Response:
        fmt = request.path_params.get("fmt", "json")
        fmt = fmt if fmt in FORMATS else "json"
        try:
            return await handler(request)
        except ApiError as error:
            return _open311_error(fmt, error.status, error.description)
        except StoreError:
            LOG.exception("Open311: database unavailable")
            return _open311_error(fmt, 503, translate("api.error.unavailable", _language(request)))
        except Exception:
            LOG.exception("Open311: unexpected error")
            return _open311_error(fmt, 500, translate("api.error.internal", _language(request)))

    return wrapped


# -- Open311: discovery and services ------------------------------------------------------------


def _settings() -> Settings:
    return load_settings()


def _db() -> Store:
    return app_store(_settings())


async def discovery(request: Request) -> Response:
    fmt = _format(request)
    lang = _language(request)
    base = str(request.base_url).rstrip("/") + OPEN311 + "/"
    municipality = await run_in_threadpool(lambda: current_municipality(_db()))
    contact = municipality.text("open311_contact", lang) if municipality is not None else None
    # the municipality's contact (its settings, geo.municipality), else the catalogue's general words;
    # then where the medborgarlöften are followed up in public, when there are any
    contact = contact or translate("api.contact", lang)
    if await run_in_threadpool(lambda: bool(promises.promises(_db()))):
        site = str(request.base_url).rstrip("/")
        contact += " " + translate("api.promises", lang, url=f"{site}{promises.PAGE_PATH}")
    data = {
        "changeset": "2026-11-23T00:00:00+01:00",
        "contact": contact,
        "key_service": translate("api.key_service", _language(request)),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-23T00:00:00+01:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return _respond(fmt, "discovery", data)


def _service(category: Category, lang: str) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.label(lang),
        "description": category.help.get(lang) or category.help.get("sv") or "",
        "metadata": True,
        "type": "realtime",
        "keywords": category.feeling.value,
        "group": translate(f"feeling.{category.feeling.value}", lang),
    }


async def services(request: Request) -> Response:
    fmt = _format(request)
    lang = _language(request)
    categories = await run_in_threadpool(lambda: _db().categories())
    return _respond(fmt, "services", [_service(c, lang) for c in categories])


def _time_of_day_attribute(lang: str) -> dict[str, Any]:
    return {
        "variable": True,
        "code": "time_of_day",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": translate("api.time_of_day_help", lang),
        "order": 1,
        "description": translate("api.time_of_day", lang),
        "values": [{"key": t.value, "name": translate(f"time_of_day.{t.value}", lang)} for t in TimeOfDay],
    }


async def service_definition(request: Request) -> Response:
    fmt = _format(request)
    lang = _language(request)
    code = request.path_params["code"]
    categories = await run_in_threadpool(lambda: _db().categories())
    if code not in {c.code for c in categories}:
        raise ApiError(404, translate("api.error.no_service", lang, code=code))
    return _respond(fmt, "service_definition", {"service_code": code, "attributes": [_time_of_day_attribute(lang)]})


# -- Open311: requests --------------------------------------------------------------------------


def _moment(value: dt.datetime | pd.Timestamp) -> str:
    """ISO 8601 with the zone, in Swedish local time: ``2026-11-01T13:00:00+01:00``."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return value.astimezone(LOCAL_TIME_ZONE).isoformat(timespec="seconds")


def _parse_moment(value: str, name: str, lang: str) -> dt.datetime:
    """An ISO 8601 date or date and time (without a zone: Swedish local time) as UTC;
    `ApiError` 400 when malformed or outside `EARLIEST`–`LATEST` (dates a day can be
    added to and that a database stores)."""
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace(" ", "+") if "T" in value else value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=LOCAL_TIME_ZONE)
        moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ApiError(400, translate("api.error.bad_date", lang, name=name, value=value)) from None
    if not EARLIEST <= moment <= LATEST:
        first, last = EARLIEST.date().isoformat(), LATEST.date().isoformat()
        raise ApiError(400, translate("api.error.date_range", lang, name=name, value=value, first=first, last=last))
    return moment


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _request_rows(
    store: Store,
    *,
    codes: Sequence[str] = (),
    services: Sequence[str] = (),
    statuses: Sequence[str] = (),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    limit: int = MAX_REQUESTS,
    offset: int = 0,
) -> pd.DataFrame:
    """Published reports matching the filters, newest first, ``limit`` of them after the
    first ``offset`` (ordered and cut in SQL), as the public sees them (`geo.feed.public_rows`:
    at the centre of their 50 m cell, EPSG:4326, text scrubbed)."""
    query = report_query(
        ReportFilter(categories=tuple(services), statuses=tuple(statuses)),
        Role.PUBLIC,
        ref_codes=tuple(codes),
        created_from=start,
        created_until=end,
        newest_first=True,
        limit=limit,
        offset=offset,
    )
    columns = ("ref_code", "category", "status", "public_comment", "text", "created_at", "updated_at", "lon", "lat")
    return public_rows(store.reports_frame(query, columns=columns))


def _service_request(row: Mapping[str, Any], names: Mapping[str, str], lang: str) -> dict[str, Any]:
    status = Status(row["status"])
    return {
        "service_request_id": row["ref_code"],
        "status": status.open311,
        "status_notes": row["public_comment"] or translate(f"status.{status.value}", lang),
        "service_name": names.get(row["category"], row["category"]),
        "service_code": row["category"],
        "description": row["text"] or "",  # scrubbed by the public face
        "agency_responsible": translate("api.agency", lang),
        "service_notice": "",
        "requested_datetime": _moment(row["created_at"]),
        "updated_datetime": _moment(row["updated_at"]),
        "expected_datetime": None,
        "address": "",
        "address_id": None,
        "zipcode": None,
        "lat": round(float(row["lat"]), 6),
        "long": round(float(row["lon"]), 6),
        "media_url": None,
    }


def _category_names(store: Store, lang: str) -> dict[str, str]:
    return {c.code: c.label(lang) for c in store.categories(include_inactive=True)}


def _whole_number(query: Mapping[str, str], name: str, default: int, most: int, lang: str) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().isdigit() or not 1 <= int(raw.strip()) <= most:
        raise ApiError(400, translate("api.error.whole_number", lang, name=name, most=most, value=raw))
    return int(raw.strip())


def _request_filters(query: Mapping[str, str], lang: str) -> dict[str, Any]:
    """The filters of ``GET requests`` (`_request_rows`'s keywords); `ApiError` 400 when one is malformed."""
    if query.get("service_request_id"):
        # The spec: with service_request_id, every other parameter is ignored.
        codes = [c for c in (normalize_ref_code(v) for v in _split(query.get("service_request_id"))) if c]
        return {"codes": codes or ["-"]}
    statuses: list[str] = []
    for wanted in _split(query.get("status")):
        if wanted not in ("open", "closed"):
            raise ApiError(400, translate("api.error.bad_status", lang, value=wanted))
        statuses += [s.value for s in Status if s.open311 == wanted]
    start = _parse_moment(query["start_date"], "start_date", lang) if query.get("start_date") else None
    end = _parse_moment(query["end_date"], "end_date", lang) if query.get("end_date") else None
    span = dt.timedelta(days=DEFAULT_DAYS)
    if start is None and end is None:
        end = dt.datetime.now(dt.UTC)
    if start is None:
        start = end - span  # type: ignore[operator]
    elif end is None:
        end = start + span
    if end < start:
        raise ApiError(400, translate("api.error.end_before_start", lang))
    if end - start > span:
        raise ApiError(400, translate("api.error.span", lang, days=DEFAULT_DAYS))
    return {"services": _split(query.get("service_code")), "statuses": statuses, "start": start, "end": end}


async def list_requests(request: Request) -> Response:
    """``GET requests``: one page of published reports, newest first. ``page_size``
    (1–1000, default 1000) and ``page`` (from 1) number the pages; a ``Link`` header
    names the next page while there is one."""
    fmt = _format(request)
    lang = _language(request)
    query = request.query_params
    filters = _request_filters(query, lang)
    size = _whole_number(query, "page_size", MAX_REQUESTS, MAX_REQUESTS, lang)
    number = _whole_number(query, "page", 1, MAX_PAGE_NUMBER, lang)

    def work() -> tuple[list[dict[str, Any]], bool]:
        store = _db()
        names = _category_names(store, lang)
        rows = _request_rows(store, **filters, limit=size + 1, offset=(number - 1) * size)
        return [_service_request(row, names, lang) for row in rows.head(size).to_dict("records")], len(rows) > size

    found, more = await run_in_threadpool(work)
    response = _respond(fmt, "service_requests", found)
    if more:
        following = request.url.include_query_params(page=number + 1, page_size=size)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


async def get_request(request: Request) -> Response:
    fmt = _format(request)
    lang = _language(request)
    code = normalize_ref_code(request.path_params["code"])

    def work() -> list[dict[str, Any]]:
        if code is None:
            return []
        store = _db()
        names = _category_names(store, lang)
        return [_service_request(row, names, lang) for row in _request_rows(store, codes=[code]).to_dict("records")]

    found = await run_in_threadpool(work)
    if not found:
        raise ApiError(404, translate("api.error.no_request", lang, id=request.path_params["code"]))
    return _respond(fmt, "service_requests", found)


async def _form(request: Request) -> dict[str, str]:
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        raise ApiError(413, translate("api.error.too_large", "sv"))
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, translate("api.error.too_large", "sv"))
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


def _coordinate(form: Mapping[str, str], name: str, lang: str) -> float:
    raw = form.get(name, "").strip()
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, translate("api.error.bad_coordinate", lang, name=name, value=raw)) from None
    if not math.isfinite(value):
        raise ApiError(400, translate("api.error.bad_coordinate", lang, name=name, value=raw))
    return value


async def post_request(request: Request) -> Response:
    fmt = _format(request)
    form = await _form(request)
    lang = _language(request, form)
    settings = _settings()
    api_key = form.get("api_key") or request.query_params.get("api_key", "")  # clients send either
    if settings.open311_api_keys and api_key not in settings.open311_api_keys:
        raise ApiError(403, translate("api.error.api_key", lang))
    code = form.get("service_code", "").strip()
    if not code:
        raise ApiError(400, translate("api.error.missing", lang, name="service_code"))
    if not form.get("lat", "").strip() or not form.get("long", "").strip():
        raise ApiError(400, translate("api.error.location", lang))
    lat = _coordinate(form, "lat", lang)
    lon = _coordinate(form, "long", lang)
    tod = form.get("attribute[time_of_day]", "").strip() or time_of_day_at(dt.datetime.now(dt.UTC)).value

    def work() -> str:
        store = _db()
        categories = store.categories()
        category = next((c for c in categories if c.code == code), None)
        if category is None:
            raise ApiError(400, translate("api.error.no_service", lang, code=code))
        email = form.get("email", "").strip()
        draft = ReportDraft(
            lon=lon,
            lat=lat,
            feeling=category.feeling.value,
            category=code,
            time_of_day=tod,
            text=form.get("description", ""),
            email=email,
            email_consent=bool(email),  # the client asked the resident before sending it
            language=lang,
        )
        found = store.boundary()
        problems = validate(draft, boundary=found[1] if found else None, categories=categories)
        if problems:
            raise ApiError(400, " ".join(translate(p.key, lang) for p in problems))
        if take_submission_slot(store, open311_limit=settings.open311_rate_limit):
            raise ApiError(429, translate("api.error.rate_limit", lang))
        return submit(store, draft, source=Source.OPEN311).ref_code

    ref_code = await run_in_threadpool(work)
    data = [{"service_request_id": ref_code, "service_notice": translate("api.notice", lang), "account_id": None}]
    return _respond(fmt, "service_requests", data, status=201)


# -- GeoJSON layers ------------------------------------------------------------------------------


def _bbox(value: str | None) -> Box | None:
    """``"minlon,minlat,maxlon,maxlat"`` (EPSG:4326 degrees) → a tuple; ValueError when malformed."""
    if value is None:
        return None
    parts = [float(p) for p in value.split(",")]
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise ValueError(value)
    minx, miny, maxx, maxy = parts
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(value)
    return minx, miny, maxx, maxy


def layer_geojson(store: Store, name: str, bbox: Box | None = None, *, site: str = "") -> dict[str, Any]:
    """The public face of layer ``name`` as a GeoJSON FeatureCollection (EPSG:4326), only
    the features that meet ``bbox`` (min lon, min lat, max lon, max lat; edges included).
    For the small layers (meeting places, zones, boundary); reports come a page at a time
    (`geo.feed.public_reports_page`). Zones carry ``promise_page``: the address of a
    medborgarlöfte's public page after ``site`` (the app's address), null for other zones."""
    added = {"promise_page": lambda zones: _promise_pages(zones, site)} if name == registry.ZONES.name else {}
    frame: gpd.GeoDataFrame = layer_frame(store, Role.PUBLIC, name, added=added)
    if bbox is not None and not frame.empty:
        frame = frame[frame.geometry.intersects(shapely.box(*bbox))]
    return json.loads(frame.to_json(drop_id=True, na="null"))


def _promise_pages(zones: gpd.GeoDataFrame, site: str) -> pd.Series:
    """Each zone's ``promise_page``: its public page (`geo.promises.page_url`, after ``site``)
    when it is a medborgarlöfte, for other services to link to; None for other zones."""
    pages = [
        promises.page_url(str(zone_id), site=site) if kind == ZoneKind.MEDBORGARLOFTE.value else None
        for zone_id, kind in zip(zones["id"], zones["kind"], strict=True)
    ]
    return pd.Series(pages, index=zones.index, dtype=object)


def _report_feature(row: Mapping[str, Any]) -> dict[str, Any]:
    properties = {key: row[key] for key in PUBLIC_COLUMNS}
    for moment in ("created_at", "updated_at"):
        properties[moment] = row[moment].isoformat()
    properties["supporters"] = int(row["supporters"])
    coordinates = [float(row["lon"]), float(row["lat"])]
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates}, "properties": properties}


def _links(request: Request, page: Page | None) -> list[dict[str, str]]:
    links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if page is not None and page.next is not None:
        following = request.url.include_query_params(cursor=page.next.encode())
        links.append({"href": str(following), "rel": "next", "type": GEOJSON})
    return links


def _collection(request: Request, features: list[dict[str, Any]], page: Page | None) -> dict[str, Any]:
    """A FeatureCollection as OGC API – Features sends one: its features, how many, and links."""
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberReturned": len(features),
        "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "links": _links(request, page),
    }


def _etag(version: int) -> str:
    return f'W/"data-{version}"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or wanted in tags


async def geojson_layer(request: Request) -> Response:
    """``GET /api/layers/{name}.geojson``: 304 when ``If-None-Match`` names the current
    data version, else the layer (reports one page at a time) with ``ETag`` and
    ``Last-Modified``; 400/404 with ``{"code", "description"}`` for bad parameters."""
    name = request.path_params["name"]
    lang = _language(request)
    try:
        public = registry.public_layers()  # a layer without a public face is not served here
        if name not in public:
            raise ApiError(404, translate("api.error.no_layer", lang, layers=", ".join(public)))
        wanted = _layer_query(request.query_params, lang)
        version = await run_in_threadpool(lambda: _db().data_version())
        # when any process of the app first served this version (kept in the database, so that
        # several processes behind one proxy give the same Last-Modified): moves only forward
        seen = await run_in_threadpool(lambda: _db().version_seen_at(version))
        etag = _etag(version)
        validators = {"ETag": etag, "Last-Modified": format_datetime(seen, usegmt=True)}
        validators["Cache-Control"] = "public, no-cache"
        if _matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=validators)
        data = await run_in_threadpool(lambda: _layer_data(request, name, wanted, lang))
    except ApiError as error:
        return _json({"code": error.status, "description": error.description}, error.status)
    except StoreError:
        LOG.exception("GeoJSON: database unavailable")
        return _json({"code": 503, "description": translate("api.error.unavailable", lang)}, 503)
    except Exception:
        LOG.exception("GeoJSON: unexpected error")
        return _json({"code": 500, "description": translate("api.error.internal", lang)}, 500)
    response = _json(data, media_type=GEOJSON)
    response.headers.update(validators)
    following = next((link["href"] for link in data["links"] if link["rel"] == "next"), None)
    if following:
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@dataclass(frozen=True)
class LayerQuery:
    """The parameters of ``GET /api/layers/{name}.geojson``, checked."""

    bbox: Box | None
    flt: ReportFilter
    limit: int
    after: Cursor | None


def _choices(query: Mapping[str, str], name: str, allowed: Sequence[str], lang: str) -> tuple[str, ...]:
    chosen = tuple(_split(query.get(name)))
    wrong = [value for value in chosen if value not in allowed]
    if wrong:
        raise _bad_choice(name, wrong[0], allowed, lang)
    return chosen


def _bad_choice(name: str, value: str, allowed: Sequence[str], lang: str) -> ApiError:
    return ApiError(400, translate("api.error.bad_choice", lang, name=name, value=value, allowed=", ".join(allowed)))


def _day(query: Mapping[str, str], name: str, lang: str) -> dt.date | None:
    raw = query.get(name)
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw.strip())
    except ValueError:
        day = None
    if day is None or not EARLIEST.date() <= day <= LATEST.date():
        first, last = EARLIEST.date().isoformat(), LATEST.date().isoformat()
        raise ApiError(400, translate("api.error.bad_day", lang, name=name, value=raw, first=first, last=last))
    return day


def _layer_query(query: Mapping[str, str], lang: str) -> LayerQuery:
    """The layer's parameters: ``bbox``, and for reports ``limit``, ``cursor`` and the
    explore map's filters (``cat``, ``feeling``, ``tod``, ``status``, ``zone``, ``from``,
    ``to``, as in the map's URL); `ApiError` 400 naming the first malformed one."""
    try:
        bbox = _bbox(query.get("bbox"))
    except ValueError:
        raise ApiError(400, translate("api.error.bbox", lang, value=query.get("bbox", ""))) from None
    try:
        after = Cursor.decode(query["cursor"]) if query.get("cursor") else None
    except ValueError:
        raise ApiError(400, translate("api.error.cursor", lang)) from None
    flt = ReportFilter(
        categories=tuple(_split(query.get("cat"))),  # checked against the database's categories
        feelings=_choices(query, "feeling", [f.value for f in Feeling], lang),
        times_of_day=_choices(query, "tod", [t.value for t in TimeOfDay], lang),
        statuses=_choices(query, "status", [s.value for s in Status], lang),
        zone_id=query.get("zone") or None,
        date_from=_day(query, "from", lang),
        date_to=_day(query, "to", lang),
    )
    if flt.date_from and flt.date_to and flt.date_to < flt.date_from:
        raise ApiError(400, translate("api.error.days_reversed", lang))
    return LayerQuery(bbox, flt, _whole_number(query, "limit", PAGE_SIZE, MAX_PAGE_SIZE, lang), after)


def _check_known(store: Store, flt: ReportFilter, lang: str) -> None:
    """`ApiError` 400 for a category or an area the database does not hold."""
    codes = [c.code for c in store.categories(include_inactive=True)]
    unknown = [code for code in flt.categories if code not in codes]
    if unknown:
        raise _bad_choice("cat", unknown[0], codes, lang)
    if flt.zone_id and store.zone_geometry(flt.zone_id) is None:
        raise ApiError(400, translate("api.error.no_zone", lang, value=flt.zone_id))


def _layer_data(request: Request, name: str, wanted: LayerQuery, lang: str) -> dict[str, Any]:
    store = _db()
    if name != "reports":
        features = layer_geojson(store, name, wanted.bbox, site=str(request.base_url).rstrip("/"))["features"]
        return _collection(request, features, None)
    _check_known(store, wanted.flt, lang)
    page = public_reports_page(store, wanted.flt, bbox=wanted.bbox, limit=wanted.limit, after=wanted.after)
    return _collection(request, [_report_feature(row) for row in page.rows.to_dict("records")], page)


# -- everything else under the API's prefixes ------------------------------------------------------

ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _resources() -> list[Route]:
    return [
        Route(f"{OPEN311}/discovery.{{fmt}}", _open311(discovery), methods=["GET"]),
        Route(f"{OPEN311}/services.{{fmt}}", _open311(services), methods=["GET"]),
        Route(f"{OPEN311}/services/{{code}}.{{fmt}}", _open311(service_definition), methods=["GET"]),
        Route(f"{OPEN311}/requests.{{fmt}}", _open311(list_requests), methods=["GET"]),
        Route(f"{OPEN311}/requests.{{fmt}}", _open311(post_request), methods=["POST"]),
        Route(f"{OPEN311}/requests/{{code}}.{{fmt}}", _open311(get_request), methods=["GET"]),
        Route("/api/layers/{name}.geojson", geojson_layer, methods=["GET"]),
    ]


def _allowed_methods(request: Request) -> list[str]:
    """The methods the API's resources answer at this request's path (none: no such resource)."""
    scope = {**request.scope, "method": "__none__"}
    allowed: set[str] = set()
    for route in _resources():
        match, _ = route.matches(scope)
        if match is Match.PARTIAL:  # the path is a resource, the method is not one of its
            allowed |= route.methods or set()
    return sorted(allowed)


def _not_found_or_not_allowed(request: Request) -> tuple[int, str, dict[str, str]]:
    lang = _language(request)
    allowed = _allowed_methods(request)
    if allowed:
        text = translate("api.error.method", lang, method=request.method, allowed=", ".join(allowed))
        return 405, text, {"Allow": ", ".join(allowed)}
    return 404, translate("api.error.not_found", lang, path=request.url.path), {}


async def open311_fallback(request: Request) -> Response:
    """Any other path under ``/open311/v2/``: 404 (405 for a known resource asked with
    another method) with the spec's error list, XML when the path ends in ``.xml``."""
    status, description, headers = _not_found_or_not_allowed(request)
    response = _open311_error("xml" if request.url.path.endswith(".xml") else "json", status, description)
    response.headers.update(headers)
    return response


async def api_fallback(request: Request) -> Response:
    """Any other path under ``/api/``: 404 (or 405) with ``{"code", "description"}``."""
    status, description, headers = _not_found_or_not_allowed(request)
    response = _json({"code": status, "description": description}, status)
    response.headers.update(headers)
    return response


API_PREFIXES = (OPEN311, "/api")
GZIP_MINIMUM_BYTES = 1000
"""Answers at least this long are gzipped for clients that accept it (Streamlit's own threshold)."""


class ApiFirst:
    """ASGI middleware that answers every request under ``/open311/v2`` and ``/api`` from the
    API's own router (`routes`, gzipped when the client accepts it) before Streamlit's
    middleware sees it; everything else goes on to the app.

    Streamlit's path-security middleware answers a path it finds unsafe (a NUL byte, a
    backslash, ``..``) with a plain-text 400 and no content type, which is not the API's
    documented error format. The API serves no files, so its paths need not pass that check;
    its fallbacks answer every path under its prefixes in the API's own form."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.api = GZipMiddleware(Router(routes(), default=_fallback), minimum_size=GZIP_MINIMUM_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES):
            await self.api(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def _fallback(scope: Scope, receive: Receive, send: Send) -> None:
    """What no route matched (a path holding a line break escapes ``{path:path}``): the
    fallback of its prefix."""
    request = Request(scope, receive)
    handler = open311_fallback if scope["path"].startswith(OPEN311) else api_fallback
    response = await handler(request)
    await response(scope, receive, send)


def middleware() -> list[Middleware]:
    """The API as middleware, to mount with ``st.App(middleware=middleware())``."""
    return [Middleware(ApiFirst)]


def routes() -> list[BaseRoute]:
    """Every HTTP route of the API (served by `ApiFirst`): the
    resources, then a fallback for each prefix so that no path under ``/open311/v2/`` or
    ``/api/`` reaches the app's HTML page."""
    return [
        *_resources(),
        Route(OPEN311, open311_fallback, methods=ANY_METHOD),
        Route(f"{OPEN311}/{{path:path}}", open311_fallback, methods=ANY_METHOD),
        Route("/api", api_fallback, methods=ANY_METHOD),
        Route("/api/{path:path}", api_fallback, methods=ANY_METHOD),
    ]
