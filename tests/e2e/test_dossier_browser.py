"""The platssamverkan journey of issue 21 in Debian's Chromium, network cut: the team opens
Strömsnäsbruk's dossier, records a meeting, turns a decision into a public action linked to two
reports and marks it done; a resident following one of those reports sees on /status what was
done, who was responsible and when it was due (desktop in Swedish, phone in Arabic), and the
public map's layer "Det här görs" holds the action. axe-core finds no violation on either page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shapely
from playwright.sync_api import Browser, Page

from geo import promises
from geo.actions import today_local
from geo.auth import User, add_user
from geo.model import Role
from geo.store import Store
from tests.support.app import RunningApp, demo_app
from tests.support.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    choose,
    log_in_as_staff,
    map_frame,
    open_context,
    settle,
    snap,
    wait_for_session_cookie,
)

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 45_000
PASSWORD = "teamets hemliga lösenord"
ZONE = "Strömsnäsbruk"
DECISION = "Byta belysning vid torget"
CHOSEN: dict[str, object] = {}


def two_open_reports(store: Store) -> None:
    """Remember Strömsnäsbruk's zone and two published open reports inside it."""
    add_user(store, "kommun.anna", PASSWORD, "team")
    zone = next(z for z in store.zones() if ZONE in z.name and z.kind.value == "platssamverkan")
    area = shapely.from_wkt(zone.geometry_wkt)
    frame = store.reports_frame()
    frame = frame[(frame["moderation"] == "published") & frame["status"].isin(["ny", "bekraftad"])]
    inside = [row.ref_code for row in frame.itertuples() if area.covers(shapely.Point(row.lon, row.lat))]
    assert len(inside) >= 2, "the demo holds too few open reports in the zone"
    CHOSEN.update(zone=zone.id, codes=sorted(inside)[:2])
    promise = next(z for z in store.zones() if z.kind.value == "medborgarlofte")
    police = User("polis.erik", Role.POLICE)
    walk = promises.add_activity(store, promise.id, "Ökad närvaro vid resecentrum fredag och lördag kväll", police)
    promises.log_done(store, walk, today_local(), police, note="Två poliser på plats 20–23.")
    CHOSEN.update(promise=promise.id, promise_name=promise.name)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, app_database_url: str) -> Iterator[RunningApp]:
    with demo_app(
        tmp_path_factory.mktemp("dossier"), app_database_url, reports=600, prepare=two_open_reports
    ) as running:
        yield running


def expand(page: Page, title: str) -> None:
    """Open the expander titled ``title`` (once: a second click would fold it)."""
    header = page.locator("summary").filter(has_text=title).first
    header.wait_for(timeout=TIMEOUT_MS)
    if header.locator("xpath=..").get_attribute("open") is None:
        header.click()


def team_records_meeting_and_action(page: Page, url: str) -> None:
    page.goto(url)
    map_frame(page)
    log_in_as_staff(page, "kommun.anna", PASSWORD)
    wait_for_session_cookie(page)
    page.goto(f"{url}/platssamverkan?zone={CHOSEN['zone']}")
    page.get_by_role("heading", name="Platssamverkan och åtgärder").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("heading", name="Åtgärdsplan").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    snap(page, "dossier-desktop-sv-opened")

    expand(page, "Nytt möte")
    page.get_by_role("textbox", name="Anteckningar").fill("Mörkt vid torget på kvällarna; butikerna stänger 19.")
    page.get_by_role("textbox", name="Beslut (ett per rad)").fill(
        f"- {DECISION}\n- Klippa buskarna vid busshållplatsen"
    )
    page.get_by_role("button", name="Spara mötet").click()
    page.get_by_text("Mötet är sparat.").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    assert page.get_by_role("textbox", name="Beslut (ett per rad)").input_value() == "", "the form is empty again"

    expand(page, f"Gör till åtgärd: {DECISION}")
    form = page.locator("[data-testid='stForm']").filter(
        has=page.get_by_role("button", name="Gör beslutet till en åtgärd")
    )
    assert form.get_by_role("textbox", name="Rubrik").input_value() == DECISION
    form.get_by_role("textbox", name="Ansvarig organisation").fill("Strömsnäs bostäder AB")
    codes = CHOSEN["codes"]
    assert isinstance(codes, list)
    form.get_by_role("textbox", name="Rapporter som åtgärden besvarar (referenskoder)").fill(", ".join(codes))
    form.get_by_text("Offentlig: visas på kartan och för de boende").click()
    snap(page, "dossier-desktop-sv-decision")
    form.get_by_role("button", name="Gör beslutet till en åtgärd").click()
    page.get_by_text(f"Åtgärden ”{DECISION}” är sparad, med 2 rapporter.").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(f"Blev åtgärden ”{DECISION}”").wait_for(timeout=TIMEOUT_MS)
    settle(page)

    expand(page, "Ändra läge eller koppla rapporter")
    choose(page, "Läge", "Klar")
    page.get_by_role("textbox", name="Kommentar om läget").fill("Fyra nya lampor lyser sedan i fredags.")
    page.get_by_role("button", name="Spara läget").click()
    page.get_by_text("Läget är nu ”Klar”; 2 rapporter har fått ny status.").wait_for(timeout=TIMEOUT_MS)
    settle(page)
    snap(page, "dossier-desktop-sv-done")
    assert axe_violations(page) == []


