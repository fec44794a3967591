"""HTTP routes served by the app's own process: Open311 GeoReport v2 and GeoJSON layers.

`routes()` returns Starlette routes; ``serve.py`` mounts them with Streamlit's
``st.App(routes=...)``, so ``streamlit run serve.py`` serves the app and these together.

**Open311 GeoReport v2** under ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2),
every resource as ``.json`` or ``.xml``:

- ``GET discovery``: the endpoint, its formats and the specification.
- ``GET services``: the active report categories (``service_code`` = category code),
  each with one optional attribute, ``time_of_day`` (dag/kvall/natt).
- ``GET services/{code}``: that service definition.
- ``POST requests`` (form-encoded ``service_code``, ``lat``, ``long``, ``description``,
  optional ``email``, ``attribute[time_of_day]``, ``locale``; ``api_key`` when
  ``TRYGG_OPEN311_API_KEYS`` is set, else 403): the Rapportera path (`geo.reporting`):
  same validation, scrubbing and pending moderation, with ``source = open311``, and a
  rate limit shared by all clients (no IP address is kept).
- ``GET requests`` (``service_request_id``, ``service_code``, ``start_date``,
  ``end_date``, ``status`` = open/closed) and ``GET requests/{id}`` (the reference
  code): published reports only, located at the centre of their 50 m cell, text scrubbed.

Errors are ``[{"code": 400, "description": "…"}]`` (or ``<errors>`` in XML) with
status 400, 403, 404, 413, 429 or 500; never a traceback.

**GeoJSON** ``GET /api/layers/{name}.geojson`` (the layers of `geo.registry` that have a public face), optional
``bbox=minlon,minlat,maxlon,maxlat`` (EPSG:4326): the public face of the layer, as the
public exports give it. All coordinates are EPSG:4326 (WGS84 lon/lat degrees).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import shapely
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from geo import registry
from geo.config import Settings, load_settings
from geo.i18n import normalize_language, translate
from geo.io import layer_frame, time_of_day_at
from geo.layers import ReportFilter, report_conditions
from geo.model import Category, Role, Source, Status, TimeOfDay
from geo.public import public_reports
from geo.reporting import RateLimiter, ReportDraft, normalize_ref_code, submit, validate
from geo.startup import app_store
from geo.store import Store, StoreError, reports

LOG = logging.getLogger(__name__)
OPEN311 = "/open311/v2"
LOCAL_TIME_ZONE = ZoneInfo("Europe/Stockholm")
MAX_REQUESTS = 1000
"""Most service requests one ``GET requests`` returns (newest first), as the spec allows."""
DEFAULT_DAYS = 90
"""Without dates, ``GET requests`` covers the last 90 days; a range may not span more."""
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
"""The dates ``start_date``/``end_date`` may name; others get 400 (issue #15: year 1 and
year 9999 crashed the date arithmetic)."""
MAX_BODY_BYTES = 64 * 1024
RATE_WINDOW_S = 600.0
FORMATS = ("json", "xml")


class ApiError(Exception):
    """An error the client should see: HTTP ``status`` and a description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# -- shared state ----------------------------------------------------------------------------


@dataclass
class _Limiter:
    """One rate limit for all Open311 clients together: no IP address is looked at."""

    limiter: RateLimiter
    lock: threading.Lock

    def take(self) -> bool:
        with self.lock:
            if not self.limiter.allowed():
                return False
            self.limiter.record()
            return True


@cache
def _limiter(limit: int) -> _Limiter:
    return _Limiter(RateLimiter(limit=limit, window_s=RATE_WINDOW_S), threading.Lock())


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
    base = str(request.base_url).rstrip("/") + OPEN311 + "/"
    data = {
        "changeset": "2026-11-23T00:00:00+01:00",
        "contact": translate("api.contact", _language(request)),
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
) -> pd.DataFrame:
    """Published reports matching the filters, newest first, at most `MAX_REQUESTS`,
    located at the centre of their 50 m cell (EPSG:4326), text scrubbed."""
    conditions = report_conditions(ReportFilter(categories=tuple(services), statuses=tuple(statuses)), Role.PUBLIC)
    if codes:
        conditions.append(reports.c.ref_code.in_(list(codes)))
    if start is not None:
        conditions.append(reports.c.created_at >= start.astimezone(dt.UTC).replace(tzinfo=None))
    if end is not None:
        conditions.append(reports.c.created_at <= end.astimezone(dt.UTC).replace(tzinfo=None))
    columns = ("ref_code", "category", "status", "public_comment", "text", "created_at", "updated_at", "lon", "lat")
    frame = store.reports_frame(where=conditions, columns=columns)
    frame = frame.sort_values("created_at", ascending=False, kind="stable").head(MAX_REQUESTS)
    return public_reports(frame.reset_index(drop=True))  # the public face: the 50 m grid, scrubbed text


