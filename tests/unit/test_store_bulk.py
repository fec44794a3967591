"""`Store.add_reports_frame` (SQLite fast path and the generic SQLAlchemy path) and `Store.clear`."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from geo.categories import DEFAULT_CATEGORIES
from geo.demo import generate_reports
from geo.store import REF_CODE_ALPHABET, REF_CODE_LENGTH, ReportQuery, Store, StoreError, bulk, tables
from tests.conftest import NOW, small_categories, small_reports

SQLITE_DATETIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
"""How SQLAlchemy's SQLite ``DateTime`` writes a timestamp (naive UTC)."""


def open_store(tmp_path: Path, name: str, *, fast: bool = True) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / name}")
    if not fast:
        store._sqlite_bulk = lambda: False  # the generic SQLAlchemy path, as on PostgreSQL
    assert store._sqlite_bulk() is fast
    return store


def raw_rows(store: Store, sql: str) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(sql)]


def schema(store: Store) -> list[tuple]:
    return raw_rows(store, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")


def pragma(store: Store, name: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql(f"PRAGMA {name}").scalar())


def varied_frame() -> pd.DataFrame:
    """Demo reports plus awkward values: other time zones, nanoseconds, whole
    seconds, times before 1970, given ``updated_at``, Arabic and empty texts."""
    frame = generate_reports(3_000)
    n = len(frame)
    created = frame["created_at"].dt.as_unit("ns")
    created.iloc[0] = pd.Timestamp("2026-03-29 01:30:00.000001", tz="UTC")  # 03:30 in Stockholm, after the switch
    created.iloc[1] = pd.Timestamp("2026-01-01 00:00:00", tz="UTC")  # no microseconds at all
    created.iloc[2] = pd.Timestamp("1969-12-31 23:59:59.999999", tz="UTC")
    created.iloc[3] = pd.Timestamp("2026-06-01 12:00:00.123456", tz="UTC")
    created.iloc[4] = pd.Timestamp("2026-06-01 12:00:00.123456789", tz="UTC")  # nanoseconds are dropped
    frame["created_at"] = created.dt.tz_convert("Europe/Stockholm")
    frame["updated_at"] = (frame["created_at"] + pd.to_timedelta(np.arange(n) * 7_919_123, unit="us")).dt.tz_convert(
        "America/New_York"
    )
    frame.loc[5, "text"] = "الإضاءة سيئة هنا"
    frame["public_comment"] = np.where(np.arange(n) % 3 == 0, "Åtgärdat", "")
    frame["id"] = [str(uuid.UUID(int=i + 1, version=4)) for i in range(n)]
    frame["ref_code"] = [f"{i:08d}".translate(str.maketrans("0123456789", "23456789AB")) for i in range(n)]
    return frame


@pytest.fixture
def categories_loaded(tmp_path: Path):
    def make(name: str, *, fast: bool = True) -> Store:
        store = open_store(tmp_path, name, fast=fast)
        store.upsert_categories(DEFAULT_CATEGORIES)
        return store

    return make


class TestFastPathEqualsGenericPath:
    @pytest.mark.parametrize("rebuild_from", [1, 10**9], ids=["indexes-rebuilt", "indexes-kept"])
    def test_every_column_round_trips_identically(self, categories_loaded, monkeypatch, rebuild_from: int) -> None:
        monkeypatch.setattr(bulk, "_REBUILD_INDEXES_FROM", rebuild_from)
        frame = varied_frame()
        fast, generic = categories_loaded("fast.db"), categories_loaded("generic.db", fast=False)
        assert fast.add_reports_frame(frame, chunk_size=700) == generic.add_reports_frame(frame) == len(frame)

        # The stored text itself is identical (SQLite compares timestamps as text).
        sql = "SELECT *, typeof(created_at), typeof(updated_at), typeof(lon), typeof(supporters) FROM reports"
        fast_rows = raw_rows(fast, sql + " ORDER BY rowid")
        assert fast_rows == raw_rows(generic, sql + " ORDER BY rowid")
        assert all(SQLITE_DATETIME.fullmatch(row[9]) and SQLITE_DATETIME.fullmatch(row[10]) for row in fast_rows)
        assert schema(fast) == schema(generic)

        left, right = fast.reports_frame(), generic.reports_frame()
        pd.testing.assert_frame_equal(left, right)
        assert str(left["created_at"].dt.tz) == "UTC" and str(left["updated_at"].dt.tz) == "UTC"
        assert left["lon"].tolist() == frame["lon"].tolist() and left["lat"].tolist() == frame["lat"].tolist()
        expected = pd.to_datetime(frame["created_at"], utc=True).dt.floor("us")
        assert left["created_at"].tolist() == expected.tolist()
        assert left.loc[0, "created_at"] == pd.Timestamp("2026-03-29 01:30:00.000001", tz="UTC")
        assert left.loc[4, "created_at"] == pd.Timestamp("2026-06-01 12:00:00.123456", tz="UTC")

        for ref in frame["ref_code"].iloc[:5]:
            one, other = fast.report_by_ref(ref), generic.report_by_ref(ref)
            assert one == other and one["created_at"].tzinfo is dt.UTC

        since = ReportQuery(created_from=dt.datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=dt.UTC))
        assert fast.reports_frame(since).equals(generic.reports_frame(since))
        assert len(fast.reports_frame(since)) > 0

    @pytest.mark.parametrize("fast", [True, False], ids=["fast", "generic"])
    def test_defaults_and_generated_values(self, tmp_path: Path, fast: bool) -> None:
        store = open_store(tmp_path, "d.db", fast=fast)
        store.upsert_categories(small_categories())
        frame = small_reports().drop(columns=["text"])
        original = frame.copy()
        store.add_reports_frame(frame)
        pd.testing.assert_frame_equal(frame, original)  # the caller's frame is left alone
        stored = store.reports_frame()
        assert (stored["text"] == "").all() and (stored["language"] == "sv").all()
        assert (stored["supporters"] == 0).all() and (stored["moderation_reason"] == "").all()
        assert (stored["updated_at"] == stored["created_at"]).all()
        assert stored["created_at"].max() == NOW - dt.timedelta(days=5)
        for value in stored["id"]:
            parsed = uuid.UUID(value)
            assert str(parsed) == value and parsed.version == 4 and parsed.variant == uuid.RFC_4122


