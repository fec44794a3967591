"""Where the milliseconds of a map page go: one view in Chromium, read from the DevTools protocol.

For each view (a fresh browser context, as a new visitor): every request the page and its map frame
make, with its start and end in milliseconds from navigation (the DevTools network log), grouped by
what it is (Streamlit's JavaScript and CSS, fonts, the map component, each vendored map asset); the
websocket's messages (received, and sent by the browser: each rerun the browser asks for); the
main thread's busy time (``Performance.getMetrics``: script, layout, style); and when the map's
layer was drawn. `breakdown` turns a list of views into a table of medians.

Used by `benchmarks.run` (cold and warm views of the floor and of Karta) and on its own:
``python -m benchmarks.weight URL [URL ...]`` visits each address in turn, interleaved.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

VIEWPORT = {"width": 1400, "height": 1000}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
PHONE_CPU_SLOWDOWN = 4
"""Lighthouse's mobile profile slows the CPU 4× (``Emulation.setCPUThrottlingRate``)."""
DRAW_TIMEOUT_S = 240.0

# What a request is, by the first matching piece of its URL (order matters).
KINDS: tuple[tuple[str, str], ...] = (
    ("/component/", "component"),
    ("/vendor/jquery", "jquery"),
    ("/vendor/leaflet-1", "leaflet"),
    ("/vendor/bootstrap-", "bootstrap"),
    ("/vendor/bootstrap3-glyphicons", "glyphicons"),
    ("/vendor/fontawesome", "font-awesome"),
    ("/vendor/leaflet.awesome-markers", "awesome-markers"),
    ("/vendor/awesome-rotate", "awesome-rotate"),
    ("/vendor/leaflet-draw", "leaflet-draw"),
    ("/vendor/", "other vendor"),
    (".woff", "fonts"),
    (".ttf", "fonts"),
    ("/static/js/", "streamlit js"),
    ("/static/css/", "streamlit css"),
    ("/_stcore/", "streamlit api"),
    ("/static/", "streamlit other"),
)


def kind_of(url: str) -> str:
    path = url.split("?", 1)[0]
    for piece, kind in KINDS:
        if piece in path:
            return kind
    return "document" if path.rstrip("/").count("/") <= 3 else "other"


@dataclass
class Request:
    url: str
    kind: str
    start_ms: float
    end_ms: float | None = None
    bytes: int = 0


@dataclass
class View:
    """One visit: times in milliseconds from the navigation's first request."""

    drawn_ms: float
    requests: list[Request] = field(default_factory=list)
    ws_received: list[tuple[float, int]] = field(default_factory=list)
    ws_sent: list[tuple[float, int]] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)

    def by_kind(self) -> dict[str, tuple[int, int, float, float]]:
        """kind -> (requests, bytes, first start, last end) in ms."""
        found: dict[str, tuple[int, int, float, float]] = {}
        for r in self.requests:
            n, size, start, end = found.get(r.kind, (0, 0, r.start_ms, r.start_ms))
            found[r.kind] = (n + 1, size + r.bytes, min(start, r.start_ms), max(end, r.end_ms or r.start_ms))
        return found

    def phases(self) -> dict[str, float]:
        """The view's critical path in milliseconds, phase by phase (each from the end of the one before):
        the page's own JavaScript until the websocket's first message; the script's run until the map's
        element arrives (Streamlit then fetches its component code); that code and the map frame's
        document; the frame's own JavaScript; the map's assets (JS one after another, then CSS); the map
        script until the layer is drawn."""

        def first(predicate: Any, attr: str = "start_ms") -> float | None:
            times = [getattr(r, attr) for r in self.requests if predicate(r) and getattr(r, attr) is not None]
            return min(times) if times else None

        def last(predicate: Any) -> float | None:
            times = [
                r.end_ms for r in self.requests if predicate(r) and r.end_ms is not None and r.end_ms <= self.drawn_ms
            ]
            return max(times) if times else None

        marks = [
            ("page code + websocket", self.ws_received[0][0] if self.ws_received else None),
            ("script run to map element", first(lambda r: "/ComponentInstance." in r.url)),
            ("component code + frame", first(lambda r: r.kind == "component" and r.url.endswith(".js"))),
            ("frame code", first(lambda r: r.kind == "component" and r.url.endswith(".js"), "end_ms")),
            ("map assets", last(lambda r: "/app/static/vendor/" in r.url)),
            ("map script to drawn", self.drawn_ms),
        ]
        found: dict[str, float] = {}
        before = 0.0
        for name, at in marks:
            if at is None:
                continue
            found[name] = at - before
            before = at
        return found

    @property
    def reruns_asked(self) -> int:
        """Messages the browser sent before the map was drawn that ask the server to run the
        script (a rerun or a widget's value; heartbeats are a few bytes)."""
        return sum(1 for at, size in self.ws_sent if at <= self.drawn_ms and size > 16)

    @property
    def ws_before_drawn(self) -> int:
        return sum(size for at, size in self.ws_received if at <= self.drawn_ms)


