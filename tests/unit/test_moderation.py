from __future__ import annotations

import datetime as dt

import pytest

from geo.auth import User
from geo.model import Moderation, Rejection, Role, Status
from geo.moderation import (
    change_status,
    history,
    mark_duplicate,
    moderate,
    pending_reports,
    redact_text,
    rejection_kind,
    rejection_reason,
)
from geo.outbox import send_due
from geo.reporting import ReportDraft, public_status, submit
from geo.store import Store
from geo.store.tables import reports
from tests.conftest import NOW
from tests.support.smtp import SmtpServer

TEAM = User("kommun.anna", Role.TEAM)
POLICE = User("polis.erik", Role.POLICE)


def pending_ids(store: Store) -> list[str]:
    return list(pending_reports(store, TEAM)["id"])


def test_full_history_after_moderation_and_three_status_changes(filled_store: Store) -> None:
    (report_id,) = pending_ids(filled_store)
    moderate(filled_store, [report_id], Moderation.PUBLISHED, TEAM, now=NOW)
    for minutes, (status, comment) in enumerate(
        [
            (Status.CONFIRMED, ""),
            (Status.ACTION_PLANNED, "Ny belysning beställd."),
            (Status.FIXED, "Lampan är bytt."),
        ],
        start=1,
    ):
        change_status(
            filled_store, report_id, status, POLICE, public_comment=comment, now=NOW + dt.timedelta(minutes=minutes)
        )
    events = history(filled_store, report_id, POLICE)
    assert [(e.actor, e.field, e.from_value, e.to_value, e.comment) for e in events] == [
        ("kommun.anna", "moderation", "pending", "published", ""),
        ("polis.erik", "status", "atgardad", "bekraftad", ""),
        ("polis.erik", "status", "bekraftad", "atgard_planerad", "Ny belysning beställd."),
        ("polis.erik", "status", "atgard_planerad", "atgardad", "Lampan är bytt."),
    ]
    assert events[0].at == NOW
    ref = filled_store.reports_frame().set_index("id").loc[report_id, "ref_code"]
    shown = public_status(filled_store, ref)
    assert (shown.status, shown.is_open, shown.public_comment) == ("atgardad", False, "Lampan är bytt.")


def test_reject_needs_a_reason_and_keeps_it(filled_store: Store) -> None:
    (report_id,) = pending_ids(filled_store)
    with pytest.raises(ValueError, match="reason is required"):
        moderate(filled_store, [report_id], Moderation.REJECTED, TEAM)
    moderate(filled_store, [report_id], Moderation.REJECTED, TEAM, reason="Personuppgifter")
    assert pending_ids(filled_store) == []
    assert history(filled_store, report_id, TEAM)[0].comment == "Personuppgifter"


def test_issue_14_a_rejected_report_is_closed_and_the_resident_told_the_kind_of_reason(filled_store: Store) -> None:
    (report_id,) = pending_ids(filled_store)
    ref = filled_store.reports_frame().set_index("id").loc[report_id, "ref_code"]
    assert public_status(filled_store, ref).rejection is None
    reason = rejection_reason(Rejection.PERSONAL_DATA, "namnet Anna i texten")
    moderate(filled_store, [report_id], Moderation.REJECTED, TEAM, reason=reason)
    shown = public_status(filled_store, ref)
    assert (shown.moderation, shown.status, shown.is_open, shown.rejection) == (
        "rejected",
        "stangd",
        False,
        "personal_data",
    )
    assert "Anna" not in repr(shown), "the moderator's note is for staff only"
    assert [(e.field, e.to_value) for e in history(filled_store, report_id, TEAM)] == [
        ("moderation", "rejected"),
        ("status", "stangd"),
    ]


@pytest.mark.parametrize(
    ("stored", "kind"),
    [
        ("offensive", Rejection.OFFENSIVE),
        ("duplicate: ABCD2345", Rejection.DUPLICATE),
        ("Personuppgifter", Rejection.OTHER),
        ("", Rejection.OTHER),
    ],
)
def test_rejection_kind_of_a_stored_reason(stored: str, kind: Rejection) -> None:
    assert rejection_kind(stored) is kind


