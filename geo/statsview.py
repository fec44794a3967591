"""What the statistics page and the lägesbild show of a `geo.statistics.Statistics`: one
`Section` per chart, with its title, a one-sentence summary in plain language, the numbers
as a table (for screen readers, copying and print) and the chart's data.

Every number passes through `Statistics.shown`, so a count the viewer may not see is
written "färre än 5" (``stats.few``) in every table, summary and chart. Charts are
Vega-Lite specifications; Streamlit draws them from its own bundle, and the
document draws the same tables with bars in CSS. Imports no Streamlit.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.hexagons import PUBLIC_MIN_COUNT
from geo.i18n import Translator, format_day, format_month, format_number, is_rtl, label
from geo.model import Category, category_labels
from geo.statistics import FEELINGS, STATUSES, TIMES_OF_DAY, Hotspot, Statistics

UNSAFE_COLOUR, SAFE_COLOUR = "#b3261e", "#2e7d32"
"""Red for otrygg, green for trygg, as on the map's legend."""
BOTH_COLOUR = "#6b7075"
"""Grey for a month's total drawn whole, its otrygg and trygg parts being hidden."""
HOTSPOT_ZOOM = 16
"""Karta's zoom when a hot spot's link opens it."""


@dataclass(frozen=True)
class Section:
    """One chart of the page: ``table`` holds the numbers as shown (text, "färre än 5" where
    hidden); ``data`` the chart's long table (``label``, optional ``series``, ``value`` with
    None where hidden); ``kind`` the chart's form (``bar``, ``stacked``, ``heat`` or none)."""

    key: str
    title: str
    summary: str
    table: pd.DataFrame
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    kind: str = "bar"
    order: tuple[str, ...] = ()
    series_order: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyFigure:
    name: str
    value: str
    detail: str = ""


class StatsText:
    """Words for one language: numbers, "fewer than 5", labels."""

    def __init__(self, t: Translator, lang: str, categories: list[Category]) -> None:
        self.t, self.lang = t, lang
        self.category = category_labels(categories, lang)

    def count(self, value: int | None) -> str:
        return self.t("stats.few", k=PUBLIC_MIN_COUNT) if value is None else format_number(value, self.lang)

    def month(self, month: str) -> str:
        return format_month(dt.date.fromisoformat(f"{month}-01"), self.lang)

    def category_label(self, code: str) -> str:
        return self.category.get(code, code)

    def ratio(self, value: float) -> str:
        return format_number(round(value, 2), self.lang)

    def share(self, value: float) -> str:
        return f"{format_number(round(100 * value), self.lang)} %"


def key_figures(result: Statistics, words: StatsText) -> list[KeyFigure]:
    """The numbers first: reports, share otrygg, change against the previous period."""
    t = words.t
    figures = [KeyFigure(t("stats.fig_reports"), words.count(result.total))]
    share = result.share_unsafe
    figures.append(KeyFigure(t("stats.fig_unsafe"), words.share(share) if share is not None else "–"))
    rate = result.rate
    if rate is None:
        figures.append(KeyFigure(t("stats.fig_change"), "–", t("stats.change_unknown")))
    else:
        interval = t("stats.interval", low=words.ratio(rate.low), high=words.ratio(rate.high))
        figures.append(KeyFigure(t("stats.fig_change"), words.ratio(rate.ratio), interval))
    return figures


def period_text(result: Statistics, lang: str, t: Translator) -> str:
    return t("stats.period", start=format_day(result.period.start, lang), end=format_day(result.period.end, lang))


TABS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("time", ("month", "compare")),
    ("what", ("category", "time", "category_time")),
    ("where", ("area", "hotspots")),
    ("cases", ("status",)),
)
"""The statistics page's tabs (``stats.tab.<key>``) and the sections each holds, in order."""


def sections(
    result: Statistics,
    words: StatsText,
    *,
    karta_params: dict[str, str] | None = None,
    keys: tuple[str, ...] | None = None,
) -> list[Section]:
    """The charts of ``keys`` (by default every chart of the page, in its order)."""
    builders: dict[str, Callable[[], Section]] = {
        "month": lambda: months_section(result, words),
        "category": lambda: category_section(result, words),
        "time": lambda: time_section(result, words),
        "category_time": lambda: category_time_section(result, words),
        "area": lambda: areas_section(result, words),
        "compare": lambda: comparison_section(result, words),
        "status": lambda: status_section(result, words),
        "hotspots": lambda: hotspot_section(result, words, karta_params or {}),
    }
    return [builders[key]() for key in (keys or builders)]