def visit(
    browser: Any,
    url: str,
    drawn: str,
    *,
    phone: bool = False,
    cpu_slowdown: float = 1.0,
    settle_s: float = 1.0,
) -> View:
    """Open ``url`` in a fresh context and record the view until ``drawn`` holds in some frame."""
    options: dict[str, Any] = dict(PHONE) if phone else {"viewport": VIEWPORT}
    context = browser.new_context(**options)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Performance.enable")
        if cpu_slowdown != 1.0:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
        log = _NetworkLog(cdp)
        started = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=DRAW_TIMEOUT_S * 1000)
        drawn_s = _wait_drawn(page, drawn, started)
        metrics = {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}
        page.wait_for_timeout(settle_s * 1000)
        view = log.view(drawn_s * 1000)
        view.metrics = {
            k: metrics[k] * 1000
            for k in ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration")
            if k in metrics
        }
        return view
    finally:
        context.close()


class _NetworkLog:
    """The DevTools network events of one page, timed from its first request."""

    def __init__(self, cdp: Any) -> None:
        self.t0: float | None = None
        self.requests: dict[str, Request] = {}
        self.ws_received: list[tuple[float, int]] = []
        self.ws_sent: list[tuple[float, int]] = []
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", lambda e: self.ws_received.append(self._frame(e)))
        cdp.on("Network.webSocketFrameSent", lambda e: self.ws_sent.append(self._frame(e)))

    def _ms(self, timestamp: float) -> float:
        if self.t0 is None:
            self.t0 = timestamp
        return (timestamp - self.t0) * 1000

    def _sent(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        if url.startswith("data:"):
            return
        self.requests[event["requestId"]] = Request(url, kind_of(url), self._ms(event["timestamp"]))

    def _finished(self, event: dict[str, Any]) -> None:
        found = self.requests.get(event["requestId"])
        if found is not None:
            found.end_ms = self._ms(event["timestamp"])
            found.bytes = int(event.get("encodedDataLength", 0))

    def _frame(self, event: dict[str, Any]) -> tuple[float, int]:
        """(ms, bytes) of a websocket message; a binary one (Streamlit's) comes base64-encoded."""
        frame = event["response"]
        payload = frame.get("payloadData", "")
        size = len(payload) * 3 // 4 - payload[-2:].count("=") if frame.get("opcode") == 2 else len(payload)
        return self._ms(event["timestamp"]), size

    def view(self, drawn_ms: float) -> View:
        return View(drawn_ms, list(self.requests.values()), list(self.ws_received), list(self.ws_sent))


def _wait_drawn(page: Any, predicate: str, started: float) -> float:
    deadline = started + DRAW_TIMEOUT_S
    while time.perf_counter() < deadline:
        for frame in page.frames:
            with contextlib.suppress(Exception):  # frames come and go while Streamlit renders
                if frame.evaluate(predicate):
                    return time.perf_counter() - started
        page.wait_for_timeout(30)
    raise RuntimeError(f"the map layer was not drawn within {DRAW_TIMEOUT_S:.0f} s: {page.url}")


# -- the table -------------------------------------------------------------------------------------


def _median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def breakdown(views: Sequence[View]) -> dict[str, float]:
    """Medians over ``views``: drawn, the main thread's busy time, websocket, reruns asked, and per
    kind of request its count, bytes and the time its last response ended."""
    row: dict[str, float] = {
        "drawn_ms": _median(v.drawn_ms for v in views),
        "script_ms": _median(v.metrics.get("ScriptDuration", 0) for v in views),
        "layout_style_ms": _median(
            v.metrics.get("LayoutDuration", 0) + v.metrics.get("RecalcStyleDuration", 0) for v in views
        ),
        "task_ms": _median(v.metrics.get("TaskDuration", 0) for v in views),
        "ws_first_ms": _median(v.ws_received[0][0] if v.ws_received else float("nan") for v in views),
        "ws_bytes_to_drawn": _median(v.ws_before_drawn for v in views),
        "reruns_asked": _median(v.reruns_asked for v in views),
        "requests_to_drawn": _median(sum(1 for r in v.requests if r.start_ms <= v.drawn_ms) for v in views),
        "http_bytes": _median(sum(r.bytes for r in v.requests) for v in views),
    }
    for phase in dict.fromkeys(p for v in views for p in v.phases()):
        row[f"phase: {phase}"] = _median(v.phases().get(phase, float("nan")) for v in views)
    kinds = sorted({k for v in views for k in v.by_kind()})
    for kind in kinds:
        found = [v.by_kind().get(kind) for v in views]
        row[f"{kind}: requests"] = _median(f[0] if f else 0 for f in found)
        row[f"{kind}: bytes"] = _median(f[1] if f else 0 for f in found)
        row[f"{kind}: start_ms"] = _median(f[2] for f in found if f)
        row[f"{kind}: end_ms"] = _median(f[3] for f in found if f)
    return row


def table(rows: dict[str, dict[str, float]]) -> str:
    """A Markdown table: one column per page, one row per measure."""
    names = list(rows)
    measures = list(dict.fromkeys(k for row in rows.values() for k in row))
    lines = ["| measure | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for measure in measures:
        cells = []
        for name in names:
            value = rows[name].get(measure)
            cells.append("–" if value is None or value != value else f"{value:,.0f}")
        lines.append(f"| {measure} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from playwright.sync_api import sync_playwright

    from benchmarks.run import FLOOR_DRAWN, OURS_DRAWN
    from tests.support.serving import CHROMIUM, CHROMIUM_ARGS

    parser = argparse.ArgumentParser(prog="python -m benchmarks.weight", description=__doc__.split("\n")[0])
    parser.add_argument("urls", nargs="+", help="NAME=URL; a name starting with 'floor' waits for the floor's map")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phone", action="store_true", help="390×844, touch, CPU slowed 4×")
    args = parser.parse_args(argv)
    pages = [tuple(item.split("=", 1)) for item in args.urls]
    views: dict[str, list[View]] = {name: [] for name, _ in pages}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for round_ in range(args.rounds):
            shift = round_ % len(pages)
            for name, url in [*pages[shift:], *pages[:shift]]:
                drawn = FLOOR_DRAWN if name.startswith("floor") else OURS_DRAWN
                slow = PHONE_CPU_SLOWDOWN if args.phone else 1.0
                views[name].append(visit(browser, url, drawn, phone=args.phone, cpu_slowdown=slow))
                print(f"{name}: {views[name][-1].drawn_ms:.0f} ms", file=sys.stderr, flush=True)
        browser.close()
    print(table({name: breakdown(v) for name, v in views.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