def test_bulk_action_is_all_or_nothing(filled_store: Store) -> None:
    (report_id,) = pending_ids(filled_store)
    with pytest.raises(KeyError):
        moderate(filled_store, [report_id, "no-such-report"], Moderation.PUBLISHED, TEAM)
    assert pending_ids(filled_store) == [report_id]
    assert history(filled_store, report_id, TEAM) == []


@pytest.mark.parametrize("actor", [None, User("x", Role.PUBLIC)])
def test_only_staff_may_act(filled_store: Store, actor: User | None) -> None:
    with pytest.raises(PermissionError):
        pending_reports(filled_store, actor)
    with pytest.raises(PermissionError):
        moderate(filled_store, [], Moderation.PUBLISHED, actor)
    with pytest.raises(PermissionError):
        history(filled_store, "x", actor)


def test_redaction_keeps_who_and_when_but_never_the_removed_words(filled_store: Store) -> None:
    (report_id,) = pending_ids(filled_store)
    original = "Grannen Kalle Svensson på Storgatan 4 står där varje kväll"
    with filled_store.transaction() as conn:
        conn.execute(reports.update().where(reports.c.id == report_id).values(text=original))
    stored = redact_text(
        filled_store, report_id, "Grannen [borttaget] står där varje kväll, ring 070-123 45 67", TEAM, now=NOW
    )
    assert stored == "Grannen [borttaget] står där varje kväll, ring [borttaget]"
    (event,) = history(filled_store, report_id, TEAM)
    assert (event.actor, event.field, event.at) == ("kommun.anna", "text", NOW)
    dumped = repr(event) + repr(filled_store.reports_frame().to_dict())
    assert "Kalle" not in dumped and "070-123" not in dumped  # a bare "070" can occur in a random id


def test_duplicate_closes_the_report_points_to_the_original_and_adds_a_supporter(filled_store: Store) -> None:
    frame = filled_store.reports_frame().set_index("ref_code")
    original_ref, duplicate_ref = frame.index[0], frame.index[1]
    before = int(frame.loc[original_ref, "supporters"])
    original_id = mark_duplicate(filled_store, frame.loc[duplicate_ref, "id"], original_ref.lower(), POLICE, now=NOW)
    after = filled_store.reports_frame().set_index("ref_code")
    assert original_id == frame.loc[original_ref, "id"]
    assert after.loc[duplicate_ref, "status"] == "dubblett"
    assert int(after.loc[original_ref, "supporters"]) == before + 1
    events = history(filled_store, frame.loc[duplicate_ref, "id"], POLICE)
    assert [(e.field, e.to_value) for e in events] == [("status", "dubblett"), ("duplicate_of", original_ref)]
    with pytest.raises(KeyError):
        mark_duplicate(filled_store, frame.loc[duplicate_ref, "id"], "NOSUCHCODE", POLICE)
    with pytest.raises(ValueError):
        mark_duplicate(filled_store, frame.loc[original_ref, "id"], original_ref, POLICE)


def test_closing_a_case_forgets_the_residents_email_once_the_last_message_has_gone(
    filled_store: Store, smtp: SmtpServer
) -> None:
    draft = ReportDraft(
        lon=13.6,
        lat=56.46,
        feeling="otrygg",
        category="trafik",
        time_of_day="dag",
        text="Bilar kör fort",
        email="boende@example.se",
        email_consent=True,
    )
    report_id = submit(filled_store, draft, now=NOW).id
    change_status(filled_store, report_id, Status.CONFIRMED, POLICE)
    assert filled_store.report_contact(report_id) == "boende@example.se"
    change_status(filled_store, report_id, Status.FIXED, POLICE, public_comment="Farthinder på plats")
    assert filled_store.report_contact(report_id) == "boende@example.se"  # the closing message waits
    assert send_due(filled_store).sent == 3
    assert "Farthinder på plats" in smtp.to("boende@example.se")[-1].text
    assert filled_store.report_contact(report_id) is None
