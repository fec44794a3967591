"""The explore map against its baselines, in one run, on one machine, in one browser.

Measured (DESIGN.md §5, shared TESTING.md "How speed is judged"):

- **a** plain folium, one ``folium.Marker`` per point, as a static HTML page served from localhost;
- **peer** a Streamlit page with ``st_folium`` + ``FastMarkerCluster`` on the same points;
- **floor** a Streamlit page with an empty ``st_folium`` map (one circle marker);
- **ours** the real explore page, started as in production (``streamlit run serve.py``: the app, its
  HTTP API and the start-up warm-up of the default view), on a database seeded with ``seed-demo``,
  as the public sees it (published reports, coarsened, H3 cells at the default zoom).

For each page: the time to build it in Python (rendering the folium map; for ours the geo calls
of the default view, cold), the bytes the browser receives (over Streamlit's websocket, and over
HTTP), and the time from navigation until the map's layer is drawn — for Streamlit pages in fresh
browser sessions: ``first`` (as soon as the server answers, while its warm-up may still run) and
``repeat`` (the steady state: imports done, caches warm; the median of five sessions). Every
Streamlit page stays up for the whole run and the repeat sessions go round them in turn, each round
starting one page later, so a ratio compares pages measured at the same moments of a shared machine
rather than minutes apart. Ratios use ``repeat``. Also: ``seed-demo`` at each size, the
point-in-zone join (1,000,000 points × 300 zones: the sorted-longitude sweep the app uses, the
STRtree, and a row-by-row shapely loop timed on a sample and scaled), and the RSS of the app's
process after its views at the largest size. The HTTP API is timed against each ``ours`` server (the
first page of ``/api/layers/reports.geojson``, a village's box with and without filters, the next page
by its link, the first page of Open311 ``requests``: whole answers, median of five, 0.5 s each at
1,000,000 reports). What a user feels once the map is drawn (a click on a report to its popup, a
filter click and a layer switched off to the map redrawn, and Statistik after a filter change) is timed
at the middle size against a plain Streamlit rerun (`benchmarks/interactions.py`), and so is
Mötesplatser's "open now near me" over 1,000 meeting places (`benchmarks/places.py`); the lägesbild
PDF of the whole municipality is timed at the largest size (made in the benchmark's process).

Chromium is Debian's (/usr/bin/chromium), headless, with every host but localhost unresolvable;
every asset comes from the app's ``static/vendor``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from benchmarks import interactions, places, weight
from tests.support.serving import CHROMIUM, CHROMIUM_ARGS, Server, start_streamlit, stop

ROOT = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1400, "height": 1000}
CENTER = (56.50, 13.66)
SETTLE_S = 2.0
"""After the layer is drawn, keep counting bytes this long (st_folium reports its bounds: one more rerun)."""
DRAW_TIMEOUT_S = 240.0

FULL = {
    "a": [10_000],
    "peer": [10_000, 100_000],
    "ours": [10_000, 100_000, 1_000_000],
    "join": (1_000_000, 300),
    "repeats": 5,
    "phone_rounds": 3,
    "floor_rounds": 5,
}
QUICK = {
    "a": [200],
    "peer": [200, 1_000],
    "ours": [300, 1_000],
    "join": (20_000, 30),
    "repeats": 1,
    "phone_rounds": 1,
    "floor_rounds": 1,
}

OURS_DRAWN = """() => {
    const m = window.map; if (!m) return false;
    let found = false;
    m.eachLayer(l => { const p = l.feature && l.feature.properties;
                       if (p && (p.layer === 'hex' || p.layer === 'report')) found = true; });
    return found && document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path') !== null;
}"""
CLUSTER_DRAWN = "() => document.querySelector('.marker-cluster, .leaflet-marker-icon') !== null"
MARKERS_DRAWN = "() => document.querySelectorAll('.leaflet-marker-icon').length > 0"
FLOOR_DRAWN = "() => document.querySelector('.leaflet-overlay-pane path, .leaflet-overlay-pane canvas') !== null"
REPORT_DRAWN = FLOOR_DRAWN
"""Rapportera's map is drawn when the municipality's outline is (on canvas, like the floor's marker)."""

PEER_APP = '''"""Benchmark baseline: st_folium + FastMarkerCluster (BENCH_MODE=cluster) or an empty map (empty)."""
import os

import folium
import numpy as np
import streamlit as st
from folium.plugins import FastMarkerCluster
from streamlit_folium import st_folium

from geo import assets

st.set_page_config(page_title="baseline", layout="wide")
m = folium.Map(location=[56.50, 13.66], zoom_start=10, tiles=None, max_zoom=19)
m.options["maxZoom"] = 19
if os.environ["BENCH_MODE"] == "cluster":
    latlon = np.load(os.environ["BENCH_POINTS"])
    FastMarkerCluster(latlon.tolist()).add_to(m)
else:
    folium.CircleMarker([56.50, 13.66], radius=6).add_to(m)
assets.localize(m)
st_folium(m, height=560, use_container_width=True, returned_objects=[])
'''


@dataclass
class Row:
    name: str
    points: int
    build_s: float | None = None
    ws_bytes: int | None = None
    http_bytes: int | None = None
    first_s: float | None = None
    repeat_s: float | None = None
    note: str = ""

    @property
    def drawn_s(self) -> float | None:
        return self.repeat_s if self.repeat_s is not None else self.first_s


@dataclass
class Results:
    quick: bool
    rows: list[Row] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)
    phases: dict[str, dict[str, float]] = field(default_factory=dict)
    """Page -> phase of its critical path -> milliseconds (`benchmarks.weight`)."""

    def row(self, name: str, points: int) -> Row | None:
        return next((r for r in self.rows if r.name == name and r.points == points), None)


