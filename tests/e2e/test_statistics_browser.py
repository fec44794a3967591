"""The police make a lägesbild for a medborgarlöfte area on Statistik and download it, in
Debian's Chromium with the network cut: on a desktop in Swedish and on a phone in Arabic;
the page passes axe (WCAG 2.1 A/AA) and nothing leaves localhost (#18)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from geo.auth import add_user
from geo.i18n import translator
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    choose,
    log_in_as_staff,
    open_context,
    open_menu,
    settle,
    snap,
    wait_for_session_cookie,
)

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000
PASSWORD = "polisens hemliga lösenord"
AREA = "Timsfors"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    def add_police(store: Store) -> None:
        add_user(store, "polis.erik", PASSWORD, "police")

    tmp = tmp_path_factory.mktemp("statistics")
    with demo_app(tmp, f"sqlite:///{tmp / 'app.db'}", reports=600, prepare=add_police) as running:
        yield running


@pytest.mark.parametrize(("viewport", "lang"), [(DESKTOP, "sv"), (PHONE, "ar")], ids=["desktop-sv", "phone-ar"])
def test_issue_18_police_make_and_download_a_lagesbild(
    app: RunningApp, browser: Browser, viewport: dict, lang: str, tmp_path: Path
) -> None:
    t = translator(lang)
    name = f"statistics-{'phone' if viewport is PHONE else 'desktop'}-{lang}"
    browsing = open_context(browser, **viewport, accept_downloads=True)
    page = browsing.page
    page.goto(f"{app.url}/statistik?lang={lang}")
    page.get_by_role("heading", name=t("stats.title"), exact=True).first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("heading", name=t("stats.by_month")).wait_for(timeout=TIMEOUT_MS)
    # The shell's script sets the direction once its element renders, which may follow the headings.
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr", timeout=TIMEOUT_MS)
    assert page.get_by_role("button", name=t("stats.lagesbild_pdf")).count() == 0, "the public got the lägesbild"
    # the month chart is drawn and its numbers stand beside it
    page.locator(".vega-embed svg").first.wait_for(timeout=TIMEOUT_MS)
    page.locator("[data-testid='stTable'] td").first.wait_for(timeout=TIMEOUT_MS)
    snap(page, f"{name}-public")
    assert axe_violations(page) == []

    log_in_as_staff(page, "polis.erik", PASSWORD, lang)
    wait_for_session_cookie(page)
    open_menu(page)
    choose(page, t("filter.zone"), AREA)
    if viewport is PHONE:
        page.keyboard.press("Escape")
        page.locator(
            "[data-testid='stSidebarCollapseButton'] button, [data-testid='stSidebarCollapseButton']"
        ).first.click()
    settle(page)
    pdf_button = page.get_by_role("button", name=t("stats.lagesbild_pdf"))
    pdf_button.scroll_into_view_if_needed()
    page.get_by_text(f"{t('stats.lagesbild_area')}: \u2068{AREA}\u2069").wait_for(timeout=TIMEOUT_MS)
    snap(page, f"{name}-lagesbild")
    assert axe_violations(page) == []
    with page.expect_download(timeout=120_000) as download:
        pdf_button.click()
    path = tmp_path / "lagesbild.pdf"
    download.value.save_as(path)
    assert re.fullmatch(r"lagesbild-timsfors-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.pdf", download.value.suggested_filename)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Pages:" in info
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert AREA in text and (t("lagesbild.title", area="").strip(" :") in text)
    assert t("lagesbild.promise") in text  # Timsfors is a medborgarlöfte: its promise is printed

    # Only the open tab's charts are drawn; the hot spots are under "Var", and the address keeps the tab.
    assert page.get_by_role("heading", name=t("stats.hotspots")).count() == 0
    page.get_by_role("tab", name=t("stats.tab.where")).click()
    page.get_by_role("heading", name=t("stats.hotspots")).wait_for(timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"[?&]tab=where"), timeout=TIMEOUT_MS)
    snap(page, f"{name}-hotspots")
    assert axe_violations(page) == []
    assert browsing.external_requests == []
    browsing.context.close()


def test_issue_18_a_period_without_reports_says_so_and_its_charts_count_in_whole_numbers(
    app: RunningApp, browser: Browser
) -> None:
    browsing = open_context(browser, **DESKTOP)
    page = browsing.page
    t = translator("sv")
    page.goto(f"{app.url}/statistik?from=2001-01-01&to=2001-03-31")
    page.get_by_text(t("stats.empty")).wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("heading", name=t("stats.by_month")).wait_for(timeout=TIMEOUT_MS)
    page.locator(".vega-embed svg").first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    ticks = page.evaluate("() => [...document.querySelectorAll('.vega-embed svg text')].map(t => t.textContent)")
    assert "januari 2001" in ticks and "0" in ticks, ticks
    assert not [tick for tick in ticks if re.fullmatch(r"\d+[.,]\d+", tick)], ticks  # no "0.000000"
    snap(page, "statistics-empty-desktop-sv")
    assert axe_violations(page) == []
    assert browsing.external_requests == []
    browsing.context.close()
