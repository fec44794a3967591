"""Issue #20: e-mail to residents and staff through the outbox, against a real SMTP server
(aiosmtpd in a thread, `tests.support.smtp`), on SQLite and on PostGIS."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest

from geo import outbox
from geo.auth import User, add_user
from geo.config import load_settings
from geo.model import Moderation, Rejection, Role, Status
from geo.moderation import change_status, mark_duplicate, moderate, rejection_reason, reply
from geo.reporting import ReportDraft, submit
from geo.store import Store, utcnow
from tests.conftest import PUBLIC_URL
from tests.support.smtp import SmtpServer

TEAM = User("kommun.anna", Role.TEAM)
LATER = dt.timedelta(days=1)
"""Far enough ahead that every backoff has passed."""


def report(
    store: Store, email: str = "boende@example.se", lang: str = "sv", *, consent: bool = True
) -> tuple[str, str]:
    draft = ReportDraft(13.60, 56.46, "otrygg", "dalig_belysning", "kvall", "Mörkt", email, consent, lang)
    submitted = submit(store, draft)
    return submitted.id, submitted.ref_code


def send(store: Store, *, now: dt.datetime | None = None) -> outbox.SendResult:
    return outbox.send_due(store, load_settings(), now=now)


def link_in(text: str, path: str) -> str:
    found = re.search(rf"{re.escape(PUBLIC_URL)}{re.escape(path)}\?\S+", text)
    assert found, f"no {path} link in {text!r}"
    return found.group(0)


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_issue_20_each_message_reaches_the_resident_in_their_language_with_code_and_link(
    filled_store: Store, smtp: SmtpServer, lang: str
) -> None:
    store = filled_store
    report_id, code = report(store, lang=lang)
    moderate(store, [report_id], Moderation.PUBLISHED, TEAM)
    change_status(store, report_id, Status.CONFIRMED, TEAM, public_comment="Vi tittar på det")
    assert reply(store, report_id, "Lampan byts på tisdag.", TEAM)
    change_status(store, report_id, Status.FIXED, TEAM, public_comment="Ny lampa")
    assert send(store).sent == 5

    got = smtp.to("boende@example.se")
    words = {"sv": "referenskod", "en": "reference code", "ar": "رمزك المرجعي"}
    assert [m.message["Content-Language"] for m in got] == [lang] * 5
    assert words[lang] in got[0].text
    for received in got:
        assert code in received.message["Subject"] and code in received.text
        assert link_in(received.text, "/status") == f"{PUBLIC_URL}/status?ref={code}"
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in received.html
        assert "<img" not in received.html and "<script" not in received.html
        assert received.message["From"].addresses[0].addr_spec == "trygghet@kommun.example.se"
    assert "Vi tittar på det" in got[2].text and "Lampan byts på tisdag." in got[3].text
    status_words = {"sv": "Åtgärdad", "en": "Fixed", "ar": "تمت المعالجة"}
    assert status_words[lang] in got[4].message["Subject"]
    assert "Ny lampa" in got[4].text
    # every message but the last carries a stop link; the last says the address is deleted
    assert all("/stop-messages" in m.text for m in got[:4]) and "/stop-messages" not in got[4].text
    # the mail program's own stop button (RFC 8058): the same signed link, never on the last message
    assert got[0].message["List-Unsubscribe"] == f"<{link_in(got[0].text, '/stop-messages')}>"
    assert got[0].message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert got[4].message["List-Unsubscribe"] is None
    assert store.report_contact(report_id) is None


def test_issue_20_a_rejection_names_the_kind_of_reason_never_the_note_and_closes(
    filled_store: Store, smtp: SmtpServer
) -> None:
    report_id, _code = report(filled_store, lang="en")
    reason = rejection_reason(Rejection.PERSONAL_DATA, "namn på grannen")
    moderate(filled_store, [report_id], Moderation.REJECTED, TEAM, reason=reason)
    assert filled_store.report_contact(report_id) == "boende@example.se"  # not before it has gone
    assert send(filled_store).sent == 2
    last = smtp.to("boende@example.se")[-1]
    assert "was not published" in last.message["Subject"]
    assert "The text contained personal data" in last.text and "grannen" not in last.text
    assert filled_store.report_contact(report_id) is None


def test_issue_20_a_duplicate_is_the_last_message(filled_store: Store, smtp: SmtpServer) -> None:
    _, original = report(filled_store, email="")
    report_id, _ = report(filled_store)
    mark_duplicate(filled_store, report_id, original, TEAM)
    change_status(filled_store, report_id, Status.CLOSED, TEAM, public_comment="efteråt")  # nothing after the last
    assert send(filled_store).sent == 2
    assert "samma sak" in smtp.to("boende@example.se")[-1].text
    assert filled_store.report_contact(report_id) is None


def test_issue_20_without_smtp_nothing_is_queued_and_no_address_kept(
    filled_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRYGG_SMTP_URL", raising=False)
    report_id, _ = report(filled_store)
    moderate(filled_store, [report_id], Moderation.PUBLISHED, TEAM)
    assert filled_store.report_contact(report_id) is None
    assert not reply(filled_store, report_id, "Hej", TEAM)
    assert filled_store.outbox_counts() == dict.fromkeys(("pending", "sending", "sent", "failed", "dropped"), 0)


def test_issue_20_with_the_server_down_changes_commit_and_messages_wait_then_go_once(
    filled_store: Store, smtp: SmtpServer
) -> None:
    smtp.stop()
    report_id, code = report(filled_store)
    moderate(filled_store, [report_id], Moderation.PUBLISHED, TEAM)
    change_status(filled_store, report_id, Status.CANNOT_FIX, TEAM, public_comment="Privat mark")
    assert filled_store.report_by_ref(code)["status"] == Status.CANNOT_FIX.value  # the change committed
    first = send(filled_store)
    assert (first.sent, first.retrying) == (0, 1)  # the rest were given back untried
    assert filled_store.outbox_counts()["pending"] == 3
    assert send(filled_store).sent == 0  # backing off: nothing due yet
    assert filled_store.report_contact(report_id) is not None  # the closing message has not gone

    smtp.start()
    assert send(filled_store, now=utcnow() + LATER).sent == 3
    assert send(filled_store, now=utcnow() + 2 * LATER).sent == 0
    subjects = [m.message["Subject"] for m in smtp.to("boende@example.se")]
    assert len(subjects) == len(set(subjects)) == 3
    assert filled_store.report_contact(report_id) is None


def test_issue_20_a_message_is_given_up_after_the_last_try_and_shown_to_the_admin(
    filled_store: Store, smtp: SmtpServer
) -> None:
    smtp.stop()
    report(filled_store)
    now = utcnow()
    for _ in range(outbox.MAX_ATTEMPTS):
        now += LATER
        send(filled_store, now=now)
    assert filled_store.outbox_counts()["failed"] == 1
    seen = outbox.overview(filled_store, User("admin", Role.ADMIN))
    assert [t["state"] for t in seen.troubles] == ["failed"]
    assert "boende@example.se" not in repr(seen)
    with pytest.raises(PermissionError):
        outbox.overview(filled_store, TEAM)
    smtp.start()
    assert outbox.retry(filled_store, User("admin", Role.ADMIN), seen.troubles[0]["id"])
    assert send(filled_store).sent == 1


def test_issue_20_backoff_doubles_up_to_a_limit() -> None:
    waits = [outbox.backoff(n) for n in range(1, 10)]
    assert waits[:3] == [dt.timedelta(minutes=1), dt.timedelta(minutes=2), dt.timedelta(minutes=4)]
    assert max(waits) == outbox.LONGEST_WAIT and waits == sorted(waits)


def test_issue_20_two_senders_at_once_send_each_message_once(filled_store: Store, smtp: SmtpServer) -> None:
    codes = [report(filled_store, email=f"boende{i}@example.se")[1] for i in range(24)]
    url = str(filled_store.engine.url.render_as_string(hide_password=False))
    stores = [Store.open(url) for _ in range(3)]
    start = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def sender(store: Store) -> None:
        try:
            start.wait()
            while outbox.send_due(store, load_settings(), limit=4).sent:
                pass
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for store in stores:
        store.close()
    assert not errors
    received = [m.message["Subject"] for m in smtp.received]
    assert sorted(received) == sorted({s for s in received})  # none twice
    assert {code for code in codes if any(code in s for s in received)} == set(codes)  # none lost
    assert filled_store.outbox_counts()["sent"] == 24


def test_issue_20_the_stop_link_stops_and_cannot_be_forged(filled_store: Store, smtp: SmtpServer) -> None:
    mine, code = report(filled_store)
    other, other_code = report(filled_store, email="granne@example.se")
    send(filled_store)
    stop = link_in(smtp.to("boende@example.se")[0].text, "/stop-messages")
    sig = re.search(r"sig=([0-9a-f]+)", stop).group(1)
    # another report's code with this signature, a changed signature, none at all: refused
    assert outbox.stop(filled_store, other_code, sig) == (False, "sv")
    assert outbox.stop(filled_store, code, sig[:-1] + ("0" if sig[-1] != "0" else "1"))[0] is False
    assert outbox.stop(filled_store, code, "")[0] is False
    assert filled_store.report_contact(mine) and filled_store.report_contact(other)
    assert outbox.stop(filled_store, code.lower(), sig) == (True, "sv")
    assert filled_store.report_contact(mine) is None and filled_store.report_contact(other)
    moderate(filled_store, [mine, other], Moderation.PUBLISHED, TEAM)
    send(filled_store)
    assert len(smtp.to("boende@example.se")) == 1 and len(smtp.to("granne@example.se")) == 2


def test_issue_20_the_closing_message_deletes_the_address_only_once_it_has_gone(
    filled_store: Store, smtp: SmtpServer
) -> None:
    report_id, _ = report(filled_store)
    change_status(filled_store, report_id, Status.CLOSED, TEAM)
    smtp.stop()
    send(filled_store)
    assert filled_store.report_contact(report_id) == "boende@example.se"
    smtp.start()
    now = utcnow() + LATER
    claimed = filled_store.claim_messages("one", now=now, limit=1)  # the confirmation first: in order
    assert [m["kind"] for m in claimed] == ["confirmation"]
    filled_store.message_sent(claimed[0]["id"], now=now)
    assert filled_store.report_contact(report_id) == "boende@example.se"
    assert send(filled_store, now=now).sent == 1
    assert filled_store.report_contact(report_id) is None


def test_issue_20_the_daily_digest_goes_once_a_day_to_staff_who_asked(filled_store: Store, smtp: SmtpServer) -> None:
    for name in ("anna", "bo", "cecilia"):
        add_user(filled_store, name, "ett långt lösenord 1", Role.TEAM)
    outbox.save_staff_settings(filled_store, "anna", "anna@kommun.example.se", True, "sv")
    outbox.save_staff_settings(filled_store, "bo", "bo@kommun.example.se", False, "sv")
    outbox.save_staff_settings(filled_store, "cecilia", "cecilia@kommun.example.se", True, "ar")
    with pytest.raises(ValueError, match="digest_needs_email"):
        outbox.save_staff_settings(filled_store, "bo", "", True, "sv")
    _, code = report(filled_store, email="")
    morning = dt.datetime(2026, 12, 2, 5, 30, tzinfo=dt.UTC)  # 06:30 in Sweden: before the hour
    settings = load_settings()
    assert outbox.queue_digest(filled_store, settings, now=morning) == 0
    assert outbox.queue_digest(filled_store, settings, now=morning + dt.timedelta(hours=2)) == 2
    assert outbox.queue_digest(filled_store, settings, now=morning + dt.timedelta(hours=5)) == 0
    send(filled_store, now=morning + dt.timedelta(hours=2))
    assert not smtp.to("bo@kommun.example.se")
    (anna,) = smtp.to("anna@kommun.example.se")
    assert code in anna.text and "väntar på granskning" in anna.text and f"{PUBLIC_URL}/granskning" in anna.text
    (cecilia,) = smtp.to("cecilia@kommun.example.se")
    assert 'dir="rtl"' in cecilia.html
    assert outbox.queue_digest(filled_store, settings, now=morning + dt.timedelta(days=1, hours=2)) == 2


def test_issue_20_a_servers_answer_loses_the_address_before_the_admin_sees_it() -> None:
    from geo.mail import _clean

    assert _clean("550 5.1.1 <boende@example.se>: Recipient address rejected") == (
        "550 5.1.1 <[address]>: Recipient address rejected"
    )


def test_issue_20_the_resident_hears_when_an_action_linked_to_the_report_is_done(
    filled_store: Store, smtp: SmtpServer
) -> None:
    from geo import actions

    report_id, code = report(filled_store, lang="en")
    moderate(filled_store, [report_id], Moderation.PUBLISHED, TEAM)
    zone = next(z.id for z in filled_store.zones() if z.name == "Centrum")
    draft = actions.ActionDraft(
        title="New lamps by the tunnel",
        organisation="Kommunen",
        start_date=dt.date(2026, 11, 1),
        due_date=dt.date(2026, 12, 31),
        zone_id=zone,
        public=True,
        report_refs=code,
    )
    action = actions.create_action(filled_store, draft, TEAM)
    actions.mark_done(filled_store, action.id, TEAM, comment="Four new lamps are lit")
    assert filled_store.report_contact(report_id) is not None  # not before the last message has gone
    assert send(filled_store).sent == 4  # confirmation, published, action planned, action done
    planned, done = smtp.to("boende@example.se")[2:]
    assert "Action planned" in planned.message["Subject"] and "New lamps by the tunnel" in planned.text
    assert "An action linked to your report" in done.message["Subject"] and code in done.message["Subject"]
    assert "Four new lamps are lit" in done.text and "Fixed" in done.text
    assert filled_store.report_contact(report_id) is None


def test_issue_20_the_digest_names_actions_past_their_due_date(filled_store: Store, smtp: SmtpServer) -> None:
    from geo import actions

    add_user(filled_store, "anna", "ett långt lösenord 1", Role.TEAM)
    outbox.save_staff_settings(filled_store, "anna", "anna@kommun.example.se", True, "sv")
    pending = filled_store.reports_frame(columns=["id", "moderation"])
    moderate(filled_store, list(pending[pending["moderation"] == "pending"]["id"]), Moderation.PUBLISHED, TEAM)
    zone = next(z.id for z in filled_store.zones() if z.name == "Centrum")
    late = actions.ActionDraft(
        title="Klipp buskarna", organisation="Kommunen", start_date=dt.date(2026, 10, 1),
        due_date=dt.date(2026, 11, 15), zone_id=zone,
    )  # fmt: skip
    actions.create_action(filled_store, late, TEAM)
    morning = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.UTC)
    assert outbox.queue_digest(filled_store, load_settings(), now=morning) == 1
    send(filled_store, now=morning)
    (anna,) = smtp.to("anna@kommun.example.se")
    assert "1 åtgärd är försenad:" in anna.text and "Klipp buskarna" in anna.text
    assert f"{PUBLIC_URL}/platssamverkan" in anna.text and "/granskning" not in anna.text
