from __future__ import annotations

import datetime as dt

import pytest
import shapely

from geo.i18n import LANGUAGES, messages
from geo.model import Category, Feeling
from geo.reporting import (
    NEARBY_STEP_M,
    NearbyReport,
    ReportDraft,
    is_probably_bot,
    nearby_reports,
    normalize_ref_code,
    public_status,
    submit,
    take_submission_slot,
    validate,
)
from geo.store import Store
from tests.conftest import NO_SMTP_SERVER, NOW, small_categories

BOUNDARY = shapely.box(13.3, 56.3, 14.0, 56.8)
"""The test municipality, EPSG:4326."""

GOOD = ReportDraft(
    lon=13.600, lat=56.460, feeling="otrygg", category="dalig_belysning", time_of_day="kvall", text="Mörkt"
)


def problems(draft: ReportDraft) -> list[tuple[str, str]]:
    return [(p.field, p.key) for p in validate(draft, boundary=BOUNDARY, categories=small_categories())]


class TestValidate:
    def test_complete_draft_has_no_problems(self) -> None:
        assert problems(GOOD) == []

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({"lon": None, "lat": None}, ("pin", "report.error.no_pin")),
            ({"lon": 13.0, "lat": 55.6}, ("pin", "report.error.outside")),
            ({"feeling": None}, ("feeling", "report.error.feeling")),
            ({"category": None}, ("category", "report.error.category")),
            ({"category": "no_such_category"}, ("category", "report.error.category")),
            ({"category": "bra_belysning"}, ("category", "report.error.category")),  # a safe reason for otrygg
            ({"time_of_day": "morgon"}, ("time_of_day", "report.error.time_of_day")),
            ({"text": "x" * 1001}, ("text", "report.error.text_too_long")),
            ({"lon": float("nan"), "lat": 56.46}, ("pin", "report.error.outside")),
            ({"lon": 13.6, "lat": float("inf")}, ("pin", "report.error.outside")),
            ({"lon": 500.0, "lat": 56.46}, ("pin", "report.error.outside")),
            ({"email": "anna@"}, ("email", "report.error.email")),
            ({"email": "anna@example.se"}, ("email", "report.error.consent")),
        ],
    )
    def test_each_problem_is_named(self, change: dict, expected: tuple[str, str]) -> None:
        assert problems(ReportDraft(**{**GOOD.__dict__, **change})) == [expected]

    def test_point_on_the_boundary_is_inside(self) -> None:
        assert problems(ReportDraft(**{**GOOD.__dict__, "lon": 13.3, "lat": 56.5})) == []

    def test_retired_category_is_refused(self) -> None:
        retired = [Category("dalig_belysning", Feeling.UNSAFE, {"sv": "x"}, active=False)]
        found = validate(GOOD, boundary=BOUNDARY, categories=retired)
        assert [p.key for p in found] == ["report.error.category"]

    def test_1000_characters_are_allowed(self) -> None:
        assert problems(ReportDraft(**{**GOOD.__dict__, "text": "x" * 1000})) == []

    @pytest.mark.parametrize("lang", list(LANGUAGES))
    def test_every_problem_has_a_message_in_every_language(self, lang: str) -> None:
        keys = {
            "report.error.no_pin",
            "report.error.outside",
            "report.error.feeling",
            "report.error.category",
            "report.error.time_of_day",
            "report.error.text_too_long",
            "report.error.email",
            "report.error.consent",
        }
        assert keys <= set(messages(lang))