class TestGeneratedValues:
    def test_ids_are_canonical_uuid4(self) -> None:
        ids = bulk._as_list(bulk._uuid4_strings(20_000), 0, 20_000)
        assert len(set(ids)) == len(ids)
        for value in ids:
            parsed = uuid.UUID(value)
            assert str(parsed) == value and parsed.version == 4 and parsed.variant == uuid.RFC_4122

    def test_reference_codes_use_the_alphabet_and_all_of_it(self) -> None:
        codes = bulk._as_list(bulk._unique_ref_codes(20_000), 0, 20_000)
        assert len(set(codes)) == len(codes)
        assert all(len(code) == REF_CODE_LENGTH and set(code) <= set(REF_CODE_ALPHABET) for code in codes)
        for position in range(REF_CODE_LENGTH):
            assert {code[position] for code in codes} == set(REF_CODE_ALPHABET)

    def test_code_strings_map_five_bit_groups(self) -> None:
        values = np.array([0, 2**40 - 1, 0b00001_00010_00011_00100_00101_00110_00111_01000], dtype=np.uint64)
        codes = bulk._as_list(bulk._code_strings(values), 0, 3)
        a = REF_CODE_ALPHABET
        assert codes == [a[0] * 8, a[31] * 8, "".join(a[i] for i in range(1, 9))]

    def test_datetime_text_is_what_sqlalchemy_writes(self) -> None:
        rng = np.random.default_rng(3)
        values = rng.integers(-5 * 10**16, 2.5 * 10**17, 5_000).astype("datetime64[us]")
        text = bulk._as_list(bulk._sqlite_datetime_text(values), 0, len(values))
        processor = sa.DateTime().dialect_impl(sa.create_engine("sqlite://").dialect).bind_processor(None)
        assert text == [processor(value.astype(dt.datetime)) for value in values]
        with pytest.raises(ValueError, match="years"):
            bulk._sqlite_datetime_text(np.array(["10000-01-01"], dtype="datetime64[us]"))


