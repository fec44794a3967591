"""Platssamverkan (#21): the team's dossier of a zone through AppTest on a real database file:
a meeting's decision becomes an action linked to two reports, done, and the resident sees it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import actions
from geo.auth import StaffSession, User
from geo.model import Role
from geo.store import Store, utcnow

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
TEAM = User("kommun.anna", Role.TEAM)


@pytest.fixture
def app_db(filled_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("TRYGG_DATABASE_URL", str(filled_store.engine.url))
    monkeypatch.setenv("TRYGG_TILES_URL", "none")
    return filled_store


def dossier_page(zone: str, user: User = TEAM) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "dossier.py"), default_timeout=TIMEOUT)
    at.session_state["staff_session"] = StaffSession(user, utcnow())
    at.query_params["zone"] = zone
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def press(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def open_codes(store: Store) -> list[str]:
    frame = store.reports_frame()
    chosen = frame[(frame["moderation"] == "published") & frame["status"].isin(["ny", "bekraftad"])]
    return sorted(chosen["ref_code"])


def test_a_decision_becomes_an_action_and_the_resident_sees_it_done(app_db: Store) -> None:
    zone = next(z.id for z in app_db.zones() if z.name == "Centrum")
    first, second = open_codes(app_db)[:2]
    at = dossier_page(zone)
    at.text_input(key="dossier_actor_organisation").set_value("Bostadsbolaget AB")
    at.selectbox(key="dossier_actor_kind").set_value("fastighetsagare")
    at.text_input(key="dossier_actor_contact_name").set_value("Anna Andersson")
    at.text_input(key="dossier_actor_contact_phone").set_value("070-123 45 67")
    press(at, "Lägg till organisationen")
    assert "Anna Andersson · 070-123 45 67" in [t.value for t in at.text]
    at.multiselect(key="dossier_meeting_present").set_value(["Bostadsbolaget AB"])
    at.text_area(key="dossier_meeting_notes").set_value("Mörkt vid gångtunneln.")
    at.text_area(key="dossier_meeting_decisions").set_value("- Byta belysning i gångtunneln\n- Klippa buskar")
    press(at, "Spara mötet")
    assert "Mötet är sparat." in [s.value for s in at.success]
    (meeting,) = actions_meetings(app_db, zone)
    decision = meeting.decisions[0]
    prefix = f"dossier_decision_{decision.id}"
    assert at.text_input(key=f"{prefix}_title").value == "Byta belysning i gångtunneln"
    at.text_input(key=f"{prefix}_organisation").set_value("Bostadsbolaget AB")
    at.text_input(key=f"{prefix}_report_refs").set_value(f"{first}, {second}")
    at.checkbox(key=f"{prefix}_public").check()
    press(at, "Gör beslutet till en åtgärd")
    assert any("med 2 rapporter" in s.value for s in at.success), [s.value for s in at.success]
    (action,) = actions.actions(app_db, TEAM, zone_id=zone)
    assert action.decision_id == decision.id and action.report_refs == (first, second)
    assert any("Blev åtgärden" in c.value for c in at.caption)
    at.selectbox(key=f"dossier_status_{action.id}_choice").set_value("klar")
    at.text_input(key=f"dossier_status_{action.id}_comment").set_value("Nya lampor på plats.")
    press(at, "Spara läget")
    assert any("2 rapporter har fått ny status" in s.value for s in at.success)

    status = AppTest.from_file(str(ROOT / "pages" / "status.py"), default_timeout=TIMEOUT)
    status.query_params["ref"] = first
    status.run()
    texts = [t.value for t in status.text]
    assert "Åtgärdad" in texts and "Byta belysning i gångtunneln" in texts, texts
    assert "Ansvarig: Bostadsbolaget AB" in texts
    assert "Anna Andersson" not in " ".join(texts) and "070" not in " ".join(texts)


def actions_meetings(store: Store, zone: str) -> list:  # type: ignore[type-arg]
    from geo import dossier

    return dossier.meetings(store, zone, TEAM)


def test_a_due_date_before_the_start_is_refused_beside_it_and_the_form_keeps_its_text(app_db: Store) -> None:
    zone = next(z.id for z in app_db.zones() if z.name == "Stationen")
    at = dossier_page(zone)
    at.text_input(key="dossier_new_title").set_value("Kameror vid stationen")
    at.text_input(key="dossier_new_organisation").set_value("Polisen")
    at.date_input(key="dossier_new_start_date").set_value(dt.date(2026, 12, 10))
    at.date_input(key="dossier_new_due_date").set_value(dt.date(2026, 12, 1))
    at.text_area(key="dossier_new_description").set_value("Ring 070-123 45 67")
    press(at, "Spara åtgärden")
    errors = [e.value for e in at.error]
    assert "Slutdatumet ligger före startdatumet." in errors
    assert any("telefonnummer" in e for e in errors)
    assert at.text_input(key="dossier_new_title").value == "Kameror vid stationen"
    assert actions.actions(app_db, TEAM) == []


def test_police_read_the_dossier_without_its_forms(app_db: Store) -> None:
    zone = next(z.id for z in app_db.zones() if z.name == "Stationen")
    at = AppTest.from_file(str(ROOT / "pages" / "dossier.py"), default_timeout=TIMEOUT)
    at.session_state["staff_session"] = StaffSession(User("polis.erik", Role.POLICE), utcnow())
    at.query_params["zone"] = zone
    at.run()
    assert not at.exception
    assert any("trygghetsteam" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label in ("Spara åtgärden", "Spara mötet", "Lägg till organisationen")]


def promise_page(user: User | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "promise.py"), default_timeout=TIMEOUT)
    if user is not None:
        at.session_state["staff_session"] = StaffSession(user, utcnow())
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_police_log_a_promise_activity_and_the_public_reads_it_without_contacts(app_db: Store) -> None:
    from geo import dossier, promises
    from geo.model import ZoneKind

    zone = next(z.id for z in app_db.zones(ZoneKind.MEDBORGARLOFTE))
    dossier.add_actor(app_db, zone, TEAM, organisation="Butiken", kind="naringsidkare",
                      contact_name="Bertil Butik", contact_phone="070-765 43 21")  # fmt: skip
    promises.add_activity(app_db, zone, "Ökad närvaro vid torget fredag kväll", User("polis.erik", Role.POLICE))
    at = promise_page(User("polis.erik", Role.POLICE))
    at.date_input(key="promise_log_day").set_value(dt.date(2026, 10, 30))
    at.text_area(key="promise_log_note").set_value("Ring 070-123 45 67")
    press(at, "Logga")
    assert any("telefonnummer" in e.value for e in at.error)
    at.text_area(key="promise_log_note").set_value("Två poliser på torget 20–23.")
    press(at, "Logga")
    assert "Det är loggat." in [s.value for s in at.success]
    public = promise_page(None)
    texts = " ".join(t.value for t in public.text) + " ".join(c.value for c in public.caption)
    assert "Ökad närvaro vid torget fredag kväll" in texts and "Genomfört 1 gång" in texts
    assert "Senast uppföljt 30 okt. 2026" in texts and "Två poliser på torget" in texts
    assert "Bertil" not in texts and "765" not in texts
    assert not [b for b in public.button if b.label == "Logga"], "the public cannot log"


def test_the_municipalitys_action_plan_is_shown_and_offered_for_printing(app_db: Store) -> None:
    zone = next(z.id for z in app_db.zones() if z.name == "Centrum")
    actions.create_action(
        app_db,
        actions.ActionDraft(title="Ny belysning", organisation="Kommunen", start_date=dt.date(2026, 10, 1),
                            due_date=dt.date(2026, 10, 31), zone_id=zone),
        TEAM,
    )  # fmt: skip
    at = dossier_page(zone)
    at.toggle(key="dossier_plan_shown").set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Försenade"] == "1" and metrics["Klara"] == "0"
    assert any(m.value == "**Centrum**" for m in at.markdown), "the plan is grouped by area"


def test_issue_21_the_printed_dossier_holds_the_plan_and_meetings_but_no_contact_person(app_db: Store) -> None:
    from geo import documents, dossier

    zone = next(z.id for z in app_db.zones() if z.name == "Stationen")
    dossier.add_actor(app_db, zone, TEAM, organisation="Bostadsbolaget AB", kind="fastighetsagare",
                      contact_name="Anna Andersson", contact_phone="070-123 45 67")  # fmt: skip
    dossier.record_meeting(app_db, zone, TEAM, held_on=dt.date(2026, 11, 20), present=["Bostadsbolaget AB"],
                           decisions="Byta belysning vid stationen")  # fmt: skip
    page = dossier.dossier_html(app_db, zone, TEAM, "sv", today=dt.date(2026, 11, 25))
    assert "Platssamverkan Stationen: dossier" in page and "Byta belysning vid stationen" in page
    assert "Bostadsbolaget AB (Fastighetsägare)" in page
    assert "Anna" not in page and "070" not in page
    assert documents.html_to_pdf(page).startswith(b"%PDF")
    at = dossier_page(zone)
    assert {b.label for b in at.get("download_button")} >= {"Dossiern för utskrift (HTML)", "Dossiern som PDF"}


def test_issue_21_the_police_edit_the_dossier_of_a_zone_they_take_part_in_and_read_the_others(app_db: Store) -> None:
    from geo import dossier

    police = User("polis.erik", Role.POLICE)
    centrum, stationen = (next(z.id for z in app_db.zones() if z.name == n) for n in ("Centrum", "Stationen"))
    dossier.add_actor(app_db, centrum, TEAM, organisation="Polisen i Markaryd", kind="polis")
    at = dossier_page(centrum, police)
    assert "Ny åtgärd" in [e.label for e in at.expander] and "Spara mötet" in [b.label for b in at.button]
    assert not any("Du kan läsa" in c.value for c in at.caption)
    at = dossier_page(stationen, police)
    assert "Ny åtgärd" not in [e.label for e in at.expander] and "Spara mötet" not in [b.label for b in at.button]
    assert any("och av polisen där polisen ingår i samverkan" in c.value for c in at.caption)