def _largest(pairs: list[tuple[str, int | None]]) -> tuple[str, int] | None:
    shown = [(name, value) for name, value in pairs if value is not None and value > 0]
    return max(shown, key=lambda pair: pair[1]) if shown else None


def _summary(words: StatsText, key: str, top: tuple[str, int] | None, **values: object) -> str:
    if top is None:
        return words.t("stats.summary_none")
    return words.t(key, name=top[0], n=top[1], count=words.count(top[1]), **values)


def months_section(result: Statistics, words: StatsText) -> Section:
    t = words.t
    rows, data = [], []
    for month in result.months:
        name = words.month(month)
        cells = {f: result.shown("month_feeling", month, f) for f in FEELINGS}
        rows.append(
            {
                t("stats.col_month"): name,
                **{label("feeling", f, words.lang): words.count(cells[f]) for f in FEELINGS},
                t("stats.col_total"): words.count(result.shown("month", month)),
            }
        )
        data += _month_bars(name, cells, result.shown("month", month), words)
    top = _largest([(words.month(m), result.shown("month", m)) for m in result.months])
    return Section(
        "month",
        t("stats.by_month"),
        _summary(words, "stats.summary_month", top),
        pd.DataFrame(rows),
        pd.DataFrame(data),
        "stacked",
        tuple(words.month(m) for m in result.months),
        _month_series(data, words),
    )


def _month_series(data: list[dict[str, Any]], words: StatsText) -> tuple[str, ...]:
    """The month chart's series: otrygg and trygg, and the grey whole total where a month has one."""
    both = words.t("stats.series_both")
    feelings = tuple(label("feeling", f, words.lang) for f in FEELINGS)
    return (*feelings, both) if any(row["series"] == both for row in data) else feelings


def _month_bars(name: str, cells: dict[str, int | None], total: int | None, words: StatsText) -> list[dict[str, Any]]:
    """A month's bars: otrygg and trygg apart; where both are hidden but the month's total is not,
    the total as one bar of its own colour ("split hidden"), so the month does not look empty."""
    if total and all(cells[f] is None for f in FEELINGS):
        return [{"label": name, "series": words.t("stats.series_both"), "value": total}]
    return [{"label": name, "series": label("feeling", f, words.lang), "value": cells[f]} for f in FEELINGS]


def _one_way(
    result: Statistics, words: StatsText, key: str, prefix: str, codes: tuple[str, ...], name: Callable[[str], str]
) -> Section:
    t = words.t
    pairs = [(name(code), result.shown(prefix, code)) for code in codes]
    table = pd.DataFrame(
        {t(f"stats.col_{key}"): [p[0] for p in pairs], t("stats.col_count"): [words.count(p[1]) for p in pairs]}
    )
    data = pd.DataFrame({"label": [p[0] for p in pairs], "value": [p[1] for p in pairs]})
    return Section(
        key,
        t(f"stats.by_{key}"),
        _summary(words, f"stats.summary_{key}", _largest(pairs)),
        table,
        data,
        "bar",
        tuple(data["label"]),
    )


def category_section(result: Statistics, words: StatsText) -> Section:
    return _one_way(result, words, "category", "category", result.categories, words.category_label)


def time_section(result: Statistics, words: StatsText) -> Section:
    return _one_way(result, words, "time", "tod", TIMES_OF_DAY, lambda code: label("time_of_day", code, words.lang))


def category_time_section(result: Statistics, words: StatsText) -> Section:
    t = words.t
    tods = {tod: label("time_of_day", tod, words.lang) for tod in TIMES_OF_DAY}
    rows, data, pairs = [], [], []
    for code in result.categories:
        name = words.category_label(code)
        row = {t("stats.col_category"): name}
        for tod, tod_name in tods.items():
            value = result.shown("cat_tod", code, tod)
            row[tod_name] = words.count(value)
            data.append({"label": name, "series": tod_name, "value": value})
            pairs.append((t("stats.pair", category=name, time=tod_name), value))
        rows.append(row)
    return Section(
        "category_time",
        t("stats.by_category_time"),
        _summary(words, "stats.summary_category_time", _largest(pairs)),
        pd.DataFrame(rows),
        pd.DataFrame(data),
        "heat",
        tuple(words.category_label(c) for c in result.categories),
        tuple(tods.values()),
    )