class TestUniqueCodes:
    @pytest.mark.parametrize("fast", [True, False], ids=["fast", "generic"])
    @pytest.mark.parametrize("first,second", [(30, 30), (40, 5)], ids=["scan", "in-query"])
    def test_codes_are_unique_within_and_across_batches(
        self, tmp_path: Path, monkeypatch, fast: bool, first: int, second: int
    ) -> None:
        """With only 64 possible codes, collisions are certain: every one is redrawn."""
        rng = np.random.default_rng(1)
        draws = []

        def few_codes(count: int) -> np.ndarray:
            draws.append(count)
            return rng.integers(0, 64, count).astype(np.uint64)

        monkeypatch.setattr(bulk, "_random_code_values", few_codes)
        store = open_store(tmp_path, "u.db", fast=fast)
        store.upsert_categories(small_categories())
        batch = small_reports()
        store.add_reports_frame(pd.concat([batch] * 10, ignore_index=True).head(first))
        store.add_reports_frame(pd.concat([batch] * 10, ignore_index=True).head(second))
        codes = store.reports_frame(columns=["ref_code"])["ref_code"]
        assert len(codes) == first + second and codes.is_unique
        assert len(draws) > 2  # collisions were drawn again

    def test_two_large_imports_do_not_collide(self, categories_loaded) -> None:
        store = categories_loaded("two.db")
        store.add_reports_frame(generate_reports(20_000, seed=1))
        store.add_reports_frame(generate_reports(20_000, seed=2))
        frame = store.reports_frame(columns=["id", "ref_code"])
        assert len(frame) == 40_000 and frame["id"].is_unique and frame["ref_code"].is_unique


class TestAllOrNothing:
    @pytest.mark.parametrize("fast", [True, False], ids=["fast", "generic"])
    @pytest.mark.parametrize("filled", [False, True], ids=["empty-table", "filled-table"])
    @pytest.mark.parametrize("fault", ["unknown-category", "duplicate-id", "duplicate-stored-id"])
    def test_a_bad_row_in_the_middle_changes_nothing(
        self, tmp_path: Path, monkeypatch, fast: bool, filled: bool, fault: str
    ) -> None:
        monkeypatch.setattr(bulk, "_REBUILD_INDEXES_FROM", 1)  # the index rebuild is rolled back too
        store = open_store(tmp_path, "a.db", fast=fast)
        store.upsert_categories(small_categories())
        if filled:
            store.add_reports_frame(small_reports().assign(id=[f"old-{i}" for i in range(6)]))
        before = (raw_rows(store, "SELECT * FROM reports ORDER BY rowid"), schema(store), store.data_version())
        frame = pd.concat([small_reports()] * 50, ignore_index=True)  # 300 rows, chunks of 40 below
        frame["id"] = [f"new-{i}" for i in range(len(frame))]
        if fault == "unknown-category":
            frame.loc[170, "category"] = "no_such_category"
        elif fault == "duplicate-id":
            frame.loc[170, "id"] = "new-3"
        else:
            frame.loc[170, "id"] = "old-2" if filled else "new-169"
        with pytest.raises(StoreError) as caught:
            store.add_reports_frame(frame, chunk_size=40)
        assert isinstance(caught.value.__cause__, sa.exc.IntegrityError)
        after = (raw_rows(store, "SELECT * FROM reports ORDER BY rowid"), schema(store), store.data_version())
        assert after == before
        assert pragma(store, "cache_size") == -2000 and pragma(store, "foreign_keys") == 1
        assert store.add_reports_frame(frame.drop(index=170)) == len(frame) - 1  # the store still works

    def test_missing_timestamps_are_refused_before_writing(self, filled_store: Store) -> None:
        frame = small_reports()
        frame.loc[2, "created_at"] = pd.NaT
        with pytest.raises(ValueError, match="created_at must not be missing"):
            filled_store.add_reports_frame(frame)
        assert filled_store.count_reports() == 6

    def test_missing_columns_are_refused(self, filled_store: Store) -> None:
        with pytest.raises(KeyError, match="status"):
            filled_store.add_reports_frame(small_reports().drop(columns=["status"]))
        assert filled_store.count_reports() == 6