def resident_sees_it(browser: Browser, url: str, viewport: dict[str, object], lang: str) -> None:
    codes = CHOSEN["codes"]
    assert isinstance(codes, list)
    browsing = open_context(browser, **viewport)
    page = browsing.page
    suffix = "" if lang == "sv" else f"&lang={lang}"
    page.goto(f"{url}/status?ref={codes[0]}{suffix}")
    words = {
        "sv": ("Det här görs", "Åtgärdad", "Ansvarig: Strömsnäs bostäder AB"),
        "ar": ("ما يجري تنفيذه", "تمت المعالجة", "الجهة المسؤولة: Strömsnäs bostäder AB"),
    }[lang]
    page.get_by_role("heading", name=words[0]).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(DECISION, exact=True).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text(words[1], exact=True).first.wait_for(timeout=TIMEOUT_MS)  # the report's status
    page.get_by_text(words[2], exact=True).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Fyra nya lampor lyser sedan i fredags.", exact=True).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)
    page.get_by_role("heading", name=words[0]).scroll_into_view_if_needed()
    name = "phone" if viewport is PHONE else "desktop"
    snap(page, f"dossier-{name}-{lang}-status")
    assert axe_violations(page) == []
    assert browsing.external_requests == []
    browsing.context.close()


def test_issue_21_the_team_turns_a_decision_into_an_action_and_the_resident_sees_it_done(
    app: RunningApp, browser: Browser
) -> None:
    browsing = open_context(browser, **DESKTOP)
    team_records_meeting_and_action(browsing.page, app.url)
    assert browsing.external_requests == []
    browsing.context.close()
    store = Store.open(app.database_url)
    try:
        codes = CHOSEN["codes"]
        assert isinstance(codes, list)
        for code in codes:
            row = store.report_by_ref(code)
            assert row is not None and row["status"] == "atgardad"
    finally:
        store.close()
    resident_sees_it(browser, app.url, DESKTOP, "sv")
    resident_sees_it(browser, app.url, PHONE, "ar")


def test_issue_21_a_resident_reads_a_promise_and_what_was_done_on_a_phone_in_arabic(
    app: RunningApp, browser: Browser
) -> None:
    browsing = open_context(browser, **PHONE)
    page = browsing.page
    page.goto(f"{app.url}/lofte?omrade={CHOSEN['promise']}&lang=ar")
    page.get_by_role("heading", name=str(CHOSEN["promise_name"])).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Ökad närvaro vid resecentrum fredag och lördag kväll", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("نُفّذ مرة واحدة", exact=False).first.wait_for(timeout=TIMEOUT_MS)  # Arabic singular
    settle(page)
    snap(page, "promise-phone-ar-page")
    page.get_by_role("heading", name="البلاغات في المنطقة شهرياً").scroll_into_view_if_needed()
    snap(page, "promise-phone-ar-trend")
    assert axe_violations(page) == []
    assert browsing.external_requests == []
    browsing.context.close()
