"""SQL stores beyond the contract: schema versions, tamper evidence, copying between databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import attrs
import pytest

import reviewflow as rf
from coverage_reference import reference_coverage
from reviewflow.demo import OFFICE, run_quarter
from reviewflow.domain.planning import plan_period
from reviewflow.domain.serial import unstructure
from reviewflow.store.base import facts_of
from reviewflow.store.sql import SCHEMA_VERSION
from reviewflow.testing import CLOCK, scenario_on


@pytest.fixture
def url(empty_url: str) -> str:
    """A URL to a fresh, empty database of each kind."""
    return empty_url


def execute(store: rf.SqlStore, statement: str) -> None:
    """Run plain SQL on the store's database, behind the library's back."""
    conn = store.dialect.connect(_raw_url(store))
    try:
        conn.cursor().execute(statement)
        conn.commit()
    finally:
        conn.close()


_URLS: dict[int, str] = {}


def _raw_url(store: rf.SqlStore) -> str:
    return _URLS[id(store)]


def open_sql(url: str) -> rf.SqlStore:
    store = rf.open_store(url)
    assert isinstance(store, rf.SqlStore)
    _URLS[id(store)] = url
    return store


@pytest.fixture
def quarter(url: str) -> Iterator[tuple[rf.ReviewService, rf.SqlStore]]:
    """The demonstration quarter, run on the database."""
    store = open_sql(url)
    service = scenario_on(store)
    run_quarter(service)
    yield service, store
    store.close()


def closed_review(store: rf.SqlStore) -> str:
    """The id of the quarter's closed liaison review (李文华 → 区人民医院党总支)."""
    query = rf.ReviewQuery(reviewer_id="li", subject_id="hospital")
    (review,) = store.reviews(query)
    assert review.state is rf.ReviewState.CLOSED
    return review.id


# -- schema versions -----------------------------------------------------------------------------


def test_a_new_database_gets_the_current_schema(url: str) -> None:
    store = open_sql(url)
    assert store.schema_version() == SCHEMA_VERSION
    store.close()
    again = open_sql(url)  # reopening an up-to-date database changes nothing
    assert again.schema_version() == SCHEMA_VERSION
    again.close()


def test_a_newer_database_is_refused(url: str) -> None:
    store = open_sql(url)
    execute(
        store, f"UPDATE reviewflow_meta SET value = '{SCHEMA_VERSION + 1}' WHERE name = 'schema'"
    )
    store.close()
    with pytest.raises(rf.SchemaMismatch) as caught:
        rf.open_store(url)
    assert (caught.value.found, caught.value.expected) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    assert "newer reviewflow" in str(caught.value)


def test_data_survives_reopening(quarter: tuple[rf.ReviewService, rf.SqlStore], url: str) -> None:
    service, store = quarter
    before = store.reviews(rf.ReviewQuery())
    reopened = open_sql(url)
    assert reopened.reviews(rf.ReviewQuery()) == before
    assert rf.ReviewService(reopened).coverage(OFFICE, "2023-Q4") == service.coverage(
        OFFICE, "2023-Q4"
    )
    reopened.close()


def test_a_record_holds_only_what_the_columns_and_defaults_do_not(
    quarter: tuple[rf.ReviewService, rf.SqlStore], url: str
) -> None:
    """Schema 3 stores a review's record without its columns and its fields at their defaults;
    a record stored whole (as schemas 1 and 2 did) reads back the same."""
    _, store = quarter
    before = {r.id: r for r in store.reviews(rf.ReviewQuery())}
    conn = store.dialect.connect(_raw_url(store))
    try:
        cur = conn.cursor()
        cur.execute("SELECT id, doc FROM reviews")
        docs = dict(cur.fetchall())
        closed = closed_review(store)
        for doc in docs.values():
            record = json.loads(doc)
            assert not record.keys() & {
                "id",
                "kind",
                "reviewer_id",
                "subject_id",
                "period",
                "basis",
                "org_id",
                "state",
                "version",
                "last_digest",
            }
            assert all(value not in (None, [], "", False) for value in record.values()), record
        assert len(json.loads(docs[closed])) > 5  # a closed review's content is all there
        whole = unstructure(before[closed])
        cur.execute(
            store.dialect.sql("UPDATE reviews SET doc = ? WHERE id = ?"),
            (json.dumps(whole), closed),
        )
        conn.commit()
    finally:
        conn.close()
    reopened = open_sql(url)
    assert {r.id: r for r in reopened.reviews(rf.ReviewQuery())} == before
    reopened.close()