# -- serving ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def static_site(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on localhost (``/app/static`` points at the repository's ``static/``)."""
    (directory / "app").mkdir(exist_ok=True)
    link = directory / "app" / "static"
    if not link.exists():
        link.symlink_to(ROOT / "static", target_is_directory=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

    handler = functools.partial(Quiet, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process and its children, in MB (Linux /proc)."""
    current = peak = 0.0
    for each in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{each}/status").read_text()
            values = {k: v.split()[0] for k, _, v in (line.partition(":") for line in status.splitlines()) if v.split()}
            current += int(values.get("VmRSS", 0)) / 1024
            peak += int(values.get("VmHWM", 0)) / 1024
    return current, peak


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


# -- measuring in the browser ----------------------------------------------------------------------


@dataclass
class Visit:
    drawn_s: float
    ws_bytes: int
    http_bytes: int
    pan_ws_bytes: int | None = None
    external: list[str] = field(default_factory=list)


def visit(browser: Any, url: str, drawn: str, *, pan: bool = False) -> Visit:
    """Open ``url`` in a fresh context; time until ``drawn`` holds in some frame; count bytes."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    ws_bytes = [0]
    http_bytes = [0]
    external: list[str] = []

    def on_ws(ws: Any) -> None:
        ws.on("framereceived", lambda payload: ws_bytes.__setitem__(0, ws_bytes[0] + _size(payload)))

    def on_done(request: Any) -> None:
        with contextlib.suppress(Exception):
            http_bytes[0] += int(request.sizes()["responseBodySize"])

    def on_request(request: Any) -> None:
        host = request.url.split("/")[2].split(":")[0] if "://" in request.url else ""
        if request.url.startswith(("http", "ws")) and host not in ("127.0.0.1", "localhost"):
            external.append(request.url)

    page.on("websocket", on_ws)
    context.on("requestfinished", on_done)
    context.on("request", on_request)
    started = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=DRAW_TIMEOUT_S * 1000)
    elapsed = _wait_drawn(page, drawn, started)
    page.wait_for_timeout(SETTLE_S * 1000)
    result = Visit(elapsed, ws_bytes[0], http_bytes[0], external=external)
    if pan:
        before = ws_bytes[0]
        frame = _frame_where(page, "() => !!window.map")
        if frame is not None:
            frame.evaluate("() => { window.map.panBy([60, 30], {animate: false}); return true; }")
            page.wait_for_timeout(SETTLE_S * 1000)
            result.pan_ws_bytes = ws_bytes[0] - before
    context.close()
    return result


def _size(payload: str | bytes) -> int:
    return len(payload.encode("utf-8")) if isinstance(payload, str) else len(payload)


def _wait_drawn(page: Any, predicate: str, started: float) -> float:
    deadline = started + DRAW_TIMEOUT_S
    while time.perf_counter() < deadline:
        if _frame_where(page, predicate) is not None:
            return time.perf_counter() - started
        page.wait_for_timeout(40)
    raise RuntimeError(f"the map layer was not drawn within {DRAW_TIMEOUT_S:.0f} s: {page.url}")


def _frame_where(page: Any, predicate: str) -> Any:
    for frame in page.frames:
        with contextlib.suppress(Exception):  # frames come and go while Streamlit renders
            if frame.evaluate(predicate):
                return frame
    return None


# -- the cases -------------------------------------------------------------------------------------


def seed(path: Path, reports: int) -> float:
    from geo.demo import seed_demo
    from geo.store import Store

    store = Store.open(f"sqlite:///{path}")
    started = time.perf_counter()
    seed_demo(store, reports=reports)
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def public_latlon(path: Path) -> np.ndarray:
    """(lat, lon) of the reports the public sees (published), EPSG:4326, as an (n, 2) array."""
    from geo.layers import ReportFilter, report_query
    from geo.model import Role
    from geo.store import Store

    # the baselines draw the exact published locations, as a plain folium page would
    store = Store.open(f"sqlite:///{path}")
    frame = store.reports_frame(report_query(ReportFilter(), Role.PUBLIC), columns=("lat", "lon"))
    store.close()
    return frame[["lat", "lon"]].to_numpy(dtype=float)


def build_markers_page(latlon: np.ndarray, directory: Path) -> tuple[Path, float]:
    import folium

    from geo import assets

    started = time.perf_counter()
    m = folium.Map(location=list(CENTER), zoom_start=10, tiles=None, max_zoom=19)
    m.options["maxZoom"] = 19
    for lat, lon in latlon:
        folium.Marker([float(lat), float(lon)]).add_to(m)
    assets.localize(m)
    html = m.get_root().render()
    elapsed = time.perf_counter() - started
    path = directory / "markers.html"
    path.write_text(html, encoding="utf-8")
    return path, elapsed


def build_cluster_render(latlon: np.ndarray) -> float:
    import folium
    from folium.plugins import FastMarkerCluster

    from geo import assets

    started = time.perf_counter()
    m = folium.Map(location=list(CENTER), zoom_start=10, tiles=None, max_zoom=19)
    FastMarkerCluster(latlon.tolist()).add_to(m)
    assets.localize(m)
    m.get_root().render()
    return time.perf_counter() - started


def build_ours(path: Path) -> float:
    """The geo calls behind the explore page's default view for the public, cold, in this process."""
    from geo.config import TileSource
    from geo.explore import build_map, load_layers
    from geo.hexagons import next_window, report_points, reports_view, view_bounds
    from geo.model import Role
    from geo.store import Store
    from geo.viewstate import ExploreView

    store = Store.open(f"sqlite:///{path}")
    view = ExploreView()
    started = time.perf_counter()
    layers = load_layers(store, view, viewer=Role.PUBLIC)
    points = report_points(store, view.filter, viewer=Role.PUBLIC)
    window = next_window(None, view_bounds(view.center, view.zoom), view.zoom)
    shown = reports_view(store, points, view.filter, window)
    m, groups = build_map(
        layers, view, lang="sv", tiles=TileSource(None, ""), categories=store.categories(), reports_view=shown
    )
    for group in groups:
        group.add_to(m)
    m.get_root().render()
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def lagesbild_seconds(path: Path) -> float:
    """Seconds to make the lägesbild PDF of the whole municipality (the last year) from the database at ``path``."""
    import datetime as dt

    from geo import audit, lagesbild
    from geo.store import Store

    store = Store.open(f"sqlite:///{path}")
    try:
        started = time.perf_counter()
        doc = lagesbild.make(
            store, actor=audit.SYSTEM, zone=None, date_from=None, date_to=None, lang="sv", today=dt.date.today()
        )
        pdf = lagesbild.pdf(store, doc)
        elapsed = time.perf_counter() - started
    finally:
        store.close()
    if not pdf.startswith(b"%PDF"):
        raise AssertionError("the lägesbild is not a PDF")
    return elapsed


def join_benchmark(path: Path | None, points: int, zones: int, sample: int = 2_000) -> dict[str, float]:
    """Point-in-zone for ``points`` report locations against ``zones`` polygons (EPSG:4326)."""
    from geo.analysis import points_in_polygons
    from geo.crs import to_sweref99tm, to_wgs84

    rng = np.random.default_rng(6)
    if path is not None:
        from geo.store import Store

        store = Store.open(f"sqlite:///{path}")
        every = store.reports_frame(columns=("lon", "lat"))
        store.close()
        lon, lat = every["lon"].to_numpy()[:points], every["lat"].to_numpy()[:points]
    else:
        lon, lat = rng.uniform(13.3, 14.0, points), rng.uniform(56.3, 56.7, points)
    x, y = to_sweref99tm().transform(rng.uniform(13.35, 13.95, zones), rng.uniform(56.32, 56.68, zones))
    circles = shapely.buffer(shapely.points(x, y), rng.uniform(300, 2_000, zones), quad_segs=4)  # EPSG:3006 m
    polygons = shapely.transform(circles, lambda xy: np.column_stack(to_wgs84().transform(xy[:, 0], xy[:, 1])))
    started = time.perf_counter()
    tree_index, _ = points_in_polygons(lon, lat, polygons, method="strtree")
    strtree = time.perf_counter() - started
    started = time.perf_counter()
    point_index, _ = points_in_polygons(lon, lat, polygons)
    vectorised = time.perf_counter() - started
    if tree_index.size != point_index.size:
        raise AssertionError(f"the sweep and the STRtree disagree: {point_index.size} != {tree_index.size} pairs")
    n = min(sample, lon.size)
    started = time.perf_counter()
    pairs = 0
    for px, py in zip(lon[:n].tolist(), lat[:n].tolist(), strict=True):
        point = shapely.Point(px, py)
        for polygon in polygons:
            if polygon.intersects(point):
                pairs += 1
    loop = (time.perf_counter() - started) * lon.size / n
    check = int(np.count_nonzero(point_index < n))
    if check != pairs:
        raise AssertionError(f"the join and the loop disagree on the sample: {check} != {pairs}")
    return {
        "join_points": float(lon.size),
        "join_zones": float(zones),
        "join_s": vectorised,
        "strtree_s": strtree,
        "loop_s": loop,
    }


# -- the run ---------------------------------------------------------------------------------------


@dataclass
class Served:
    """A Streamlit page kept up for the whole run, so its repeat visits interleave with the others'."""

    name: str
    points: int
    server: Server
    log_path: Path
    drawn: str
    first: Visit
    build_s: float | None = None
    repeats: list[Visit] = field(default_factory=list)
    first_phases: dict[str, float] = field(default_factory=dict)


VILLAGE_BBOX = "13.72,56.56,13.76,56.59"
"""Traryd, one of the demo's villages (EPSG:4326)."""
API_REQUESTS = {
    "api_first_page": "/api/layers/reports.geojson",
    "api_village_bbox": f"/api/layers/reports.geojson?bbox={VILLAGE_BBOX}",
    "api_village_filtered": f"/api/layers/reports.geojson?bbox={VILLAGE_BBOX}&cat=dalig_belysning&feeling=otrygg",
    "open311_first_page": "/open311/v2/requests.json",
}
"""The HTTP API's requests timed at each size: the answer (every byte of it), median of five."""


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[float, int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
        return time.perf_counter() - started, len(body), {k.lower(): v for k, v in response.headers.items()}


def api_timings(base: str, points: int) -> dict[str, float]:
    """Seconds for each of `API_REQUESTS` against the running app (and for the page after the
    first one, by its ``next`` link), the median of five after one unmeasured request."""
    found: dict[str, float] = {}
    for name, path in API_REQUESTS.items():
        _get(base + path)
        found[f"{name}_{points}"] = float(np.median([_get(base + path)[0] for _ in range(5)]))
    size = 1000 if points > 2000 else 100  # a page with a next one, at the quick sizes too
    with urllib.request.urlopen(f"{base}/api/layers/reports.geojson?limit={size}", timeout=120) as response:
        following = next(link["href"] for link in json.load(response)["links"] if link["rel"] == "next")
    found[f"api_next_page_{points}"] = float(np.median([_get(following)[0] for _ in range(5)]))
    _, zipped, headers = _get(base + API_REQUESTS["api_first_page"], {"Accept-Encoding": "gzip"})
    found[f"api_first_page_gzip_bytes_{points}"] = zipped if headers.get("content-encoding") == "gzip" else -1
    found[f"api_first_page_bytes_{points}"] = _get(base + API_REQUESTS["api_first_page"])[1]
    return found


def as_visit(view: weight.View) -> Visit:
    """A `weight.View` as the table's `Visit`: websocket bytes until drawn and settled, every
    HTTP body, and the requests that left localhost."""
    external = [r.url for r in view.requests if r.url.startswith(("http", "ws")) and not _local(r.url)]
    return Visit(
        view.drawn_ms / 1000,
        sum(size for _, size in view.ws_received),
        sum(r.bytes for r in view.requests if r.kind != "websocket"),
        external=external,
    )


def _local(url: str) -> bool:
    return url.split("/")[2].split(":")[0] in ("127.0.0.1", "localhost")


def phase_rounds(browser: Any, pages: Sequence[Served], rounds: int) -> dict[str, dict[str, float]]:
    """Median milliseconds of each phase of a view's critical path (`weight.View.phases`), the pages
    visited in turn, each round starting one page later."""
    views: dict[str, list[weight.View]] = {f"{p.name} {p.points:,}": [] for p in pages}
    for round_ in range(rounds):
        shift = round_ % len(pages)
        for page in [*pages[shift:], *pages[:shift]]:
            views[f"{page.name} {page.points:,}"].append(weight.visit(browser, page.server.url, page.drawn))
    return {name: _median_phases(found) for name, found in views.items()}


def _median_phases(views: Sequence[weight.View]) -> dict[str, float]:
    found = {"drawn": float(np.median([v.drawn_ms for v in views]))}
    for phase in dict.fromkeys(p for v in views for p in v.phases()):
        found[phase] = float(np.median([v.phases().get(phase, np.nan) for v in views]))
    return found


def phone_rounds(browser: Any, floor: Served, ours: Served, rounds: int) -> dict[str, float]:
    """Rapportera and the floor on a phone (390×844, touch, the CPU slowed 4× through the DevTools
    protocol), interleaved: the median seconds until each one's map is drawn, and their ratio."""
    times: dict[str, list[float]] = {"floor": [], "report": []}
    pages = [("floor", floor.server.url, FLOOR_DRAWN), ("report", f"{ours.server.url}/rapportera", REPORT_DRAWN)]
    for round_ in range(rounds):
        for name, url, drawn in pages[round_ % 2 :] + pages[: round_ % 2]:
            view = weight.visit(browser, url, drawn, phone=True, cpu_slowdown=weight.PHONE_CPU_SLOWDOWN)
            times[name].append(view.drawn_ms / 1000)
    found = {f"phone_{name}_s": float(np.median(values)) for name, values in times.items()}
    found["phone_report_ratio"] = found["phone_report_s"] / found["phone_floor_s"]
    return found


def interleaved_repeats(browser: Any, served: Sequence[Served], rounds: int) -> None:
    """Visit every page once per round, each round starting one page later, so that all pages
    are measured at the same moments of a shared machine and a slow minute hits them alike."""
    for round_ in range(rounds):
        shift = round_ % len(served)
        for page in [*served[shift:], *served[:shift]]:
            page.repeats.append(visit(browser, page.server.url, page.drawn, pan=page.name == "ours"))


def median(visits: Sequence[Visit]) -> Visit:
    """The visit with the median drawing time; ``external`` collects every visit's."""
    ordered = sorted(visits, key=lambda v: v.drawn_s)
    chosen = ordered[len(ordered) // 2]
    chosen.external = [url for v in visits for url in v.external]
    return chosen


def run(quick: bool, workdir: Path, log: Callable[[str], None]) -> Results:
    from playwright.sync_api import sync_playwright

    sizes: dict[str, Any] = QUICK if quick else FULL
    results = Results(quick)
    all_sizes = sorted(set(sizes["a"] + sizes["peer"] + sizes["ours"]))
    dbs: dict[int, Path] = {}
    for n in all_sizes:
        dbs[n] = workdir / f"reports-{n}.db"
        results.extra[f"seed_s_{n}"] = seed(dbs[n], n)
        log(f"seeded {n:,} reports in {results.extra[f'seed_s_{n}']:.1f} s")
    biggest = max(sizes["ours"])

    peer_dir = workdir / "peer"
    peer_dir.mkdir()
    (peer_dir / "peer_app.py").write_text(PEER_APP, encoding="utf-8")
    shutil.copytree(ROOT / ".streamlit", peer_dir / ".streamlit")
    (peer_dir / "static").symlink_to(ROOT / "static", target_is_directory=True)

    served: list[Served] = []
    with sync_playwright() as playwright, contextlib.ExitStack() as running:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        running.callback(browser.close)

        def serve(name: str, n: int, script: Path, cwd: Path, env: dict[str, str], drawn: str, log_name: str) -> Served:
            """Start a page and time its first view (as soon as the server answers); it stays up."""
            log_path = workdir / f"{log_name}.log"
            server = start_streamlit(script, cwd, env, log_path)
            running.callback(stop, server)
            first = weight.visit(browser, server.url, drawn, settle_s=SETTLE_S)
            phases = {"drawn": first.drawn_ms, **first.phases()}
            page = Served(name, n, server, log_path, drawn, as_visit(first), first_phases=phases)
            served.append(page)
            log(f"{name} {n:,}: first view {page.first.drawn_s:.2f} s")
            return page

        # floor: an empty st_folium map
        serve("floor", 1, Path("peer_app.py"), peer_dir, {"BENCH_MODE": "empty"}, FLOOR_DRAWN, "floor")

        # a: one folium.Marker per point, plain HTML, drawn once
        site = workdir / "site"
        site.mkdir()
        with static_site(site) as base:
            for n in sizes["a"]:
                _, build = build_markers_page(public_latlon(dbs[n]), site)
                shown = visit(browser, f"{base}/markers.html", MARKERS_DRAWN)
                results.rows.append(Row("a", n, build, None, shown.http_bytes, shown.drawn_s, None, "static HTML"))
                log(f"a {n:,}: {shown.drawn_s:.2f} s")

        # peer: st_folium + FastMarkerCluster
        for n in sizes["peer"]:
            latlon = public_latlon(dbs[n])
            points_file = workdir / f"latlon-{n}.npy"
            np.save(points_file, latlon)
            env = {"BENCH_MODE": "cluster", "BENCH_POINTS": str(points_file)}
            peer = serve("peer", n, Path("peer_app.py"), peer_dir, env, CLUSTER_DRAWN, f"peer-{n}")
            peer.build_s = build_cluster_render(latlon)

        # ours: the explore page, as in production
        for n in sizes["ours"]:
            env = {"TRYGG_DATABASE_URL": f"sqlite:///{dbs[n]}", "TRYGG_TILES_URL": "none"}
            ours = serve("ours", n, Path("serve.py"), ROOT, env, OURS_DRAWN, f"ours-{n}")
            ours.build_s = build_ours(dbs[n])

        log(f"repeat views: {sizes['repeats']} rounds over {len(served)} pages, interleaved")
        interleaved_repeats(browser, served, int(sizes["repeats"]))

        # what a user feels after the map is drawn, against a plain rerun (benchmarks/interactions.py)
        rerun_app = interactions.write_rerun_app(peer_dir)
        rerun_server = start_streamlit(rerun_app, peer_dir, {}, workdir / "rerun.log")
        running.callback(stop, rerun_server)
        floors = {}
        for name in ("statistics_floor", "places_floor"):  # the same elements as ours, from fixed data
            shutil.copy(interactions.FLOORS / f"{name}.py", peer_dir / f"{name}.py")
            floors[name] = start_streamlit(peer_dir / f"{name}.py", peer_dir, {}, workdir / f"{name}.log")
            running.callback(stop, floors[name])
        mid_ours = next(p for p in served if p.name == "ours" and p.points == sizes["ours"][1])
        results.extra.update(
            interactions.timings(
                browser,
                mid_ours.server.url,
                rerun_server.url,
                mid_ours.points,
                floors["statistics_floor"].url,
                int(sizes["floor_rounds"]),
            )
        )
        # Mötesplatser: "open now near me" over 1,000 places against the same plain rerun (benchmarks/places.py)
        places_db = workdir / "places.db"
        places.seed_places(places_db, places.PLACES)
        places_env = {"TRYGG_DATABASE_URL": f"sqlite:///{places_db}", "TRYGG_TILES_URL": "none"}
        places_server = start_streamlit(Path("serve.py"), ROOT, places_env, workdir / "places.log")
        running.callback(stop, places_server)
        results.extra.update(
            places.timings(
                browser, places_server.url, rerun_server.url, floors["places_floor"].url, int(sizes["floor_rounds"])
            )
        )
        log(
            f"open now near me, {places.PLACES:,} places: {results.extra['open_now_near_me_s']:.2f} s, "
            f"{results.extra['open_now_near_me_ratio']:.2f}× a plain rerun"
        )
        log(
            f"interactions at {mid_ours.points:,}: "
            + ", ".join(
                f"{k} {v:.2f}" for k, v in results.extra.items() if k.endswith(("_s", "_ratio")) and "click" in k
            )
        )

        # where the milliseconds go (benchmarks/weight.py): the floor and ours, interleaved; then
        # Rapportera against the floor on a phone with its CPU slowed as Lighthouse's mobile profile does
        floor = next(p for p in served if p.name == "floor")
        ours_pages = [p for p in served if p.name == "ours"]
        results.phases = phase_rounds(browser, [floor, *ours_pages], int(sizes["phone_rounds"]))
        results.phases[f"ours {biggest:,}, first view"] = ours_pages[-1].first_phases
        phone = phone_rounds(browser, floor, mid_ours, int(sizes["phone_rounds"]))
        results.extra.update(phone)
        log(f"phone: floor {phone['phone_floor_s']:.2f} s, Rapportera {phone['phone_report_s']:.2f} s")

        for page in served:
            again = median(page.repeats)
            note = ""
            if page.name == "ours":
                zoomed = visit(browser, f"{page.server.url}/?z=17&lat=56.462&lon=13.598", OURS_DRAWN)
                external = page.first.external + again.external + zoomed.external
                if external:
                    raise AssertionError(f"the explore page asked hosts other than localhost: {external[:5]}")
                note = f"pan {again.pan_ws_bytes or 0:,} B; z17 {zoomed.drawn_s:.2f} s / {zoomed.ws_bytes:,} B"
                warmed = re.search(
                    r"warmed the map: \d+ published reports located in ([\d.]+) s", page.log_path.read_text()
                )
                if warmed:
                    note += f"; warm-up {float(warmed.group(1)):.1f} s"
                if page.points == biggest:
                    results.extra["rss_mb"], results.extra["rss_peak_mb"] = rss_mb(page.server.process.pid)
                results.extra.update(api_timings(page.server.url, page.points))
            results.rows.append(
                Row(
                    page.name,
                    page.points,
                    page.build_s,
                    again.ws_bytes,
                    again.http_bytes,
                    page.first.drawn_s,
                    again.drawn_s,
                    note,
                )
            )
            log(f"{page.name} {page.points:,}: repeat {again.drawn_s:.2f} s, {again.ws_bytes:,} B")

    results.rows.sort(key=lambda r: (("floor", "a", "peer", "ours").index(r.name), r.points))
    results.extra["lagesbild_pdf_s"] = lagesbild_seconds(dbs[biggest])
    log(f"lägesbild PDF of the municipality at {biggest:,}: {results.extra['lagesbild_pdf_s']:.1f} s")
    join_points, join_zones = sizes["join"]
    join_db = dbs[biggest] if biggest >= join_points else None
    results.extra.update(join_benchmark(join_db, join_points, join_zones))
    log(f"join: {results.extra['join_s']:.2f} s, loop {results.extra['loop_s']:.1f} s")
    return results


# -- the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    target: str
    value: float | None
    limit: float
    higher_is_better: bool
    unit: str = "×"

    @property
    def holds(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit


def checks(results: Results) -> list[Check]:
    def drawn(name: str, n: int) -> float | None:
        row = results.row(name, n)
        return None if row is None else row.drawn_s

    def ratio(top: float | None, bottom: float | None) -> float | None:
        return None if top is None or not bottom else top / bottom

    sizes: dict[str, Any] = QUICK if results.quick else FULL
    mid, big = sizes["ours"][1], sizes["ours"][-1]
    peer_big = sizes["peer"][-1]
    a_n = sizes["a"][0]
    ours_mid = results.row("ours", mid)
    extra = results.extra
    return [
        Check(f"peer {peer_big:,} / ours {mid:,}", ratio(drawn("peer", peer_big), drawn("ours", mid)), 3.0, True),
        Check(f"ours {mid:,} / floor", ratio(drawn("ours", mid), drawn("floor", 1)), 1.25, False),
        Check(
            f"websocket per view, ours {mid:,}",
            None if ours_mid is None or ours_mid.ws_bytes is None else ours_mid.ws_bytes / 1e6,
            1.0,
            False,
            "MB",
        ),
        Check(f"peer {peer_big:,} / ours {big:,}", ratio(drawn("peer", peer_big), drawn("ours", big)), 3.0, True),
        Check(f"peer {peer_big:,} / ours {big:,} (b)", ratio(drawn("peer", peer_big), drawn("ours", big)), 5.0, True),
        Check(f"a {a_n:,} / ours {big:,}", ratio(drawn("a", a_n), drawn("ours", big)), 100.0, True),
        Check(
            f"join {int(extra.get('join_points', 0)):,} × {int(extra.get('join_zones', 0))}",
            extra.get("join_s"),
            2.0,
            False,
            "s",
        ),
        Check("loop / join", ratio(extra.get("loop_s"), extra.get("join_s")), 10.0, True),
        Check(f"app RSS with {big:,} reports", extra.get("rss_mb"), 1500.0, False, "MB"),
        Check(f"seed-demo {big:,}", extra.get(f"seed_s_{big}"), 60.0, False, "s"),
        *(
            Check(f"HTTP API {_api_label(name)}, {big:,}", extra.get(f"{name}_{big}"), 0.5, False, "s")
            for name in (*API_REQUESTS, "api_next_page")
        ),
        Check(f"ours {big:,} / floor", ratio(drawn("ours", big), drawn("floor", 1)), 1.25, False),
        Check(f"ours {mid:,} / floor (aim)", ratio(drawn("ours", mid), drawn("floor", 1)), 1.0, False),
        Check(f"ours {big:,}: first view after start / repeat", _first_ratio(results, big), 1.5, False),
        Check("Rapportera / floor, phone, CPU 4× slower", extra.get("phone_report_ratio"), 1.25, False),
        Check(f"feature click to details / rerun, {mid:,}", extra.get("feature_click_ratio"), 1.0, False),
        Check(f"filter click to map / rerun, {mid:,}", extra.get("filter_click_ratio"), 1.5, False),
        Check(f"layer toggle to map / rerun, {mid:,}", extra.get("layer_toggle_ratio"), 1.5, False),
        Check("open now near me, 1,000 places / rerun", extra.get("open_now_near_me_ratio"), 1.2, False),
        Check(f"Statistik after a filter change / rerun, {mid:,}", extra.get("statistics_filter_ratio"), 1.5, False),
        Check(f"lägesbild PDF of the municipality, {big:,}", extra.get("lagesbild_pdf_s"), 10.0, False, "s"),
    ]


def _first_ratio(results: Results, n: int) -> float | None:
    row = results.row("ours", n)
    if row is None or row.first_s is None or not row.repeat_s:
        return None
    return row.first_s / row.repeat_s


def phase_lines(results: Results) -> list[str]:
    """Where the time of a view goes, in milliseconds (`benchmarks.weight`): one column per page."""
    if not results.phases:
        return []
    names = list(results.phases)
    phases = list(dict.fromkeys(p for found in results.phases.values() for p in found))
    lines = ["", "| where the time goes (ms) | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for phase in phases:
        cells = [_fmt(results.phases[name].get(phase), ",.0f") for name in names]
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    return lines


def _fmt(value: float | int | None, pattern: str) -> str:
    return "–" if value is None else format(value, pattern)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory = f", {int(Path('/proc/meminfo').read_text().split()[1]) / 1024**2:.0f} GB RAM"
    chromium = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, Python " + (
        f"{platform.python_version()}, {chromium}"
    )


def report(results: Results) -> str:
    lines = [
        f"Benchmark{' (quick sizes)' if results.quick else ''}, {time.strftime('%Y-%m-%d')}, {machine()}",
        "",
        "| page | points | build (s) | websocket (bytes) | HTTP (bytes) | drawn, first (s) | drawn, repeat (s) "
        "| note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results.rows:
        lines.append(
            f"| {r.name} | {r.points:,} | {_fmt(r.build_s, '.2f')} | {_fmt(r.ws_bytes, ',')} | "
            f"{_fmt(r.http_bytes, ',')} | {_fmt(r.first_s, '.2f')} | {_fmt(r.repeat_s, '.2f')} | {r.note} |"
        )
    lines += ["", "| target | value | limit | holds |", "|---|---:|---:|---|"]
    for check in checks(results):
        sign = "≥" if check.higher_is_better else "≤"
        verdict = {True: "yes", False: "NO", None: "–"}[check.holds]
        lines.append(
            f"| {check.target} | {_fmt(check.value, '.2f')} {check.unit} | {sign} {check.limit:g} {check.unit} | "
            f"{verdict} |"
        )
    lines += phase_lines(results)
    extra = results.extra
    lines += [
        "",
        f"phone (390×844, touch, CPU 4× slower): floor {_fmt(extra.get('phone_floor_s'), '.2f')} s, "
        f"Rapportera {_fmt(extra.get('phone_report_s'), '.2f')} s",
        "seed-demo: " + ", ".join(f"{int(k[7:]):,} in {v:.1f} s" for k, v in extra.items() if k.startswith("seed_s_")),
        f"join: sorted sweep {_fmt(extra.get('join_s'), '.2f')} s, STRtree {_fmt(extra.get('strtree_s'), '.2f')} s, "
        f"row-by-row loop {_fmt(extra.get('loop_s'), '.1f')} s (timed on 2,000 points, scaled)",
        f"app RSS after its views: {_fmt(extra.get('rss_mb'), '.0f')} MB "
        f"(peak {_fmt(extra.get('rss_peak_mb'), '.0f')} MB)",
        *api_lines(results),
        "interactions (median of three): plain rerun "
        + ", ".join(
            f"{name.replace('_', ' ')} {_fmt(extra.get(f'{name}_s'), '.2f')} s"
            for name in ("rerun", "feature_click", "filter_click", "layer_toggle", "statistics_filter")
        ),
        f"mötesplatser: open now near me over {places.PLACES:,} places "
        f"{_fmt(extra.get('open_now_near_me_s'), '.2f')} s, plain rerun {_fmt(extra.get('places_rerun_s'), '.2f')} s",
        *floor_lines(extra),
    ]
    return "\n".join(lines)


def floor_lines(extra: dict[str, float]) -> list[str]:
    """Statistik and the finder against their floors (the same elements from fixed data) and a
    plain rerun, each timed in the same rounds: what Streamlit costs for such a page, and what
    ours adds (issues #18, #19)."""
    lines = []
    for label, ours, floor, rerun in (
        ("Statistik after a filter change", "statistics_filter_s", "statistics_floor_s", "statistics_rerun_s"),
        ("open now near me", "open_now_near_me_s", "places_floor_s", "places_rerun_s"),
    ):
        if extra.get(floor) and extra.get(rerun) and extra.get(ours):
            lines.append(
                f"{label}, in rounds: ours {extra[ours]:.2f} s, its floor {extra[floor]:.2f} s, plain rerun "
                f"{extra[rerun]:.2f} s: ours / floor {extra[ours] / extra[floor]:.2f} ×, "
                f"floor / rerun {extra[floor] / extra[rerun]:.2f} ×, ours / rerun {extra[ours] / extra[rerun]:.2f} ×"
            )
    return lines


def _api_label(name: str) -> str:
    """``api_village_bbox`` → ``layers village bbox``; ``open311_first_page`` → ``open311 first page``."""
    return name.replace("api_", "layers_", 1).replace("_", " ")


def api_lines(results: Results) -> list[str]:
    """One line per size: the HTTP API's times and the first page's bytes, plain and gzipped."""
    extra, lines = results.extra, []
    for n in sorted({int(k.rsplit("_", 1)[1]) for k in extra if k.startswith("api_first_page_")}):
        times = ", ".join(
            f"{_api_label(name)} {extra[f'{name}_{n}']:.3f} s" for name in (*API_REQUESTS, "api_next_page")
        )
        plain, zipped = int(extra[f"api_first_page_bytes_{n}"]), int(extra[f"api_first_page_gzip_bytes_{n}"])
        sizes = f"{plain:,} B, gzip {zipped:,} B"
        lines.append(f"HTTP API at {n:,}: {times}; first page {sizes}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the machinery in about a minute")
    parser.add_argument("--output", type=Path, help="also write the table (Markdown) and the raw numbers (JSON) here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (databases, server logs)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"error: {CHROMIUM} is missing; `make test` installs Debian's chromium", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="trygg-bench-"))
    try:
        results = run(args.quick, workdir, lambda text: print(text, file=sys.stderr, flush=True))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report(results)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        raw = {
            "rows": [r.__dict__ for r in results.rows],
            "extra": results.extra,
            "phases": results.phases,
            "quick": results.quick,
        }
        args.output.with_suffix(".json").write_text(json.dumps(raw, indent=2), encoding="utf-8")
    return 0
