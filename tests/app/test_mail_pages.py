"""Issue #20 in the pages (AppTest, real SQLite file, a real SMTP server): Rapportera asks for an
address only when e-mail is set up; staff reply from a report's panel without seeing the
address; the address appears on no page, export or API answer; Mitt konto and the admin's
E-post tab."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import api
from geo.auth import StaffSession, User, add_user
from geo.io import export_layer
from geo.model import Moderation, Role
from geo.moderation import moderate
from geo.outbox import send_due
from geo.reporting import ReportDraft, submit
from geo.store import Store, utcnow
from tests.app.conftest import map_reported
from tests.app.test_catalogue_only import TEXT_ELEMENTS, WIDGETS
from tests.support.asgi import call
from tests.support.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
TEAM = User("kommun.anna", Role.TEAM)
ADMIN = User("admin", Role.ADMIN)
ADDRESS = "hemlig.boende@example.se"


@pytest.fixture
def app_db(filled_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("TRYGG_DATABASE_URL", str(filled_store.engine.url))
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    monkeypatch.setenv("TRYGG_DEMO_REPORTS", "0")
    return filled_store


def page(name: str, user: User | None = None, lang: str = "sv") -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=TIMEOUT)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state["staff_session"] = StaffSession(user, utcnow())
    at.run()
    map_reported(at)
    assert not at.exception, [e.message for e in at.exception]
    return at


def everything_shown(at: AppTest) -> str:
    """Every text, label, value and option the page holds (what a person could read or select)."""
    texts = [str(element.value) for kind in TEXT_ELEMENTS for element in at.get(kind)]
    for kind in WIDGETS:
        for widget in at.get(kind):
            texts += [str(getattr(widget, name, "")) for name in ("label", "value", "placeholder", "options", "help")]
    texts += [frame.value.to_csv() for frame in at.get("dataframe")]
    return "\n".join(texts)


def resident_report(store: Store, lang: str = "sv") -> tuple[str, str]:
    draft = ReportDraft(13.60, 56.46, "otrygg", "trafik", "dag", "Bilar kör fort", ADDRESS, True, lang)
    done = submit(store, draft)
    return done.id, done.ref_code


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_issue_20_without_smtp_rapportera_says_replies_are_not_available(
    app_db: Store, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.delenv("TRYGG_SMTP_URL", raising=False)
    at = page("report.py", lang=lang)
    assert not [w for w in at.text_input if w.key == "report_email"]
    assert not [w for w in at.checkbox if w.key == "report_consent"]
    expected = {"sv": "kan inte skicka svar", "ar": "لا تستطيع الخدمة إرسال ردود"}[lang]
    assert any(expected in info.value for info in at.info)


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_issue_20_with_smtp_rapportera_asks_for_an_address_with_consent(
    app_db: Store, smtp: SmtpServer, lang: str
) -> None:
    at = page("report.py", lang=lang)
    assert at.text_input(key="report_email") is not None and at.checkbox(key="report_consent") is not None
    assert not any("kan inte skicka svar" in info.value for info in at.info)


def test_issue_20_staff_reply_from_the_panel_without_seeing_the_address(app_db: Store, smtp: SmtpServer) -> None:
    report_id, code = resident_report(app_db, lang="ar")
    send_due(app_db)
    at = page("moderation.py", TEAM)
    key = f"moderation_{report_id}"
    assert ADDRESS not in everything_shown(at)
    at.text_area(key=f"{key}_reply").set_value("Tack, vi lagar lampan i veckan.").run()
    next(b for b in at.button if b.key == f"{key}_send_reply").click().run()
    assert not at.exception
    assert any("utkorgen" in s.value for s in at.success)
    assert send_due(app_db).sent == 1
    got = smtp.to(ADDRESS)[-1]
    assert code in got.message["Subject"] and "Tack, vi lagar lampan i veckan." in got.text
    assert 'dir="rtl"' in got.html
    at.run()
    shown = everything_shown(at)
    assert ADDRESS not in shown
    assert "svar skickat till den som rapporterade" in shown  # the history says who wrote, and when


def test_issue_20_a_report_without_an_address_cannot_be_replied_to(app_db: Store, smtp: SmtpServer) -> None:
    draft = ReportDraft(13.60, 56.46, "otrygg", "trafik", "dag", "Utan adress", "", False, "sv")
    report_id = submit(app_db, draft).id
    at = page("moderation.py", TEAM)
    assert not [w for w in at.text_area if w.key == f"moderation_{report_id}_reply"]
    assert any("kan inte nås" in c.value for c in at.caption)


def test_issue_20_the_address_is_on_no_page_export_or_api_answer(app_db: Store, smtp: SmtpServer) -> None:
    report_id, code = resident_report(app_db)
    moderate(app_db, [report_id], Moderation.PUBLISHED, TEAM)
    add_user(app_db, "admin", "ett långt lösenord 1", Role.ADMIN)
    smtp.stop()
    send_due(app_db)  # a failure, so that the admin's list has a row and an error
    for name, user in [
        ("moderation.py", TEAM),
        ("review.py", TEAM),
        ("explore.py", TEAM),
        ("admin.py", ADMIN),
        ("status.py", None),
        ("import_export.py", ADMIN),
    ]:
        at = page(name, user)
        assert ADDRESS not in everything_shown(at), name
    for viewer in (Role.PUBLIC, Role.ADMIN):
        for fmt in ("csv", "geojson", "gpkg"):
            assert ADDRESS.encode() not in export_layer(app_db, viewer, "reports", fmt).data, (viewer, fmt)
    answers = [
        call(api.geojson_layer, "/api/layers/reports.geojson", {"name": "reports"}),
        call(api._open311(api.list_requests), "/open311/v2/requests.json", {"fmt": "json"}),
        call(api._open311(api.get_request), f"/open311/v2/requests/{code}.json", {"code": code, "fmt": "json"}),
    ]
    assert answers[2].status_code == 200 and code.encode() in answers[2].body
    assert not any(ADDRESS.encode() in answer.body for answer in answers)


def test_issue_20_mitt_konto_keeps_the_address_and_the_digest_choice(app_db: Store, smtp: SmtpServer) -> None:
    add_user(app_db, TEAM.username, "ett långt lösenord 1", Role.TEAM)
    at = page("account.py", TEAM)
    at.text_input(key="account_email").set_value("inte en adress").run()
    at.button(key="account_save").click().run()
    assert any("ingen giltig" in e.value for e in at.error)
    at.text_input(key="account_email").set_value("anna@kommun.example.se").run()
    at.checkbox(key="account_digest").check().run()
    at.button(key="account_save").click().run()
    assert any("Sparat" in s.value for s in at.success)
    assert app_db.staff_mail(TEAM.username)["digest"] is True
    again = page("account.py", TEAM)
    assert again.text_input(key="account_email").value == "anna@kommun.example.se"
    assert again.checkbox(key="account_digest").value is True


def test_issue_20_the_admin_sees_failures_and_sends_again(app_db: Store, smtp: SmtpServer) -> None:
    resident_report(app_db)
    smtp.stop()
    for day in range(1, 11):  # every try fails, far apart
        send_due(app_db, now=utcnow() + dt.timedelta(days=day))
    at = page("admin.py", ADMIN)
    shown = everything_shown(at)
    assert "Misslyckades" in shown and "Bekräftelse" in shown and "ConnectionRefusedError" in shown
    assert ADDRESS not in shown
    smtp.start()
    at.button(key="admin_mail_retry").click().run()
    assert any("skickas igen" in s.value for s in at.success)
    assert send_due(app_db).sent == 1
