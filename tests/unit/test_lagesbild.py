"""The lägesbild (#18): the PDF opens in pdfinfo, its text holds the key figures and the
Arabic title, its numbers equal counts made here from the store, an empty period says so,
and `python -m geo lagesbild` writes it."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
import shapely

from geo import audit, lagesbild
from geo.cli import main
from geo.i18n import format_number, label
from geo.model import Role
from geo.statistics import Period
from geo.store import Store
from tests.conftest import NOW, SQUARE_WKT
from tests.unit.test_statistics import independent_values, many_reports, rows

PERIOD = Period(dt.date(2026, 1, 1), dt.date(2026, 10, 31))


@pytest.fixture
def lb_store(filled_store: Store) -> Store:
    filled_store.add_reports_frame(many_reports())
    return filled_store


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "lagesbild.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+[1-9]", info)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def promise_area(store: Store) -> lagesbild.Zone:
    return lagesbild.find_zone(store, "centrum")


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_issue_18_pdf_holds_title_key_figures_and_promise(lb_store: Store, lang: str, tmp_path: Path) -> None:
    zone = promise_area(lb_store)
    doc = lagesbild.make(
        lb_store, actor=audit.SYSTEM, zone=zone, date_from=PERIOD.start, date_to=PERIOD.end, lang=lang, today=NOW.date()
    )
    text = pdf_text(lagesbild.pdf(lb_store, doc), tmp_path)
    expected = independent_values(
        rows(lb_store, Role.PUBLIC, PERIOD, shapely.from_wkt(SQUARE_WKT)),
        ("dalig_belysning", "trafik", "bra_belysning"),
        tuple(PERIOD.months()),
    )
    total = expected[("total",)]
    assert total >= 5 and doc.statistics.values[("total",)] == total
    title = {"sv": "Lägesbild: Centrum", "ar": "صورة الوضع: Centrum"}[lang]
    if lang == "sv":
        assert title in text
    else:  # pdftotext writes right-to-left runs in visual order: look for the words
        assert "صورة الوضع" in text and "Centrum" in text
    assert format_number(total, lang) in text
    unsafe = expected[("feeling", "otrygg")] / total
    if min(expected[("feeling", "otrygg")], expected[("feeling", "trygg")]) >= 5:
        assert f"{format_number(round(100 * unsafe), lang)} %" in text
    assert "Vi lovar" in text  # the promise's text
    for tod in ("dag", "kvall", "natt"):
        value = expected[("tod", tod)]
        shown = format_number(value, lang) if ("tod", tod) not in doc.statistics.hidden else None
        assert doc.statistics.shown("tod", tod) == (None if shown is None else value)
        if shown and lang == "sv":
            assert re.search(rf"{label('time_of_day', tod, lang)}\s+{shown}\b", text)


def test_issue_18_html_tables_hold_the_independent_counts(lb_store: Store) -> None:
    doc = lagesbild.make(
        lb_store, actor=audit.SYSTEM, zone=None, date_from=PERIOD.start, date_to=PERIOD.end, lang="sv", today=NOW.date()
    )
    page = lagesbild.html(lb_store, doc)
    expected = independent_values(
        rows(lb_store, Role.PUBLIC, PERIOD), ("dalig_belysning", "trafik", "bra_belysning"), tuple(PERIOD.months())
    )
    for code, name in (
        ("dalig_belysning", "Dålig belysning"),
        ("trafik", "Trafik"),
        ("bra_belysning", "Bra belysning"),
    ):
        value = expected[("category", code)]
        cell = "färre än 5" if ("category", code) in doc.statistics.hidden else format_number(value, "sv")
        assert re.search(rf"{name}</td><td class=\"num\">{re.escape(cell)}</td>", page), name
        assert value >= 5 or cell == "färre än 5"
    assert "<svg" in page and "tile.openstreetmap" not in page


def test_issue_18_an_empty_period_gives_a_document_that_says_so(lb_store: Store, tmp_path: Path) -> None:
    zone = promise_area(lb_store)
    doc = lagesbild.make(
        lb_store,
        actor=audit.SYSTEM,
        zone=zone,
        date_from=dt.date(2010, 1, 1),
        date_to=dt.date(2010, 3, 1),
        lang="sv",
        today=NOW.date(),
    )
    text = pdf_text(lagesbild.pdf(lb_store, doc), tmp_path)
    assert "Inga rapporter under perioden i området." in text


def test_issue_18_command_line_writes_pdf_and_refuses_unknown_area(
    lb_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = lb_store.database_key  # with its password: the command opens the database itself
    output = tmp_path / "lb.pdf"
    argv = ["--database", url, "lagesbild", "--area", "Centrum", "--from", "2026-01-01", "--to", "2026-10-31"]
    assert main([*argv, "--lang", "ar", "--output", str(output)]) == 0
    assert "صورة الوضع" in pdf_text(output.read_bytes(), tmp_path)
    assert main(["--database", url, "lagesbild", "--area", "Nowhere", "--output", str(output)]) == 1
    assert "no area named 'Nowhere'; the areas are: Centrum, Stationen" in capsys.readouterr().err
    html = tmp_path / "kommun.html"
    assert main(["--database", url, "lagesbild", "--municipality", "--output", str(html)]) == 0
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert lagesbild.file_name("Strömsnäsbruk, parken", PERIOD, "pdf") == (
        "lagesbild-strömsnäsbruk-parken-2026-01-01-2026-10-31.pdf"
    )