# -- tamper evidence (R-AUDIT) -------------------------------------------------------------------


def test_untouched_records_verify(quarter: tuple[rf.ReviewService, rf.SqlStore]) -> None:
    service, _ = quarter
    assert service.verify(OFFICE) == ()


def test_an_edited_entry_is_found(quarter: tuple[rf.ReviewService, rf.SqlStore]) -> None:
    service, store = quarter
    rid = closed_review(store)
    execute(store, f"UPDATE history SET reason = '改过' WHERE review_id = '{rid}' AND seq = 3")
    found = service.verify(OFFICE)
    assert rf.Tampering(rid, 3, "the entry was edited") in found


def test_a_deleted_entry_is_found(quarter: tuple[rf.ReviewService, rf.SqlStore]) -> None:
    service, store = quarter
    rid = closed_review(store)
    execute(store, f"DELETE FROM history WHERE review_id = '{rid}' AND seq = 4")
    found = {(t.review_id, t.seq) for t in service.verify(OFFICE)}
    assert (rid, 5) in found


def test_an_edited_review_row_is_found(quarter: tuple[rf.ReviewService, rf.SqlStore]) -> None:
    service, store = quarter
    rid = closed_review(store)
    execute(
        store,
        f"UPDATE reviews SET doc = REPLACE(doc, '组织3次义诊进村', '组织1次义诊') "
        f"WHERE id = '{rid}'",
    )
    found = service.verify(OFFICE)
    assert rf.Tampering(rid, None, "the review differs from what its history says") in found


def test_only_the_office_verifies(quarter: tuple[rf.ReviewService, rf.SqlStore]) -> None:
    service, _ = quarter
    with pytest.raises(rf.OutOfScope):
        service.verify("li")


# -- copying -------------------------------------------------------------------------------------


def test_copy_from_sqlite_verifies_equal(url: str, tmp_path: Path) -> None:
    """A unit outgrowing SQLite copies everything, and the copy verifies equal."""
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    source = rf.open_store(source_url)
    run_quarter(scenario_on(source))
    target_url = url if not url.endswith("reviews.db") else f"sqlite:///{tmp_path / 'copy.db'}"
    seen: list[tuple[int, int]] = []
    report = rf.copy_store(source, target_url, batch_size=10, progress=lambda *p: seen.append(p))
    assert report.verified, report.differences
    assert report.reviews_copied == report.reviews_total == len(source.reviews(rf.ReviewQuery()))
    assert seen[-1] == (report.reviews_total, report.reviews_total)
    copy = rf.open_store(target_url)
    assert rf.ReviewService(copy).verify(OFFICE) == ()
    assert copy.reviews(rf.ReviewQuery()) == source.reviews(rf.ReviewQuery())
    copy.close()
    source.close()