class TestPragmas:
    def test_bulk_insert_restores_cache_and_rebuilds_indexes(self, categories_loaded, monkeypatch) -> None:
        monkeypatch.setattr(bulk, "_REBUILD_INDEXES_FROM", 100)
        store = categories_loaded("p.db")
        empty_schema = schema(store)
        seen = []
        original = bulk._drop_bulk_indexes
        monkeypatch.setattr(bulk, "_drop_bulk_indexes", lambda conn: seen.append(1) or original(conn))
        store.add_reports_frame(generate_reports(500))
        store.add_reports_frame(generate_reports(500, seed=5))  # into a filled table: indexes kept
        assert seen == [1]
        assert schema(store) == empty_schema
        assert pragma(store, "cache_size") == -2000
        indexes = {row[1] for row in raw_rows(store, "PRAGMA index_list('reports')")}
        assert {"ix_reports_lon_lat", "ix_reports_created_at"} <= indexes
        assert raw_rows(store, "PRAGMA integrity_check") == [("ok",)]


class TestClear:
    def test_clear_empties_every_table_and_keeps_foreign_keys(self, filled_store: Store) -> None:
        report_id, _ = filled_store.add_report(
            {**small_reports().iloc[0].to_dict(), "created_at": NOW}, email="boende@example.org"
        )
        with filled_store.engine.begin() as conn:
            conn.execute(
                tables.report_events.insert().values(
                    report_id=report_id, at=NOW, actor="moderator", field="status",
                    from_value="ny", to_value="bekraftad", comment="",
                )
            )  # fmt: skip
        assert filled_store.add_user("polis.anna", "$argon2id$not-a-real-hash", "police")
        assert filled_store.take_rate_slot({"open311": 5}, window=dt.timedelta(minutes=10), now=NOW) == 0
        version = filled_store.data_version()
        filled_store.clear()
        assert filled_store.is_empty()
        for table in tables.metadata.sorted_tables:
            if table is not tables.meta:
                assert raw_rows(filled_store, f"SELECT count(*) FROM {table.name}") == [(0,)], table.name
        assert filled_store.data_version() > version
        with pytest.raises(StoreError):  # foreign keys are enforced (again, on SQLite)
            filled_store.add_reports_frame(small_reports())
        if filled_store.engine.dialect.name == "sqlite":
            assert pragma(filled_store, "foreign_keys") == 1
            assert raw_rows(filled_store, "PRAGMA foreign_key_check") == []

    def test_clear_of_an_empty_store_and_reseeding(self, categories_loaded) -> None:
        store = categories_loaded("c.db")
        store.clear()
        store.clear()
        assert store.is_empty()
        store.upsert_categories(DEFAULT_CATEGORIES)
        assert store.add_reports_frame(generate_reports(300)) == 300
        store.clear()
        assert store.count_reports() == 0 and store.categories() == []

    def test_clear_on_an_in_memory_database(self) -> None:
        store = Store.open("sqlite://")
        store.upsert_categories(small_categories())
        store.add_reports_frame(small_reports())
        store.clear()
        assert store.is_empty() and pragma(store, "foreign_keys") == 1