def areas_section(result: Statistics, words: StatsText) -> Section:
    t = words.t
    pairs = [(area.name, result.shown("area", area.id)) for area in result.areas]
    table = pd.DataFrame(
        {
            t("stats.col_area"): [a.name for a in result.areas],
            t("stats.col_kind"): [t(f"stats.area_kind.{a.kind}") for a in result.areas],
            t("stats.col_count"): [words.count(p[1]) for p in pairs],
        }
    )
    data = pd.DataFrame({"label": [p[0] for p in pairs], "value": [p[1] for p in pairs]})
    summary = _summary(words, "stats.summary_area", _largest(pairs)) if pairs else t("stats.no_areas")
    return Section("area", t("stats.by_area"), summary, table, data, "bar", tuple(data["label"]))


def comparison_section(result: Statistics, words: StatsText) -> Section:
    t = words.t
    lang = words.lang
    periods = [
        (t("stats.this_period"), result.period, result.shown("total")),
        (t("stats.previous_period"), result.previous, result.shown("previous")),
    ]
    table = pd.DataFrame(
        {
            t("stats.col_period"): [name for name, _, _ in periods],
            t("stats.col_days"): [f"{format_day(p.start, lang)} – {format_day(p.end, lang)}" for _, p, _ in periods],
            t("stats.col_count"): [words.count(v) for _, _, v in periods],
        }
    )
    rate = result.rate
    if rate is None:
        summary = t("stats.summary_compare_unknown")
    else:
        summary = t(
            "stats.summary_compare",
            now=words.count(periods[0][2]),
            before=words.count(periods[1][2]),
            ratio=words.ratio(rate.ratio),
            low=words.ratio(rate.low),
            high=words.ratio(rate.high),
        )
    data = pd.DataFrame({"label": [name for name, _, _ in periods], "value": [v for _, _, v in periods]})
    return Section("compare", t("stats.by_period"), summary, table, data, "bar", tuple(data["label"]))


def status_section(result: Statistics, words: StatsText) -> Section:
    t = words.t
    pairs = [(label("status", s, words.lang), result.shown("status", s)) for s in STATUSES]
    table = pd.DataFrame(
        {t("stats.col_status"): [p[0] for p in pairs], t("stats.col_count"): [words.count(p[1]) for p in pairs]}
    )
    days = result.median_days_to_close
    summary = t(
        "stats.summary_status",
        open=words.count(result.shown("open")),
        closed=words.count(result.shown("closed")),
    )
    if days is not None:
        summary += " " + t("stats.summary_close_days", days=format_number(days, words.lang))
    data = pd.DataFrame({"label": [p[0] for p in pairs], "value": [p[1] for p in pairs]})
    return Section("status", t("stats.by_status"), summary, table, data, "bar", tuple(data["label"]))


def karta_link(spot: Hotspot, params: dict[str, str]) -> str:
    """The address of Karta at ``spot`` with the page's filters (relative to the app)."""
    query = {**params, "lat": f"{spot.lat:.5f}", "lon": f"{spot.lon:.5f}", "z": str(HOTSPOT_ZOOM)}
    return "./?" + urllib.parse.urlencode(query)


def hotspot_name(spot: Hotspot, t: Translator) -> str:
    if spot.place is None:
        return t("stats.hotspot_unnamed")
    return t("stats.hotspot_near", place=spot.place.name, m=int(round(spot.distance_m, -1)))