class TestSubmit:
    def test_stored_pending_with_scrubbed_text_and_email_apart(
        self, filled_store: Store, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("TRYGG_SMTP_URL", NO_SMTP_SERVER)  # an address is kept only when replies can be sent
        draft = ReportDraft(
            **{
                **GOOD.__dict__,
                "text": "Ring mig 070-123 45 67 eller anna@example.se, pnr 19121212-1212. Lampan vid Storgatan 12.",
                "email": " anna@example.se ",
                "email_consent": True,
                "language": "en",
            }
        )
        before = filled_store.count_reports()
        done = submit(filled_store, draft, now=NOW)
        assert filled_store.count_reports() == before + 1
        row = filled_store.report_by_ref(done.ref_code)
        assert row["text"] == "Ring mig [borttaget] eller [borttaget], pnr [borttaget]. Lampan vid Storgatan 12."
        assert (row["moderation"], row["status"], row["source"], row["language"]) == ("pending", "ny", "web", "en")
        assert row["created_at"] == NOW
        assert filled_store.report_contact(done.id) == "anna@example.se"

    def test_email_without_consent_is_not_stored(self, filled_store: Store) -> None:
        done = submit(filled_store, ReportDraft(**{**GOOD.__dict__, "email": "anna@example.se"}), now=NOW)
        assert filled_store.report_contact(done.id) is None

    def test_codes_are_unique_over_many_reports(self, filled_store: Store) -> None:
        codes = {submit(filled_store, GOOD, now=NOW).ref_code for _ in range(200)}
        assert len(codes) == 200

    def test_incomplete_draft_is_refused(self, filled_store: Store) -> None:
        with pytest.raises(ValueError, match="validate it first"):
            submit(filled_store, ReportDraft(None, None, None, None, None))

    def test_honeypot(self) -> None:
        assert is_probably_bot(ReportDraft(**{**GOOD.__dict__, "honeypot": "http://x"}))
        assert not is_probably_bot(GOOD)


class TestNearby:
    def test_same_category_within_100_m_and_90_days(self, filled_store: Store) -> None:
        # rapport 0: dalig_belysning at (13.600, 56.460), 5 days old, open, published.
        near = nearby_reports(filled_store, 13.6012, 56.4603, "dalig_belysning", now=NOW)
        assert [(n.category, n.month, n.within_m, n.supporters) for n in near] == [
            ("dalig_belysning", dt.date(2026, 10, 1), 100, 0)
        ]

    def test_farther_than_100_m_is_not_nearby(self, filled_store: Store) -> None:
        assert nearby_reports(filled_store, 13.6025, 56.4615, "dalig_belysning", now=NOW) == []

    def test_older_than_90_days_or_other_category_is_not_nearby(self, filled_store: Store) -> None:
        assert nearby_reports(filled_store, 13.600, 56.460, "trafik", now=NOW) == []
        assert nearby_reports(filled_store, 13.600, 56.460, "dalig_belysning", now=NOW + dt.timedelta(days=96)) == []

    def test_issue_15_the_hint_says_nothing_the_public_may_not_see(self, filled_store: Store) -> None:
        near = nearby_reports(filled_store, 13.600, 56.460, "dalig_belysning", now=NOW)
        assert len(near) == 1
        fields = set(NearbyReport.__dataclass_fields__)
        assert fields == {"key", "category", "month", "within_m", "supporters"}, "no text, no place, no status"
        assert near[0].within_m % NEARBY_STEP_M == 0

    def test_issue_15_moving_the_pin_cannot_locate_a_pending_report(self, filled_store: Store) -> None:
        pending = submit(filled_store, GOOD, now=NOW)  # at (13.600, 56.460), like the published rapport 0
        published = filled_store.report_by_ref(pending.ref_code)
        assert published["moderation"] == "pending"
        seen: set[str] = set()
        for step in range(-12, 13):  # the pin walks 240 m across the pending report, 10 m at a time
            for lon, lat in ((13.600 + step * 0.00016, 56.460), (13.600, 56.460 + step * 0.00009)):
                seen |= {n.key for n in nearby_reports(filled_store, lon, lat, "dalig_belysning", now=NOW)}
        assert published["id"] not in seen
        rejected_id = filled_store.reports_frame(columns=("id", "text")).set_index("text").loc["rapport 5", "id"]
        for lon, lat in ((13.745, 56.580), (13.7455, 56.5803)):  # the rejected rapport 5
            found = nearby_reports(filled_store, lon, lat, "dalig_belysning", now=NOW)
            assert rejected_id not in {n.key for n in found}

    def test_issue_15_distances_are_to_the_public_cell_rounded_up(self, filled_store: Store) -> None:
        distances = set()
        for step in range(0, 10):
            near = nearby_reports(filled_store, 13.600 + step * 0.0001, 56.460, "dalig_belysning", now=NOW)
            distances |= {n.within_m for n in near}
        assert distances <= {50, 100}, distances


class TestStatus:
    def test_reveals_status_and_comment_only(self, filled_store: Store) -> None:
        done = submit(filled_store, GOOD, now=NOW)
        found = public_status(filled_store, f" {done.ref_code.lower()[:4]}-{done.ref_code[4:]} ")
        assert found is not None
        assert (found.status, found.is_open, found.moderation) == ("ny", True, "pending")
        assert not hasattr(found, "text") and not hasattr(found, "lon")

    @pytest.mark.parametrize("code", ["", "ABC", "ABCDEFGHI", "ABCD000O", "<script>"])
    def test_impossible_codes_find_nothing(self, filled_store: Store, code: str) -> None:
        assert normalize_ref_code(code) is None
        assert public_status(filled_store, code) is None

    def test_unknown_code_finds_nothing(self, filled_store: Store) -> None:
        assert public_status(filled_store, "ZZZZ2222") is None


class TestRateLimit:
    """Issue #15.12: one policy for the form and Open311, kept in the database, so that it holds
    across processes; here two `Store` objects on the same database stand for two app processes."""

    def test_issue_15_a_session_gets_five_per_ten_minutes_across_two_processes(self, database_url: str) -> None:
        first, second = Store.open(database_url), Store.open(database_url)
        start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
        for i in range(5):
            process = (first, second)[i % 2]
            assert take_submission_slot(process, session_id="abc", now=start + dt.timedelta(seconds=10 * i)) == 0
        assert take_submission_slot(second, session_id="abc", now=start + dt.timedelta(seconds=50)) == 550
        assert take_submission_slot(first, session_id="abc", now=start + dt.timedelta(seconds=60)) == 540
        assert take_submission_slot(first, session_id="another", now=start + dt.timedelta(seconds=60)) == 0
        assert take_submission_slot(second, session_id="abc", now=start + dt.timedelta(seconds=601)) == 0
        first.close()
        second.close()

    def test_issue_15_open311_clients_share_one_limit_across_two_processes(self, database_url: str) -> None:
        first, second = Store.open(database_url), Store.open(database_url)
        now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
        taken = [take_submission_slot((first, second)[i % 2], open311_limit=3, now=now) for i in range(5)]
        assert [wait == 0 for wait in taken] == [True, True, True, False, False]
        assert take_submission_slot(first, session_id="abc", now=now) == 0  # the form's sessions are apart
        first.close()
        second.close()

    def test_issue_15_the_limit_holds_under_concurrent_processes(self, database_url: str) -> None:
        """Eight threads, each with its own Store (own connections), race for five slots."""
        from concurrent.futures import ThreadPoolExecutor

        Store.open(database_url).close()
        now = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)

        def attempt(_: int) -> int:
            store = Store.open(database_url)
            try:
                return take_submission_slot(store, session_id="race", now=now)
            finally:
                store.close()

        with ThreadPoolExecutor(max_workers=8) as pool:
            waits = list(pool.map(attempt, range(8)))
        assert sum(wait == 0 for wait in waits) == 5
        assert all(wait == 600 for wait in waits if wait)

    def test_issue_15_no_address_is_kept(self, store: Store) -> None:
        from geo.store.tables import rate_events

        assert {c.name for c in rate_events.columns} == {"id", "bucket", "at"}
