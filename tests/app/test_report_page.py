"""Rapportera and Följ din rapport through AppTest, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.auth import User
from geo.i18n import translate
from geo.model import Moderation, Rejection, Role
from geo.moderation import moderate, rejection_reason
from geo.store import Store
from tests.app.conftest import app_on_demo, map_reported
from tests.conftest import NO_SMTP_SERVER

ROOT = Path(__file__).resolve().parents[2]
MARKARYD = {"lat": 56.4612, "lng": 13.5971}
OUTSIDE = {"lat": 55.6050, "lng": 13.0038}  # Malmö, far outside the municipality


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return Store.open(app_on_demo(tmp_path / "report.db", monkeypatch, reports=0))


def report_page(lang: str = "sv") -> AppTest:
    """Rapportera as a resident gets it: the map first, then the rest in the rerun the map asks for."""
    at = AppTest.from_file(str(ROOT / "pages" / "report.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    return map_reported(at)


def click_map(at: AppTest, where: dict[str, float]) -> AppTest:
    at.session_state["report_map"] = {"last_clicked": where}
    return at.run()


def fill(
    at: AppTest, text: str = "Mörkt vid gångtunneln, ring 070-123 45 67", where: dict[str, float] = MARKARYD
) -> AppTest:
    click_map(at, where)
    at.radio(key="report_feeling").set_value("otrygg").run()
    at.radio(key="report_category").set_value("dalig_belysning").run()
    at.radio(key="report_tod").set_value("kvall").run()
    at.text_area(key="report_text").set_value(text).run()
    return at


def press(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def test_valid_flow_stores_one_scrubbed_pending_report_and_shows_its_code(db: Store) -> None:
    at = fill(report_page())
    press(at, "Förhandsgranska")
    assert "Mörkt vid gångtunneln, ring [borttaget]" in [t.value for t in at.text]
    assert db.count_reports() == 0, "nothing is stored before the resident confirms"
    press(at, "Skicka rapporten")
    code = at.session_state["report_done"]["ref_code"]
    assert db.count_reports() == 1
    row = db.report_by_ref(code)
    assert row is not None
    assert row["text"] == "Mörkt vid gångtunneln, ring [borttaget]"
    assert row["moderation"] == "pending" and row["status"] == "ny" and row["source"] == "web"
    assert (row["lon"], row["lat"]) == (MARKARYD["lng"], MARKARYD["lat"])


@pytest.mark.parametrize(("lang", "preview", "shown"), [("en", "Preview", "[removed]"), ("ar", "معاينة", "[محذوف]")])
def test_issue_14_the_preview_names_a_removed_detail_in_the_residents_language(
    db: Store, lang: str, preview: str, shown: str
) -> None:
    at = fill(report_page(lang))
    press(at, preview)
    texts = [t.value for t in at.text]
    assert f"Mörkt vid gångtunneln, ring {shown}" in texts
    assert not any("[borttaget]" in text for text in texts)


def test_status_page_finds_the_report_by_its_code(db: Store) -> None:
    at = fill(report_page())
    press(at, "Förhandsgranska")
    press(at, "Skicka rapporten")
    code = at.session_state["report_done"]["ref_code"]
    status = AppTest.from_file(str(ROOT / "pages" / "status.py"), default_timeout=60)
    status.run()
    status.text_input(key="status_code").set_value(code.lower()).run()
    press(status, "Visa status")
    texts = [t.value for t in status.text]
    assert "Ny" in texts
    assert not any("gångtunneln" in t for t in texts), "the status shows no report text"


def test_unknown_code_says_so(db: Store) -> None:
    status = AppTest.from_file(str(ROOT / "pages" / "status.py"), default_timeout=60)
    status.run()
    status.text_input(key="status_code").set_value("ZZZZ2222").run()
    press(status, "Visa status")
    assert "Vi hittar ingen rapport" in status.warning[0].value


def test_issue_14_a_tap_zooms_in_to_the_pin_and_a_search_puts_it_on_a_known_place(db: Store) -> None:
    at = click_map(report_page(), MARKARYD)
    view = at.session_state["report_view"]
    assert view["center"] == [MARKARYD["lat"], MARKARYD["lng"]] and round(view["zoom"]) == 17, view
    search = at.selectbox(key="report_search")
    shown = list(search.options)  # as the resident reads them
    assert any(o.startswith("Strömsnäsbruks bibliotek · Mötesplats · Storgatan 21") for o in shown), shown[:20]
    assert any(o.endswith(" · Område") for o in shown), shown[:20]
    library = next(i for i, o in enumerate(shown) if o.startswith("Strömsnäsbruks bibliotek"))
    search.set_value(library).run()
    place = next(p for p in db.meeting_places() if p.name == "Strömsnäsbruks bibliotek")
    assert at.session_state["report_pin"] == (place.lon, place.lat)
    assert at.session_state["report_view"]["center"] == [place.lat, place.lon]
    assert any("Vald plats: 56." in c.value for c in at.caption)


def test_issue_14_every_lookup_by_enter_answers_and_a_rejected_report_says_why(db: Store) -> None:
    codes = []
    for _ in range(2):
        at = fill(report_page())
        press(at, "Förhandsgranska")
        press(at, "Skicka rapporten")
        codes.append(at.session_state["report_done"]["ref_code"])
    reason = rejection_reason(Rejection.OFFENSIVE, "svordomar")
    moderate(db, [db.report_by_ref(codes[1])["id"]], Moderation.REJECTED, User("moderator", Role.TEAM), reason=reason)
    status = AppTest.from_file(str(ROOT / "pages" / "status.py"), default_timeout=60)
    status.session_state["lang"] = "ar"
    status.run()
    # Enter in the field commits its value and reruns the page: no button is pressed.
    status.text_input(key="status_code").set_value(codes[0]).run()
    assert "جديد" in [t.value for t in status.text], [t.value for t in status.text]
    assert status.query_params["ref"] == codes[0]
    status.text_input(key="status_code").set_value("ZZZZ2222").run()
    assert [w.value for w in status.warning] == ["لم نجد بلاغًا بهذا الرمز. تحقق من الرمز (8 أحرف)."]
    status.text_input(key="status_code").set_value(codes[1]).run()
    shown = [w.value for w in status.warning]
    assert len(shown) == 1 and "لم يُنشر البلاغ" in shown[0] and "محتوى مسيء" in shown[0], shown
    everything = [e.value for kind in (status.text, status.markdown, status.warning, status.caption) for e in kind]
    assert not any("svordomar" in v for v in everything), "the moderator's note is for staff only"
    assert "الحالة مغلقة." in [c.value for c in status.caption]


@pytest.mark.parametrize(
    ("lang", "missing_pin", "missing_category"),
    [
        ("sv", "Klicka på kartan", "Välj varför."),
        ("en", "Click the map", "Choose why."),
        ("ar", "انقر على الخريطة", "اختر السبب."),
    ],
)
def test_empty_form_explains_every_missing_answer_in_the_users_language(
    db: Store, lang: str, missing_pin: str, missing_category: str
) -> None:
    at = report_page(lang)
    preview = {"sv": "Förhandsgranska", "en": "Preview", "ar": "معاينة"}[lang]
    press(at, preview)
    errors = [e.value for e in at.error]
    assert any(missing_pin in e for e in errors)
    assert missing_category in errors
    assert db.count_reports() == 0


def test_pin_outside_the_municipality_is_refused_and_the_input_kept(db: Store) -> None:
    at = fill(report_page())
    click_map(at, OUTSIDE)
    press(at, "Förhandsgranska")
    assert any("utanför kommunen" in e.value for e in at.error)
    assert at.text_area(key="report_text").value.startswith("Mörkt vid gångtunneln")
    assert at.radio(key="report_category").value == "dalig_belysning"
    assert not [b for b in at.button if b.label == "Skicka rapporten"]


def test_bad_email_and_missing_consent(db: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRYGG_SMTP_URL", NO_SMTP_SERVER)  # the address is asked for only when replies can be sent
    at = fill(report_page())
    at.text_input(key="report_email").set_value("inte-en-adress").run()
    press(at, "Förhandsgranska")
    assert any("E-postadressen ser inte rätt ut" in e.value for e in at.error)
    at.text_input(key="report_email").set_value("anna@example.se").run()
    press(at, "Förhandsgranska")
    assert any("samtycket" in e.value for e in at.error)
    at.checkbox(key="report_consent").check().run()
    press(at, "Förhandsgranska")
    press(at, "Skicka rapporten")
    row = db.report_by_ref(at.session_state["report_done"]["ref_code"])
    assert db.report_contact(row["id"]) == "anna@example.se"
    assert "anna@example.se" not in row["text"]


def test_issue_15_a_paste_over_1000_characters_stays_in_the_box_and_is_explained(db: Store) -> None:
    pasted = "Mörkt och ödsligt vid gångtunneln. " * 43  # 1,505 characters
    at = fill(report_page(), text=pasted)
    assert at.text_area(key="report_text").proto.max_chars == 0, "max_chars drops a long paste without a word"
    assert at.text_area(key="report_text").value == pasted
    assert any("1504 tecken" in w.value and "504" in w.value for w in at.warning), [w.value for w in at.warning]
    press(at, "Förhandsgranska")
    assert any("Texten är för lång: 1504 tecken" in e.value for e in at.error), [e.value for e in at.error]
    assert not [b for b in at.button if b.label == "Skicka rapporten"]
    assert at.text_area(key="report_text").value == pasted, "nothing typed may vanish"
    at.text_area(key="report_text").set_value(pasted[:990]).run()
    press(at, "Förhandsgranska")
    press(at, "Skicka rapporten")
    assert db.report_by_ref(at.session_state["report_done"]["ref_code"])["text"] == pasted[:990].strip()


def test_nearby_published_report_can_be_supported_instead_of_duplicated(db: Store) -> None:
    first = fill(report_page())
    press(first, "Förhandsgranska")
    press(first, "Skicka rapporten")
    code = first.session_state["report_done"]["ref_code"]
    at = fill(report_page())
    press(at, "Förhandsgranska")
    assert not any("redan rapporterat" in w.value for w in at.warning), "a pending report was hinted at"
    publish(db, code)
    at = fill(report_page())
    press(at, "Förhandsgranska")
    assert any("redan rapporterat" in w.value for w in at.warning)
    hint = [t.value for t in at.text if "instämmer" in t.value]
    assert len(hint) == 1 and "Dålig belysning" in hint[0] and "inom 50 m" in hint[0], hint
    assert "gångtunneln" not in hint[0] and "56.46" not in hint[0], hint
    press(at, "+1 Jag instämmer")
    assert db.count_reports() == 1
    assert db.report_by_ref(code)["supporters"] == 1


def publish(db: Store, code: str) -> None:
    moderate(db, [db.report_by_ref(code)["id"]], Moderation.PUBLISHED, User("moderator", Role.TEAM))


def test_sixth_report_within_ten_minutes_is_refused_kindly(db: Store) -> None:
    at = report_page()
    for i in range(5):
        fill(at, text="", where={"lat": MARKARYD["lat"] + i / 100, "lng": MARKARYD["lng"]})
        press(at, "Förhandsgranska")
        press(at, "Skicka rapporten")
        press(at, "Rapportera en plats till")
    fill(at, text="", where={"lat": MARKARYD["lat"] + 0.06, "lng": MARKARYD["lng"]})
    press(at, "Förhandsgranska")
    press(at, "Skicka rapporten")
    assert any("Vänta" in e.value for e in at.error)
    assert db.count_reports() == 5
    other = fill(report_page(), text="", where={"lat": MARKARYD["lat"] + 0.07, "lng": MARKARYD["lng"]})
    press(other, "Förhandsgranska")
    press(other, "Skicka rapporten")  # issue #15.12: the limit is per session, kept in the database
    assert not other.error and db.count_reports() == 6


def test_honeypot_filled_by_a_robot_stores_nothing(db: Store) -> None:
    at = fill(report_page())
    at.text_input(key="report_website").set_value("http://spam.example").run()
    press(at, "Förhandsgranska")
    press(at, "Skicka rapporten")
    assert db.count_reports() == 0
    assert any("kunde inte tas emot" in e.value for e in at.error)


def test_app_navigates_to_the_report_page(db: Store) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/report.py").run()
    assert not at.exception
    assert at.title[0].value == "Rapportera en plats"


def _keys(at: AppTest) -> set[str]:
    return {w.key for w in [*at.selectbox, *at.radio, *at.text_area, *at.button] if w.key}


def test_issue_22_a_sessions_first_view_sends_the_map_alone_and_the_form_follows(db: Store) -> None:
    # a shared link to Rapportera: the map goes alone (a phone draws it without building the form
    # at the same time), with the room of the finder above it kept; the finder and the form come
    # in the rerun the map asks for once drawn (the sidebar's part: tests/e2e/test_report_browser.py)
    at = AppTest.from_file(str(ROOT / "pages" / "report.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Rapportera en plats"
    assert not {"report_feeling", "report_tod", "report_search"} & _keys(at), "no form or finder yet"
    assert any("trygg-finder-space" in h.value for h in at.get("html")), "the finder's room is kept"
    map_reported(at)
    assert {"report_feeling", "report_tod", "report_search"} <= _keys(at)
    again = AppTest.from_file(str(ROOT / "pages" / "report.py"), default_timeout=60)
    again.session_state["report_map_sent"] = True  # the page was opened earlier in this session
    again.run()
    assert "report_feeling" in _keys(again), "a map sent once in the session: everything at once"


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_step_3_without_replies_is_headed_by_what_it_holds(
    db: Store, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    # Without SMTP no address is asked for: step 3 says how to follow the report (and who answers
    # about personal data), so its heading no longer asks "would you like a reply?".
    monkeypatch.delenv("TRYGG_SMTP_URL", raising=False)
    at = report_page(lang)
    headings = [h.value for h in at.subheader]
    assert translate("report.step_follow", lang) in headings
    assert translate("report.step_contact", lang) not in headings
    assert translate("report.replies_unavailable", lang) in [i.value for i in at.info]
    monkeypatch.setenv("TRYGG_SMTP_URL", NO_SMTP_SERVER)
    at = report_page(lang)
    headings = [h.value for h in at.subheader]
    assert translate("report.step_contact", lang) in headings
    assert translate("report.step_follow", lang) not in headings
