"""Statistics of reports for the statistics page (``/statistik``) and the lägesbild.

`compute` asks the store for grouped counts (``GROUP BY`` in SQL, `geo.store.stats`), never
for every report, and returns one `Statistics`: every number the page and the document show,
each under a key, with the set of keys the viewer may not see.

**Public suppression.** The public sees published reports only (`geo.layers.report_query`),
located at the public 50 m grid (`geo.public`) for hot spots, and never a count under
`PUBLIC_MIN_COUNT` (5): such a count is shown as "färre än 5". That alone is not enough:
wherever a published total is the sum of published cells (a category total and its times of
day, the total and its months), the total minus the visible cells reveals the sum of the hidden
ones. `suppress` therefore hides more cells (the smallest visible one first) until no published
sum reveals a hidden sum between 1 and 4, nor a single hidden cell. Zero counts are hidden like
any count under 5. Staff see every count (and pending reports too).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geo.analysis import RateRatio, rate_ratio
from geo.caching import CountsCache
from geo.config import LOCAL_TIME_ZONE
from geo.crs import to_sweref99tm, to_wgs84
from geo.hexagons import PUBLIC_MIN_COUNT, PointsCache, cell_counts, cell_parents
from geo.layers import ReportFilter, report_query
from geo.model import Feeling, PlaceKind, Role, Status, TimeOfDay
from geo.places import Place, known_places
from geo.store import Store

Key = tuple[str, ...]
"""A published number: ``("total",)``, ``("category", code)``, ``("cat_tod", code, tod)``, ..."""

HOTSPOT_RESOLUTION = 9
"""H3 resolution of a hot spot (cells of about 0.1 km², edges of about 200 m)."""
HOTSPOT_LIMIT = 10
VILLAGE_RADIUS_M = 1500.0
"""A village counts the reports within this many metres (SWEREF 99 TM) of its gazetteer point."""
FEELINGS = tuple(f.value for f in Feeling)
TIMES_OF_DAY = tuple(t.value for t in TimeOfDay)
STATUSES = tuple(s.value for s in Status)
OPEN_STATUSES = tuple(s.value for s in Status if s.is_open)
CLOSED_STATUSES = tuple(s.value for s in Status if not s.is_open)


# --- the suppression rule -------------------------------------------------------------------


def suppress(
    values: Mapping[Key, int], sums: Iterable[tuple[Key, Sequence[Key]]], k: int = PUBLIC_MIN_COUNT
) -> frozenset[Key]:
    """Which of ``values`` the public may not see. ``sums`` lists the published identities
    ``values[total] == sum(values[part] for part in parts)``.

    Every value under ``k`` is hidden (primary). Then, until nothing changes, for each identity:
    when the total is visible, the hidden parts' sum is revealed (total minus the visible parts);
    when it lies between 1 and ``k - 1``, the smallest visible non-zero part is hidden too (or the
    total, when no such part is left). When the total is hidden and every part visible, the total
    is revealed: the smallest visible non-zero part is hidden. Terminates: each step hides a key.
    """
    hidden = {key for key, value in values.items() if value < k}
    identities = [(total, tuple(parts)) for total, parts in sums]
    changed = True
    while changed:
        changed = False
        for total, parts in identities:
            hidden_parts = [p for p in parts if p in hidden]
            if total not in hidden:
                revealed = sum(values[p] for p in hidden_parts)
                if not hidden_parts or not 0 < revealed < k:
                    continue
            elif hidden_parts or values[total] == 0:
                continue
            visible = sorted((values[p], p) for p in parts if p not in hidden and values[p] > 0)
            if visible:
                hidden.add(visible[0][1])
            elif total not in hidden:
                hidden.add(total)
            else:
                continue
            changed = True
    return frozenset(hidden)


# --- what is counted ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole local days, ``start`` and ``end`` both included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def before(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def months(self) -> list[str]:
        """``YYYY-MM`` of every month the period touches, in order."""
        return [str(p) for p in pd.period_range(self.start, self.end, freq="M")]


@dataclass(frozen=True)
class Hotspot:
    """An H3 cell with many unsafe reports; ``lon``/``lat`` its centre (EPSG:4326), ``place``
    the nearest known place (None when the app knows none) and ``distance_m`` to it."""

    cell: str
    count: int
    lon: float
    lat: float
    place: Place | None
    distance_m: float


@dataclass(frozen=True)
class Area:
    """A zone or a village counted on its own: ``kind`` is a zone kind or ``ort``."""

    id: str
    name: str
    kind: str


@dataclass(frozen=True)
class Statistics:
    """Every number of one view, under its `Key`; ``hidden`` the keys the viewer may not see."""

    viewer: Role
    filter: ReportFilter
    period: Period
    previous: Period
    values: Mapping[Key, int]
    hidden: frozenset[Key]
    categories: tuple[str, ...]
    months: tuple[str, ...]
    areas: tuple[Area, ...]
    hotspots: tuple[Hotspot, ...]
    median_days_to_close: float | None

    def shown(self, *key: str) -> int | None:
        """The value of ``key``, None where the viewer sees "fewer than 5"."""
        return None if key in self.hidden else self.values.get(key, 0)

    @property
    def total(self) -> int | None:
        return self.shown("total")

    @property
    def empty(self) -> bool:
        """No report in the period and area (for any viewer: zero is no secret then)."""
        return self.values.get(("total",), 0) == 0

    @property
    def share_unsafe(self) -> float | None:
        """Share of otrygg among the period's reports, None when either count is hidden or both zero."""
        unsafe, safe = self.shown("feeling", Feeling.UNSAFE.value), self.shown("feeling", Feeling.SAFE.value)
        if unsafe is None or safe is None or unsafe + safe == 0:
            return None
        return unsafe / (unsafe + safe)

    @property
    def rate(self) -> RateRatio | None:
        """This period against the previous one (rate ratio and 95 % interval); None when
        either count is hidden or both are zero."""
        now, before = self.shown("total"), self.shown("previous")
        if now is None or before is None:
            return None
        return rate_ratio(now, before, self.period.days, self.previous.days)

    @property
    def suppressed(self) -> int:
        """How many published numbers are shown as "fewer than 5"."""
        return len(self.hidden)