def test_copy_resumes_where_it_stopped(tmp_path: Path) -> None:
    source = rf.MemoryStore()
    run_quarter(scenario_on(source))
    target = rf.open_store(f"sqlite:///{tmp_path / 'copy.db'}")
    reviews = source.reviews(rf.ReviewQuery())
    half = tuple((r, tuple(source.history(r.id))) for r in reviews[: len(reviews) // 2])
    target.apply(rf.ChangeSet(roster=tuple(source.roster().records()), imported=half))
    report = rf.copy_store(source, target)
    assert report.verified
    assert report.reviews_copied == len(reviews) - len(half)
    target.close()


def test_copy_takes_the_offices_records_and_resumes(url: str) -> None:
    """Inspections, exemplars' publicity and summaries submitted are copied once: a copy run
    again skips what the target holds (one summary per organization and year) and verifies."""
    source = rf.MemoryStore()
    service = scenario_on(source)
    visit = service.record_inspection(
        OFFICE, org_id="cdc", on=date(2023, 12, 1), inspectors=["陈敏"], place="疾控中心",
        findings="台账不全",
    )  # fmt: skip
    exemplar = service.record_exemplar(OFFICE, kind="member", subject_id="wu", deeds="事迹")
    service.record_publicity(OFFICE, exemplar.id, on=date(2023, 12, 20), medium="简报",
                             where="第3期")  # fmt: skip
    service.submit_summary("he", "cdc", 2023, reference="疾控党支〔2023〕5号")
    target = open_sql(url)
    first = rf.copy_store(source, target)
    assert (first.verified, first.office_records_copied) == (True, 3)
    service.submit_summary(OFFICE, "organ", 2023, reference="机关党支〔2023〕1号")
    again = rf.copy_store(source, target)
    assert (again.verified, again.office_records_copied) == (True, 1)
    assert target.office_records() == source.office_records()
    assert target.office_records().inspections == (visit,)
    target.close()


# -- migrations ----------------------------------------------------------------------------------


def test_an_older_database_is_refused_until_upgraded(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database at this schema opened by a library one version newer: refused, upgraded on
    request, data kept."""
    from reviewflow.store.sql import Dialect, schema  # noqa: PLC0415

    store = open_sql(url)
    run_quarter(scenario_on(store))
    before = store.reviews(rf.ReviewQuery())
    store.close()

    def later(dialect: Dialect) -> list[str]:
        return ["CREATE INDEX attempts_by_actor ON attempts (actor_id)"]

    now, next_ = SCHEMA_VERSION, SCHEMA_VERSION + 1
    monkeypatch.setattr(schema, "SCHEMA_VERSION", next_)
    monkeypatch.setattr(schema, "MIGRATIONS", {**schema.MIGRATIONS, next_: later})
    with pytest.raises(rf.SchemaMismatch) as caught:
        rf.open_store(url)
    assert (caught.value.found, caught.value.expected) == (now, next_)
    assert "upgrade" in str(caught.value)
    assert rf.upgrade_store(url) == next_
    upgraded = open_sql(url)
    assert upgraded.schema_version() == next_
    assert upgraded.reviews(rf.ReviewQuery()) == before
    upgraded.close()


def as_schema(monkeypatch: pytest.MonkeyPatch, version: int) -> None:
    """The library as it was at schema ``version`` (1 to 7): reviews written without their
    slot hash before schema 3; history entries without their transaction before 4; the roster
    without its dates and histories before 5; no office records before 6 (nothing here writes
    them); reviews without their round before 7; no outbox before 8 (nothing here queues)."""
    from reviewflow.store.sql import codec, schema  # noqa: PLC0415

    monkeypatch.setattr(schema, "SCHEMA_VERSION", version)
    if version >= 7:
        return
    without_round = codec.review_rows
    monkeypatch.setattr(codec, "REVIEW_COLUMNS", codec.REVIEW_COLUMNS[:-1])
    monkeypatch.setattr(codec, "review_rows", lambda *a: (r[:-1] for r in without_round(*a)))
    if version >= 5:
        return
    for name, width in (("ORG", 7), ("MEMBER", 9)):
        kind = name.lower()
        row, read = getattr(codec, f"{kind}_row"), getattr(codec, f"{kind}_of")
        extra = len(getattr(codec, f"{name}_COLUMNS")) - width
        monkeypatch.setattr(codec, f"{name}_COLUMNS", getattr(codec, f"{name}_COLUMNS")[:width])
        monkeypatch.setattr(
            codec, f"{kind}_row", lambda *a, _r=row, _w=width, **k: _r(*a, **k)[:_w]
        )
        monkeypatch.setattr(
            codec, f"{kind}_of", lambda r, _f=read, _n=extra: _f((*r, *[None] * _n))
        )
    if version >= 3:
        return
    monkeypatch.setattr(codec, "REVIEW_COLUMNS", codec.REVIEW_COLUMNS[:-1])
    real_rows = codec.review_rows
    monkeypatch.setattr(codec, "review_rows", lambda *args: (r[:-1] for r in real_rows(*args)))


@pytest.mark.parametrize("start", [1, 2, 3, 4, 5, 6, 7])
def test_an_older_schema_upgrades_to_the_current_one_with_everything_kept(
    url: str, monkeypatch: pytest.MonkeyPatch, start: int
) -> None:
    """Schema 2 (cheaper steps), 3 (slot hashes, SQLite's history in order of writing, no
    index on the reviewer alone), 4 (PostgreSQL: each history entry's transaction), 5 (the
    effective-dated roster), 6 (the office's records), 7 (a review's round, R-REOPEN) and 8
    (the outbox) from a database that an older schema set up and filled."""
    as_schema(monkeypatch, start)
    store = open_sql(url)
    service = scenario_on(store)
    run_quarter(service)
    before = store.reviews(rf.ReviewQuery())
    histories = {r.id: store.history(r.id) for r in before}
    store.close()
    monkeypatch.undo()

    assert rf.upgrade_store(url) == SCHEMA_VERSION == 8
    upgraded = open_sql(url)
    assert upgraded.schema_version() == SCHEMA_VERSION
    assert upgraded.reviews(rf.ReviewQuery()) == before
    assert {r.id: upgraded.history(r.id) for r in before} == histories
    assert rf.ReviewService(upgraded).verify(OFFICE) == ()
    if url.startswith("sqlite"):
        (table,) = upgraded._conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'history'"
        ).fetchone()
        assert "WITHOUT ROWID" not in table
        gone = "SELECT name FROM sqlite_master WHERE name = 'reviews_of_reviewer'"
        assert upgraded._conn.execute(gone).fetchall() == []
    upgraded.close()


def test_a_schema_5_database_upgrades_to_6_and_keeps_the_office_records(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema 6 (R-SUPERVISE, R-EXEMPLAR, R-SUMMARY-SUBMIT): the upgraded database keeps
    inspections, exemplars' publicity and summaries submitted, one summary per organization and
    year (the database refuses a second)."""
    as_schema(monkeypatch, 5)
    store = open_sql(url)
    scenario_on(store)
    store.close()
    monkeypatch.undo()

    assert rf.upgrade_store(url) == SCHEMA_VERSION
    upgraded = open_sql(url)
    service = rf.ReviewService(upgraded, clock=lambda: CLOCK, ids=rf.sequential_ids())
    visit = service.record_inspection(
        OFFICE, org_id="cdc", on=date(2023, 12, 1), inspectors=["周", "钱"], place="疾控中心",
        findings="整改台账不全",
    )  # fmt: skip
    exemplar = service.record_exemplar(OFFICE, kind="member", subject_id="wu", deeds="事迹")
    service.record_publicity(OFFICE, exemplar.id, on=date(2023, 12, 27), medium="简报",
                             where="第3期")  # fmt: skip
    sent = service.submit_summary(OFFICE, "cdc", 2023, reference="卫党〔2023〕9号")
    assert upgraded.office_records().inspections == (visit,)
    assert [p.where for p in upgraded.office_records().exemplar_publicity] == ["第3期"]
    assert upgraded.office_records().submissions == (sent,)
    with pytest.raises(rf.IntegrityError):
        upgraded.apply(rf.ChangeSet(submissions=(attrs.evolve(sent, id="again"),)))
    assert upgraded.office_records().submissions == (sent,)
    upgraded.close()


def quarter_upgraded_from(url: str, monkeypatch: pytest.MonkeyPatch, version: int) -> rf.SqlStore:
    """The demonstration quarter run on a database of schema ``version``, upgraded, opened."""
    as_schema(monkeypatch, version)
    store = open_sql(url)
    run_quarter(scenario_on(store))
    store.close()
    monkeypatch.undo()
    assert rf.upgrade_store(url) == SCHEMA_VERSION
    return open_sql(url)


def test_r_reopen_a_schema_6_database_upgraded_opens_a_cancelled_slot_again(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema 7 (R-REOPEN): after the upgrade, a review cancelled under schema 6 is followed by
    a second round of its slot; the database still refuses a second review of a round."""
    upgraded = quarter_upgraded_from(url, monkeypatch, 6)
    service = rf.ReviewService(upgraded)
    gone = frozenset({rf.ReviewState.CANCELLED})
    (cancelled,) = upgraded.reviews(rf.ReviewQuery(states=gone))
    new = service.reopen(OFFICE, cancelled.id, reason="撤销有误，重新点评")
    assert (new.round, new.reopens, new.key) == (2, cancelled.id, cancelled.key)
    assert upgraded.reviews(rf.ReviewQuery(ids=frozenset({new.id}))) == (new,)
    twin = attrs.evolve(new, id="review-twin")
    entry = attrs.evolve(upgraded.history(new.id)[0], review_id="review-twin")
    assert upgraded.apply(rf.ChangeSet(new_reviews=((twin, entry),))).inserted == ()
    assert upgraded.review("review-twin") is None
    assert service.verify(OFFICE) == ()
    upgraded.close()


def test_a_schema_7_database_upgraded_to_8_queues_and_delivers_in_its_outbox(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema 8 (the outbox): a database filled under schema 7 gets an empty outbox; a step
    taken afterwards with the outbox on is queued there and delivered once."""
    upgraded = quarter_upgraded_from(url, monkeypatch, 7)
    assert upgraded.claim(CLOCK, 10, timedelta(minutes=1)) == ()
    service = rf.ReviewService(upgraded, clock=lambda: CLOCK, outbox=True)
    review = next(r for r in service.reviews(OFFICE) if r.state is rf.ReviewState.SCHEDULED)
    service.cancel(OFFICE, review.id, reason="升级后撤销")
    sent: list[rf.OutboxMessage] = []
    report = rf.dispatch(upgraded, sent.append, clock=lambda: CLOCK)
    assert [m.kind for m in sent] == ["StepTaken"]
    assert report.delivered == (sent[0].id,)
    event = rf.event_of(sent[0])
    assert isinstance(event, rf.StepTaken)
    assert (event.review.id, event.review.state) == (review.id, rf.ReviewState.CANCELLED)
    upgraded.close()


def test_a_schema_2_database_upgrades_to_3_with_its_slot_hashes_filled_in(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Schema 3 (coverage by fingerprint) from a schema 2 database: every review gets its slot
    hash, so the store's coverage facts and the service's coverage are what the reviews say."""
    upgraded = quarter_upgraded_from(url, monkeypatch, 2)
    roster = upgraded.roster()
    for period in ("2023-10", "2023-11", "2023-Q4"):
        within = rf.Period.parse(period)
        reviews = upgraded.reviews(rf.ReviewQuery(within=within))
        found = upgraded.coverage_facts(within, None)
        assert sorted(found.counts, key=repr) == sorted(facts_of(roster, reviews).counts, key=repr)
        assert all(fingerprint > 0 for *_, fingerprint in found.counts)
        plan = plan_period(roster, rf.ReviewService(upgraded).policy, within, None)
        assert rf.ReviewService(upgraded).coverage(OFFICE, period) == reference_coverage(
            roster, plan, reviews, within, None
        )
    upgraded.close()


# -- errors at the edge --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://reviewer:s3cret-pw@127.0.0.1:1/test?connect_timeout=2",
        "mysql://reviewer:s3cret-pw@127.0.0.1:1/test",
        "sqlite:////no/such/dir/reviews.db",
    ],
)
def test_an_unreachable_database_is_unavailable_and_the_password_never_shows(url: str) -> None:
    with pytest.raises(rf.StoreUnavailable) as caught:
        rf.open_store(url)
    for text in (str(caught.value), repr(caught.value), caught.value.url):
        assert "s3cret-pw" not in text
    assert "***" in caught.value.url or "sqlite" in caught.value.url


@pytest.mark.postgres
def test_statements_with_long_value_lists_are_never_prepared_on_postgresql(
    postgres_url: str,
) -> None:
    """A server-side prepared statement may get a generic plan, made without its values; for
    a long IN list that plan scanned a whole period (a city's coverage took 35 s, not 0.2 s)."""
    store = open_sql(postgres_url)
    dialect = store.dialect
    store.close()
    conn = dialect.connect(postgres_url)
    try:
        cur = conn.cursor()
        many = "SELECT 1 WHERE 1 IN (" + ", ".join(["%s"] * 20) + ")"
        few = "SELECT 2 WHERE 2 IN (%s, %s)"
        for _ in range(8):  # psycopg prepares a statement on its fifth run by default
            dialect.execute(cur, many, tuple(range(20)))
            dialect.execute(cur, few, (1, 2))
        cur.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cur.fetchall()]
    finally:
        conn.close()
    assert prepared == [few.replace("%s, %s", "$1, $2")]


def test_r_cad_4_r_audit_scheduled_rows_are_what_a_change_set_writes(url: str) -> None:
    """Scheduling on a SQL store: read back, the reviews, histories and digests are those
    the reference store keeps, and they verify; scheduling again adds nothing."""
    store = open_sql(url)
    sql, reference = scenario_on(store), scenario_on(rf.MemoryStore())
    for period in ("2023-Q4", "2023-10", "2024-01", "2024-Q1"):
        made = sql.schedule(OFFICE, period).created
        assert made == reference.schedule(OFFICE, period).created
    everything = rf.ReviewQuery()
    reviews = store.reviews(everything)
    assert len(reviews) > 50
    assert list(reviews) == list(reference.store.reviews(everything))
    for review in reviews:
        assert store.history(review.id) == reference.store.history(review.id)
    assert sql.verify(OFFICE) == ()
    assert sql.schedule(OFFICE, "2024-Q1").created == ()
    store.close()