def hotspot_section(result: Statistics, words: StatsText, karta_params: dict[str, str]) -> Section:
    t = words.t
    spots = result.hotspots
    table = pd.DataFrame(
        {
            "#": list(range(1, len(spots) + 1)),
            t("stats.col_place"): [hotspot_name(s, t) for s in spots],
            t("stats.col_unsafe"): [words.count(s.count) for s in spots],
            t("stats.col_link"): [karta_link(s, karta_params) for s in spots],
        }
    )
    if spots and spots[0].place is not None:
        first = spots[0]
        place = first.place.name if first.place else ""
        summary = t(
            "stats.summary_hotspot", place=place, m=int(round(first.distance_m, -1)), n=words.count(first.count)
        )
    elif spots:
        summary = t("stats.summary_hotspot_unnamed", n=words.count(spots[0].count))
    else:
        summary = t("stats.summary_no_hotspot", k=PUBLIC_MIN_COUNT)
    return Section("hotspots", t("stats.hotspots"), summary, table, kind="")


ChartSpec = dict[str, Any]
"""A Vega-Lite specification without its data (`chart` gives the data beside it)."""


def chart(section: Section, lang: str) -> tuple[pd.DataFrame, ChartSpec] | None:
    """The chart of ``section`` as (its data, a Vega-Lite specification), None when it has none.
    Hidden counts draw no bar; in Arabic the category axis sits on the right and bars grow
    leftwards. Written as plain Vega-Lite (Streamlit draws it from its own bundle): building it
    through Altair validated the whole schema on every run of the page, a tenth of a second."""
    data = section.data
    if section.kind == "" or data.empty or data["value"].isna().all():
        return None
    data = data.assign(value=pd.to_numeric(data["value"], errors="coerce"))
    sort = list(section.order)
    label_axis = {"labelLimit": 0, "title": None, "orient": "right" if is_rtl(lang) else "left"}
    if section.kind == "heat":
        spec = _heat_spec(section, sort, label_axis)
    elif section.kind == "stacked":
        spec = _stacked_spec(section, sort)
        data = data.dropna(subset=["value"])
    else:
        spec = _bar_spec(section, sort, label_axis, lang)
        data = data.dropna(subset=["value"])
    return data.reset_index(drop=True), spec


def _field(name: str, kind: str, **more: object) -> dict[str, object]:
    return {"field": name, "type": kind, **more}


def _heat_spec(section: Section, sort: list[str], label_axis: dict[str, object]) -> ChartSpec:
    return {
        "mark": {"type": "rect"},
        "height": max(120, 26 * len(sort)),
        "encoding": {
            "y": _field("label", "nominal", sort=sort, axis=label_axis),
            "x": _field(
                "series",
                "nominal",
                sort=list(section.series_order),
                axis={"title": None, "labelAngle": 0, "orient": "top"},
            ),
            "color": _field("value", "quantitative", scale={"scheme": "reds"}, legend=None),
            "tooltip": [_field("label", "nominal"), _field("series", "nominal"), _field("value", "quantitative")],
        },
    }


def _stacked_spec(section: Section, sort: list[str]) -> ChartSpec:
    colours = {"domain": list(section.series_order), "range": [UNSAFE_COLOUR, SAFE_COLOUR, BOTH_COLOUR]}
    return {
        "mark": {"type": "bar"},
        "height": 280,
        "encoding": {
            "x": _field("label", "nominal", sort=sort, axis={"title": None, "labelAngle": -40}),
            "y": _field("value", "quantitative", axis=COUNT_AXIS, stack="zero"),
            "color": _field("series", "nominal", scale=colours, legend=MONTH_LEGEND),
            "tooltip": [_field("label", "nominal"), _field("series", "nominal"), _field("value", "quantitative")],
        },
    }


def _bar_spec(section: Section, sort: list[str], label_axis: dict[str, object], lang: str) -> ChartSpec:
    return {
        "mark": {"type": "bar", "color": UNSAFE_COLOUR if section.key != "compare" else "#555555"},
        "height": max(100, 28 * len(sort) + 30),
        "encoding": {
            "y": _field("label", "nominal", sort=sort, axis=label_axis),
            "x": _field("value", "quantitative", axis=COUNT_AXIS, scale={"reverse": is_rtl(lang)}),
            "tooltip": [_field("label", "nominal"), _field("value", "quantitative")],
        },
    }


COUNT_AXIS = {"title": None, "tickMinStep": 1, "format": "d"}
"""Counts are whole numbers: a period with none drew its only tick as "0.000000" without the format."""
MONTH_LEGEND = {"title": None, "orient": "top", "labelLimit": 0}
"""Above the month chart, its labels never cut."""