def period_of(store: Store, flt: ReportFilter, today: dt.date) -> Period:
    """The period of ``flt``: its dates, or from the first report (at most a year back) to today."""
    end = flt.date_to or today
    if flt.date_from is not None:
        start = flt.date_from
    else:
        first = store.first_report_at()
        first_day = first.astimezone(LOCAL_TIME_ZONE).date() if first else end
        start = max(first_day, end - dt.timedelta(days=364))
    return Period(min(start, end), max(start, end))


CUBE_KEYS = ("category", "feeling", "time_of_day", "status")
"""What a report's filters choose by: counts are grouped by these once and narrowed in pandas."""


def compute(
    store: Store,
    flt: ReportFilter,
    *,
    viewer: Role,
    today: dt.date,
    cache: CountsCache | None = None,
    points: PointsCache | None = None,
) -> Statistics:
    """The statistics of ``flt`` (its dates give the period, see `period_of`) as ``viewer`` may see them.

    ``cache`` keeps the grouped counts of the period, area and viewer (`CountsCache`), ``points``
    the located reports of the hot spots (`geo.hexagons.PointsCache`, shared with Karta); without
    them every number is asked for anew. With ``cache``, a view asked for before (the same filter,
    viewer and day, on the same data) is answered from it whole."""
    if cache is None:
        return _compute(store, flt, viewer=viewer, today=today, cache=CountsCache(max_entries=8), points=points)
    key = ("statistics", flt, viewer, today)
    return cache.get(store, key, lambda: _compute(store, flt, viewer=viewer, today=today, cache=cache, points=points))


