from __future__ import annotations

import datetime as dt

import pytest

from geo.auth import User
from geo.model import Moderation, Role, Status
from geo.moderation import change_status, history, moderate, pending_reports
from geo.reporting import public_status
from geo.store import Store
from tests.conftest import NOW

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
