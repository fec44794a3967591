"""Issue #20 on a phone in Debian's Chromium, network cut: Rapportera asks for an e-mail
address only when the app can send e-mail. Without ``TRYGG_SMTP_URL`` the form says replies
are not available (Swedish and Arabic); with it, the resident gives an address, sends the
report, and the app's own background sender delivers the confirmation, in Arabic, with the
reference code and the status link, to a real SMTP server (aiosmtpd) started by the test; a
moderator on a desktop writes a reply from the report's panel without ever seeing the address."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from geo.auth import add_user
from geo.reporting import ReportDraft, submit
from geo.store import Store
from tests.e2e.test_report_browser import (
    MARKARYD,
    TIMEOUT_MS,
    button,
    choose,
    open_report_page,
    reference_code,
    tap_map_at,
)
from tests.support.app import RunningApp, demo_app
from tests.support.browser import DESKTOP, PHONE, Browsing, axe_violations, log_in_as_staff, open_context, settle, snap
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.e2e

UNAVAILABLE = {
    "sv": "Tjänsten kan inte skicka svar med e-post just nu",
    "ar": "لا تستطيع الخدمة إرسال ردود بالبريد الإلكتروني حاليًا",
}
EMAIL_LABEL = {"sv": "E-post", "ar": "البريد الإلكتروني"}
ADDRESS = "boende.mail@example.se"
PASSWORD = "ett långt lösenord för test"


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def without_smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("e2e-mail-off")
    with demo_app(tmp, f"sqlite:///{tmp / 'off.db'}", reports=20, extra_env={"TRYGG_SMTP_URL": ""}) as running:
        yield running


@pytest.fixture(scope="module")
def with_smtp(tmp_path_factory: pytest.TempPathFactory, smtp_server: SmtpServer) -> Iterator[RunningApp]:
    tmp = tmp_path_factory.mktemp("e2e-mail-on")
    env = {"TRYGG_SMTP_URL": smtp_server.url, "TRYGG_PUBLIC_URL": "https://trygghet.example.se"}

    def staff(store: Store) -> None:
        add_user(store, "kommun.anna", PASSWORD, "team")

    with demo_app(tmp, f"sqlite:///{tmp / 'on.db'}", reports=20, prepare=staff, extra_env=env) as running:
        yield running


@pytest.fixture
def phone(browser: Browser) -> Iterator[Browsing]:
    browsing = open_context(browser, **PHONE)
    yield browsing
    assert browsing.external_requests == []
    browsing.context.close()


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_issue_20_without_smtp_the_form_says_replies_are_not_available(
    without_smtp: RunningApp, phone: Browsing, lang: str
) -> None:
    page = phone.page
    open_report_page(page, f"{without_smtp.url}/rapportera?lang={lang}")
    notice = page.locator("[data-testid='stAlert']", has_text=UNAVAILABLE[lang])
    notice.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_role("textbox", name=EMAIL_LABEL[lang], exact=True).count() == 0
    assert page.get_by_role("checkbox").count() == 0
    notice.scroll_into_view_if_needed()
    snap(page, f"mail-phone-{lang}-no-smtp")


def test_issue_20_with_smtp_the_form_asks_for_an_address_in_swedish(with_smtp: RunningApp, phone: Browsing) -> None:
    page = phone.page
    open_report_page(page, f"{with_smtp.url}/rapportera?lang=sv")
    field = page.get_by_role("textbox", name="E-post", exact=True)
    field.wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_role("checkbox", name=re.compile("Jag samtycker")).count() == 1
    assert page.get_by_text(UNAVAILABLE["sv"]).count() == 0
    field.scroll_into_view_if_needed()
    snap(page, "mail-phone-sv-smtp")


def test_issue_20_an_arabic_resident_gets_the_confirmation_by_email(
    with_smtp: RunningApp, smtp_server: SmtpServer, phone: Browsing
) -> None:
    page = phone.page
    frame = open_report_page(page, f"{with_smtp.url}/rapportera?lang=ar")
    tap_map_at(page, frame, *MARKARYD)
    page.get_by_text(re.compile(r"المكان المختار: 56\.46")).wait_for(timeout=TIMEOUT_MS)
    choose(page, "😟 غير آمن")
    choose(page, "إضاءة ضعيفة")
    choose(page, "مساءً")
    field = page.get_by_role("textbox", name=EMAIL_LABEL["ar"], exact=True)
    field.tap()
    field.fill(ADDRESS)
    field.press("Enter")
    consent = page.get_by_role("checkbox", name=re.compile("أوافق"))
    consent.locator("xpath=ancestor::label").tap()
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[type=checkbox]')].some(c => c.checked)", timeout=TIMEOUT_MS
    )
    field.scroll_into_view_if_needed()
    snap(page, "mail-phone-ar-address")
    button(page, "معاينة").tap()
    button(page, "أرسل البلاغ").tap()
    code = reference_code(page)
    snap(page, "mail-phone-ar-sent")

    deadline = time.monotonic() + 60  # the app's sender runs every 15 s
    while not smtp_server.to(ADDRESS) and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    (received,) = smtp_server.to(ADDRESS)
    assert code in received.message["Subject"] and received.message["Content-Language"] == "ar"
    assert f"https://trygghet.example.se/status?ref={code}" in received.text
    assert "رمزك المرجعي" in received.text and 'dir="rtl"' in received.html
    assert ADDRESS not in page.content()


def test_issue_20_a_moderator_replies_from_the_panel_without_seeing_the_address(
    with_smtp: RunningApp, smtp_server: SmtpServer, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRYGG_SMTP_URL", smtp_server.url)  # this process writes the report, as the app would
    store = Store.open(with_smtp.database_url)
    draft = ReportDraft(13.5971, 56.4612, "otrygg", "dalig_belysning", "natt", "Mörkt", "svar@example.se", True, "sv")
    code = submit(store, draft).ref_code
    store.close()
    desk = open_context(browser, **DESKTOP)
    page = desk.page
    page.goto(f"{with_smtp.url}/granskning")
    log_in_as_staff(page, "kommun.anna", PASSWORD)
    settle(page)
    # the report's card: the innermost block holding its code and its panel
    card = (
        page.locator("[data-testid='stVerticalBlock']")
        .filter(has_text=code)
        .filter(has=page.get_by_text("Status och historik"))
        .last
    )
    card.wait_for(timeout=TIMEOUT_MS)
    card.get_by_text("Status och historik").click()
    reply_panel = card.locator("[data-testid='stExpander']", has_text="Svar till den som rapporterade").last
    reply_panel.locator("summary").wait_for(timeout=TIMEOUT_MS)  # shown once the panel has opened
    box = card.get_by_role("textbox", name="Svar till den som rapporterade")
    for _ in range(3):  # a click while the panel still unfolds may not take
        if box.is_visible():
            break
        reply_panel.locator("summary").click()
        try:
            box.wait_for(timeout=5_000)
        except PlaywrightTimeoutError:
            continue
    box.wait_for(timeout=TIMEOUT_MS)
    box.fill("Tack! Vi byter lampan på måndag.")
    box.press("Tab")
    settle(page)
    card.get_by_role("button", name="Skicka svar").click()
    page.get_by_text("Svaret ligger i utkorgen").wait_for(timeout=TIMEOUT_MS)
    card.scroll_into_view_if_needed()
    snap(page, "mail-desktop-sv-reply")
    assert "svar@example.se" not in page.content()

    deadline = time.monotonic() + 60  # the app's sender runs every 15 s
    while len(smtp_server.to("svar@example.se")) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    confirmation, reply = smtp_server.to("svar@example.se")
    assert code in confirmation.message["Subject"] and code in reply.message["Subject"]
    assert "Tack! Vi byter lampan på måndag." in reply.text
    assert desk.external_requests == []
    desk.context.close()


def test_issue_20_an_arabic_resident_stops_the_messages_from_the_link_after_a_question(
    with_smtp: RunningApp, smtp_server: SmtpServer, phone: Browsing, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRYGG_SMTP_URL", smtp_server.url)  # this process writes the report, as the app would
    monkeypatch.setenv("TRYGG_PUBLIC_URL", "https://trygghet.example.se")
    store = Store.open(with_smtp.database_url)
    address = "stopp@example.se"
    draft = ReportDraft(13.5971, 56.4612, "otrygg", "dalig_belysning", "natt", "", address, True, "ar")
    report_id = submit(store, draft).id
    deadline = time.monotonic() + 60  # the app's sender runs every 15 s
    while not smtp_server.to(address) and time.monotonic() < deadline:
        phone.page.wait_for_timeout(500)
    text = smtp_server.to(address)[0].text
    assert "اضغط على الزر" in text  # the message says what the link does
    link = re.search(r"https://trygghet\.example\.se(/stop-messages\?\S+)", text).group(1)
    page = phone.page
    page.goto(f"{with_smtp.url}{link}")  # as a mail scanner would, too: opening the link only asks
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.get_by_role("heading", name="هل تريد إيقاف الرسائل؟").wait_for(timeout=TIMEOUT_MS)
    assert store.report_contact(report_id) == address
    snap(page, "mail-phone-ar-stop-question")
    assert axe_violations(page) == []
    page.get_by_role("button", name="نعم، أوقف إرسال الرسائل").tap()
    page.get_by_role("heading", name="لا مزيد من الرسائل").wait_for(timeout=TIMEOUT_MS)
    snap(page, "mail-phone-ar-stopped")
    assert store.report_contact(report_id) is None
    store.close()