def _compute(
    store: Store, flt: ReportFilter, *, viewer: Role, today: dt.date, cache: CountsCache, points: PointsCache | None
) -> Statistics:
    period = period_of(store, flt, today)
    flt = dataclasses.replace(flt, date_from=period.start, date_to=period.end)
    broad = dataclasses.replace(flt, categories=(), feelings=(), times_of_day=(), statuses=())
    query = report_query(broad, viewer)
    areas = tuple(_areas(store))
    closed = dataclasses.replace(query, statuses=CLOSED_STATUSES)
    previous = period.before()
    before_query = report_query(dataclasses.replace(broad, date_from=previous.start, date_to=previous.end), viewer)
    # the database's four questions are independent: asked side by side (SQLite reads without the GIL)
    with ThreadPoolExecutor(max_workers=2 if store.parallel_reads else 1) as pool:
        asked = pool.submit(_counts, store, broad, viewer, areas, cache)
        asked_closing = pool.submit(
            cache.get, store, ("closing", closed), lambda: store.report_counts(closed, (*CUBE_KEYS, "days_open"))
        )
        asked_before = pool.submit(
            cache.get, store, ("cube", before_query), lambda: store.report_counts(before_query, CUBE_KEYS)
        )
        asked_hotspots = pool.submit(hotspots, store, flt, viewer=viewer, points=points, cache=cache)
        counted, in_areas = asked.result()
    by_month = _narrow(counted, flt)
    cube = by_month.groupby(list(CUBE_KEYS), as_index=False)["count"].sum()
    closing = _narrow(asked_closing.result(), flt)
    before = _narrow(asked_before.result(), flt)
    categories = _categories(store, cube)
    months = tuple(period.months())
    values: dict[Key, int] = {("previous",): int(before["count"].sum())}
    sums: list[tuple[Key, Sequence[Key]]] = []
    _cube_values(cube, categories, values, sums)
    _month_values(by_month, months, values, sums)
    for area, counts in zip(areas, in_areas, strict=True):
        values[("area", area.id)] = int(_narrow(counts, flt)["count"].sum())
    hidden = frozenset() if viewer.is_staff else suppress(values, sums)
    if values[("total",)] == 0:  # nothing to protect: every count of the period is zero
        hidden = frozenset(key for key in hidden if key == ("previous",) and values[key] > 0)
    return Statistics(
        viewer=viewer,
        filter=flt,
        period=period,
        previous=previous,
        values=values,
        hidden=hidden,
        categories=categories,
        months=months,
        areas=areas,
        hotspots=tuple(asked_hotspots.result()),
        median_days_to_close=_median_days(closing.groupby("days_open", as_index=False)["count"].sum(), viewer),
    )


def _narrow(counts: pd.DataFrame, flt: ReportFilter) -> pd.DataFrame:
    """The rows of grouped ``counts`` that ``flt``'s categories, feelings, times of day and statuses choose."""
    chosen = np.ones(len(counts), dtype=bool)
    for column, values in (
        ("category", flt.categories),
        ("feeling", flt.feelings),
        ("time_of_day", flt.times_of_day),
        ("status", flt.statuses),
    ):
        if values:
            chosen &= counts[column].isin(values).to_numpy()
    return counts[chosen]


def _categories(store: Store, cube: pd.DataFrame) -> tuple[str, ...]:
    known = [c.code for c in store.categories(include_inactive=True) if c.active]
    seen_inactive = sorted(set(cube["category"]) - set(known))
    return (*known, *seen_inactive)