def _service_request(row: Mapping[str, Any], names: Mapping[str, str], lang: str) -> dict[str, Any]:
    status = Status(row["status"])
    return {
        "service_request_id": row["ref_code"],
        "status": status.open311,
        "status_notes": row["public_comment"] or translate(f"status.{status.value}", lang),
        "service_name": names.get(row["category"], row["category"]),
        "service_code": row["category"],
        "description": row["text"] or "",
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


async def list_requests(request: Request) -> Response:
    fmt = _format(request)
    lang = _language(request)
    query = request.query_params
    codes = [c for c in (normalize_ref_code(v) for v in _split(query.get("service_request_id"))) if c]
    if query.get("service_request_id"):
        # The spec: with service_request_id, every other parameter is ignored.
        filters: dict[str, Any] = {"codes": codes or ["-"]}
    else:
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
        filters = {"services": _split(query.get("service_code")), "statuses": statuses, "start": start, "end": end}

    def work() -> list[dict[str, Any]]:
        store = _db()
        names = _category_names(store, lang)
        return [_service_request(row, names, lang) for row in _request_rows(store, **filters).to_dict("records")]

    return _respond(fmt, "service_requests", await run_in_threadpool(work))


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
        if not _limiter(settings.open311_rate_limit).take():
            raise ApiError(429, translate("api.error.rate_limit", lang))
        return submit(store, draft, source=Source.OPEN311).ref_code

    ref_code = await run_in_threadpool(work)
    data = [{"service_request_id": ref_code, "service_notice": translate("api.notice", lang), "account_id": None}]
    return _respond(fmt, "service_requests", data, status=201)


# -- GeoJSON layers ------------------------------------------------------------------------------


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
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


def layer_geojson(store: Store, name: str, bbox: tuple[float, float, float, float] | None = None) -> dict[str, Any]:
    """The public face of layer ``name`` as a GeoJSON FeatureCollection (EPSG:4326), only
    the features that meet ``bbox`` (min lon, min lat, max lon, max lat; edges included)."""
    frame: gpd.GeoDataFrame = layer_frame(store, Role.PUBLIC, name)
    if bbox is not None and not frame.empty:
        frame = frame[frame.geometry.intersects(shapely.box(*bbox))]
    return json.loads(frame.to_json(drop_id=True, na="null"))


async def geojson_layer(request: Request) -> Response:
    name = request.path_params["name"]
    lang = _language(request)
    public = registry.public_layers()  # a layer without a public face is not served here
    if name not in public:
        return _json({"code": 404, "description": translate("api.error.no_layer", lang, layers=", ".join(public))}, 404)
    try:
        bbox = _bbox(request.query_params.get("bbox"))
    except ValueError:
        description = translate("api.error.bbox", lang, value=request.query_params.get("bbox", ""))
        return _json({"code": 400, "description": description}, 400)
    try:
        data = await run_in_threadpool(lambda: layer_geojson(_db(), name, bbox))
    except Exception:
        LOG.exception("GeoJSON: unexpected error")
        return _json({"code": 500, "description": translate("api.error.internal", lang)}, 500)
    return _json(data, media_type="application/geo+json")


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


def routes() -> list[BaseRoute]:
    """Every HTTP route of the API, to mount with ``st.App(routes=routes())``: the
    resources, then a fallback for each prefix so that no path under ``/open311/v2/`` or
    ``/api/`` reaches the app's HTML page."""
    return [
        *_resources(),
        Route(OPEN311, open311_fallback, methods=ANY_METHOD),
        Route(f"{OPEN311}/{{path:path}}", open311_fallback, methods=ANY_METHOD),
        Route("/api", api_fallback, methods=ANY_METHOD),
        Route("/api/{path:path}", api_fallback, methods=ANY_METHOD),
    ]