def _cube_values(
    cube: pd.DataFrame, categories: Sequence[str], values: dict[Key, int], sums: list[tuple[Key, Sequence[Key]]]
) -> None:
    """Totals by category, feeling, time of day, status and category × time of day, with their identities."""

    totals = {column: cube.groupby(column)["count"].sum().to_dict() for column in CUBE_KEYS}
    pairs = cube.groupby(["category", "time_of_day"])["count"].sum().to_dict()

    def total_of(column: str, value: str) -> int:
        return int(totals[column].get(value, 0))

    values[("total",)] = int(cube["count"].sum())
    for code in categories:
        values[("category", code)] = total_of("category", code)
        for tod in TIMES_OF_DAY:
            values[("cat_tod", code, tod)] = int(pairs.get((code, tod), 0))
        sums.append((("category", code), [("cat_tod", code, tod) for tod in TIMES_OF_DAY]))
    for tod in TIMES_OF_DAY:
        values[("tod", tod)] = total_of("time_of_day", tod)
        sums.append((("tod", tod), [("cat_tod", code, tod) for code in categories]))
    for feeling in FEELINGS:
        values[("feeling", feeling)] = total_of("feeling", feeling)
    for status in STATUSES:
        values[("status", status)] = total_of("status", status)
    values[("open",)] = sum(values[("status", s)] for s in OPEN_STATUSES)
    values[("closed",)] = sum(values[("status", s)] for s in CLOSED_STATUSES)
    sums += [
        (("total",), [("category", c) for c in categories]),
        (("total",), [("tod", t) for t in TIMES_OF_DAY]),
        (("total",), [("feeling", f) for f in FEELINGS]),
        (("total",), [("status", s) for s in STATUSES]),
        (("total",), [("open",), ("closed",)]),
        (("open",), [("status", s) for s in OPEN_STATUSES]),
        (("closed",), [("status", s) for s in CLOSED_STATUSES]),
    ]
    # a category of one feeling only (as the form makes them): its feeling's total is its categories' sum
    feelings_of = cube[cube["count"] > 0].groupby("category")["feeling"].nunique()
    if (feelings_of <= 1).all():
        for feeling in FEELINGS:
            codes = set(cube.loc[cube["feeling"] == feeling, "category"])
            sums.append((("feeling", feeling), [("category", c) for c in categories if c in codes]))


def local_months(months: pd.Series) -> pd.Series:
    """``YYYY-MM`` in Swedish local time of the store's ``month`` key: a month as it is, a UTC
    hour (``YYYY-MM-DD HH``, given where the month depends on the time of year) placed exactly."""
    text = months.astype(str)
    hours = text.str.len() > 7
    if not hours.any():
        return text
    moments = pd.to_datetime(text[hours], format="%Y-%m-%d %H").dt.tz_localize("UTC")
    return text.where(~hours, moments.dt.tz_convert(LOCAL_TIME_ZONE).dt.strftime("%Y-%m"))


def _month_values(
    counts: pd.DataFrame, months: Sequence[str], values: dict[Key, int], sums: list[tuple[Key, Sequence[Key]]]
) -> None:
    """Totals per local month and per month × feeling, with their identities."""
    frame = counts.assign(month=local_months(counts["month"])) if len(counts) else counts
    grouped = frame.groupby(["month", "feeling"])["count"].sum() if len(frame) else pd.Series(dtype="int64")
    for month in months:
        for feeling in FEELINGS:
            values[("month_feeling", month, feeling)] = int(grouped.get((month, feeling), 0))
        values[("month", month)] = sum(values[("month_feeling", month, f)] for f in FEELINGS)
        sums.append((("month", month), [("month_feeling", month, f) for f in FEELINGS]))
    for feeling in FEELINGS:
        sums.append((("feeling", feeling), [("month_feeling", m, feeling) for m in months]))
    sums.append((("total",), [("month", m) for m in months]))


def _areas(store: Store) -> list[Area]:
    zones = [Area(z.id, z.name, str(z.kind)) for z in store.zones()]
    villages = [Area(f"ort:{p.name}", p.name, PlaceKind.LOCALITY.value) for p in _villages(store)]
    return zones + villages


def _villages(store: Store) -> list[Place]:
    return [
        Place(p.name, str(p.kind), p.lon, p.lat) for p in store.place_names() if str(p.kind) == PlaceKind.LOCALITY.value
    ]


def village_circle(lon: float, lat: float, radius_m: float = VILLAGE_RADIUS_M) -> shapely.Geometry:
    """The area a village counts: a circle of ``radius_m`` metres (in SWEREF 99 TM) around its
    point (``lon``/``lat`` EPSG:4326), returned in EPSG:4326."""
    x, y = to_sweref99tm().transform(lon, lat)
    back = to_wgs84()
    circle = shapely.Point(x, y).buffer(radius_m, quad_segs=32)
    return shapely.transform(circle, lambda xs, ys: back.transform(xs, ys), interleaved=False)


def _counts(
    store: Store, broad: ReportFilter, viewer: Role, areas: Sequence[Area], cache: CountsCache
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Counts by `CUBE_KEYS` and month of ``broad`` (a filter choosing only period and area), and
    of its reports in each of ``areas`` (its own area set aside): one pass over the reports when
    ``broad`` has no area (`geo.store.Store.report_counts_with_areas`)."""
    query = report_query(broad, viewer)
    everywhere = report_query(dataclasses.replace(broad, zone_id=None), viewer)
    shapes = {z.id: shapely.from_wkt(z.geometry_wkt) for z in store.zones()}
    shapes |= {f"ort:{p.name}": village_circle(p.lon, p.lat) for p in _villages(store)}
    chosen = [shapes[area.id] for area in areas]
    key = ("areas", everywhere, tuple(shapely.to_wkb(shape) for shape in chosen))
    keys = (*CUBE_KEYS, "month")
    whole, in_areas = cache.get(
        store, key, lambda: store.report_counts_with_areas(everywhere, chosen, keys, area_by=CUBE_KEYS)
    )
    if query != everywhere:
        whole = cache.get(store, ("cube", query), lambda: store.report_counts(query, keys))
    return whole, in_areas


def _median_days(closing: pd.DataFrame, viewer: Role) -> float | None:
    """The median of whole days from report to last change among closed cases (None when
    none, or for the public when fewer than `PUBLIC_MIN_COUNT`)."""
    counts = closing["count"].to_numpy(dtype=np.int64)
    total = int(counts.sum())
    if total == 0 or (not viewer.is_staff and total < PUBLIC_MIN_COUNT):
        return None
    days = closing["days_open"].to_numpy(dtype=float)
    order = np.argsort(days)
    return float(np.repeat(days[order], counts[order])[(total - 1) // 2 : total // 2 + 1].mean())


# --- hot spots ------------------------------------------------------------------------------


def hotspots(
    store: Store,
    flt: ReportFilter,
    *,
    viewer: Role,
    limit: int = HOTSPOT_LIMIT,
    places: Collection[Place] | None = None,
    points: PointsCache | None = None,
    cache: CountsCache | None = None,
) -> list[Hotspot]:
    """The H3 cells (`HOTSPOT_RESOLUTION`) with the most otrygg reports of ``flt``, most first,
    each named by the nearest known place (`geo.places.known_places`). The public's are made
    from the public 50 m positions and list only cells of at least `PUBLIC_MIN_COUNT` reports.
    Counted from the located reports when ``points`` already holds them (Karta's cache), else in
    SQL from the cells stored with the reports (`geo.hexagons.cell_counts`), kept in ``cache``."""
    if flt.feelings and Feeling.UNSAFE.value not in flt.feelings:
        return []
    unsafe = dataclasses.replace(flt, feelings=(Feeling.UNSAFE.value,))
    located = points.peek(store, unsafe, viewer=viewer) if points else None
    if located is not None:
        cells, counts = np.unique(cell_parents(located.cells, HOTSPOT_RESOLUTION), return_counts=True)
    else:
        cells, counts = cell_counts(store, unsafe, HOTSPOT_RESOLUTION, viewer=viewer, cache=cache)
    if not cells.size:
        return []
    order = np.lexsort((cells, -counts))[:limit]
    floor = 1 if viewer.is_staff else PUBLIC_MIN_COUNT
    chosen = [(int(cells[i]), int(counts[i])) for i in order if counts[i] >= floor]
    named = list(places) if places is not None else known_places(store)
    return [_hotspot(cell, count, named) for cell, count in chosen]


def _hotspot(cell: int, count: int, places: Sequence[Place]) -> Hotspot:
    import h3

    address = h3.int_to_str(cell)
    lat, lon = h3.cell_to_latlng(address)
    place, distance = nearest_place(lon, lat, places)
    return Hotspot(address, count, lon, lat, place, distance)


def nearest_place(lon: float, lat: float, places: Sequence[Place]) -> tuple[Place | None, float]:
    """The place nearest ``lon``/``lat`` (EPSG:4326), measured in SWEREF 99 TM metres."""
    if not places:
        return None, float("nan")
    forward = to_sweref99tm()
    x, y = forward.transform(lon, lat)
    xs, ys = forward.transform(np.array([p.lon for p in places]), np.array([p.lat for p in places]))
    distances = np.hypot(np.asarray(xs) - x, np.asarray(ys) - y)
    best = int(np.argmin(distances))
    return places[best], float(distances[best])
