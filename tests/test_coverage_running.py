"""R-COVER: coverage on a warm service, kept up to date from what changed, is coverage afresh.

A running service keeps each (period, subtree)'s last coverage and counts in only the reviews
written since (``SqlStore.coverage_changes``: on PostgreSQL the history entries of the
transactions its snapshot did not see, on SQLite those after its last rowid). On random rosters
(tests/test_scheduling_properties.py), random steps, cancellations, states set through the
store, roster changes and scheduling again, interleaved with coverage calls on one service,
each report must equal a new service's (which counts from scratch), for the whole roster and
a random subtree; on SQLite and PostgreSQL (and the memory store, which always counts
afresh).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import reviewflow as rf
from reviewflow.demo import OFFICE as DEMO_OFFICE
from reviewflow.demo import QUARTER, run_quarter
from reviewflow.testing import scenario_on
from servers import fresh_postgres
from test_coverage_properties import CLOCK, TARGETS, change_roster, service_on, set_state
from test_scheduling_properties import OFFICE, PERIODS, Spec, rosters

S = rf.ReviewState
OPERATIONS = st.sampled_from(["start", "cancel", "set", "schedule", "roster", "none"])


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database of ``kind`` for one example."""
    if kind != "postgres":
        yield kind
        return
    try:
        url, drop = fresh_postgres()
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable ({error})")
    try:
        yield url
    finally:
        drop()


def afresh(service: rf.ReviewService, period: rf.Period, root: str | None) -> rf.CoverageReport:
    """Coverage by a new service on the same store: nothing kept, everything counted."""
    return rf.ReviewService(service.store, clock=lambda: CLOCK).coverage(
        OFFICE, period, root_id=root
    )


def change(service: rf.ReviewService, period: rf.Period, data: st.DataObject) -> None:
    """One write, as the office and the reviewers make them (refusals are fine)."""
    what = data.draw(OPERATIONS, label="write")
    reviews = service.store.reviews(rf.ReviewQuery())
    try:
        if what == "schedule":
            service.schedule(OFFICE, data.draw(st.sampled_from([period, *PERIODS_NEAR]), label="p"))
        elif what == "roster":
            change_roster(service, data)
        elif reviews and what != "none":
            review = data.draw(st.sampled_from(reviews), label="review")
            if what == "start":
                service.start(review.reviewer_id, review.id)
            elif what == "cancel":
                service.cancel(OFFICE, review.id, reason="误排")
            else:
                set_state(service, review, data.draw(TARGETS, label="state"))
    except rf.ReviewflowError:
        pass
    event(f"write: {what}")


PERIODS_NEAR = [rf.Period.month(2023, 11), rf.Period.quarter(2023, 4)]


def check_warm_coverage(kind: str, spec: Spec, period: rf.Period, data: st.DataObject) -> None:
    with database(kind) as url:
        service = service_on("sqlite://" if url == "sqlite" else url, spec)
        try:
            check_warm_service(service, period, data)
        finally:  # also when the example stops half way: no connection left to the collector
            service.store.close()


def check_warm_service(service: rf.ReviewService, period: rf.Period, data: st.DataObject) -> None:
    if data.draw(st.booleans(), label="schedule"):
        service.schedule(OFFICE, period)
    root = data.draw(
        st.none() | st.sampled_from(sorted(service.roster().organizations)), label="root"
    )
    counted = [0]
    counts = service._core.counts  # the store's counting tier, or the service's own counts
    real = counts.coverage_facts

    def counting(*args: object) -> rf.CoverageFacts:
        counted[0] += 1
        return real(*args)  # type: ignore[arg-type]

    def fresh(scope: str | None) -> rf.CoverageReport:
        with mock.patch.object(counts, "coverage_facts", real):
            return afresh(service, period, scope)

    with mock.patch.object(counts, "coverage_facts", counting):
        calls = 0
        for _ in range(data.draw(st.integers(1, 6), label="rounds")):
            for _ in range(data.draw(st.integers(0, 3), label="writes")):
                change(service, period, data)
            for scope in (None, root):
                warm = service.coverage(OFFICE, period, root_id=scope)
                assert warm == fresh(scope), (str(period), scope)
                calls += 1
    event(f"counted afresh in {counted[0]} of {calls} warm calls")


@given(spec=rosters(), period=PERIODS, kind=st.sampled_from(["memory://", "sqlite"]),
       data=st.data())  # fmt: skip
def test_r_cover_a_warm_services_coverage_is_coverage_afresh(
    spec: Spec, period: rf.Period, kind: str, data: st.DataObject
) -> None:
    """R-COVER: writes interleaved with coverage calls on one service; each report is a new
    service's."""
    check_warm_coverage(kind, spec, period, data)


@pytest.mark.postgres
@settings(max_examples=15)
@given(spec=rosters(), period=PERIODS, data=st.data())
def test_r_cover_a_warm_services_coverage_is_coverage_afresh_on_postgresql(
    spec: Spec, period: rf.Period, data: st.DataObject
) -> None:
    """R-COVER: the same on PostgreSQL (what changed: the history entries of the transactions
    the last snapshot did not see)."""
    check_warm_coverage("postgres", spec, period, data)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_r_cover_a_warm_service_counts_only_what_changed(kind: str) -> None:
    """R-COVER: after a step and a cancellation, the warm service does not count the period
    again (the store's changes since its last call are counted in), and its report is the
    new one."""
    with database(kind) as url:
        store = rf.open_store("sqlite://" if url == "sqlite" else url)
        service = scenario_on(store)
        run_quarter(service)
        month = QUARTER.subperiods(rf.PeriodKind.MONTH)[-1]
        before = service.coverage(DEMO_OFFICE, month)
        live = [r for r in store.reviews(rf.ReviewQuery(within=month)) if r.state is S.SCHEDULED]
        service.start(live[0].reviewer_id, live[0].id)
        service.cancel(DEMO_OFFICE, live[-1].id, reason="误排")
        with mock.patch.object(store, "coverage_facts", side_effect=AssertionError("counted")):
            after = service.coverage(DEMO_OFFICE, month)
        assert after == afresh(service, month, None)
        # A scheduled review is in progress as much as a started one; the cancelled one is missing.
        assert (after.in_progress, after.missing) == (before.in_progress - 1, before.missing + 1)
        store.close()


def test_r_cover_a_change_behind_the_librarys_back_counts_once_the_coverage_is_forgotten(
    tmp_path: Path,
) -> None:
    """A review changed in the database by hand (no history entry) is not among the store's
    changes, so the warm service does not see it; `forget_coverage` makes the next call count
    afresh, and it does."""
    import sqlite3  # noqa: PLC0415

    path = tmp_path / "reviews.db"
    store = rf.open_store(f"sqlite:///{path}")
    service = scenario_on(store)
    run_quarter(service)
    month = QUARTER.subperiods(rf.PeriodKind.MONTH)[-1]
    before = service.coverage(DEMO_OFFICE, month)
    live = [r for r in store.reviews(rf.ReviewQuery(within=month)) if r.state is S.SCHEDULED]
    with sqlite3.connect(path) as conn:  # behind the library's back
        conn.execute("UPDATE reviews SET state = 'cancelled' WHERE id = ?", [live[0].id])
    assert service.coverage(DEMO_OFFICE, month) == before
    service.forget_coverage()
    after = service.coverage(DEMO_OFFICE, month)
    assert after.missing == before.missing + 1
    assert after == afresh(service, month, None)
    store.close()


@pytest.mark.postgres
def test_r_cover_a_write_committed_after_the_snapshot_is_counted_next_time() -> None:
    """R-COVER: a transaction that wrote before coverage's snapshot but committed after it is
    not in that snapshot; the next call counts it in (by transaction id, not by the order its
    entries were numbered)."""
    with database("postgres") as url:
        store = rf.open_store(url)
        service = scenario_on(store)
        run_quarter(service)
        month = QUARTER.subperiods(rf.PeriodKind.MONTH)[-1]
        service.coverage(DEMO_OFFICE, month)
        review = next(
            r for r in store.reviews(rf.ReviewQuery(within=month)) if r.state is S.SCHEDULED
        )
        writer = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        try:
            writer.execute(  # a step by hand, left open
                "UPDATE reviews SET state = 'waived', version = version + 1 WHERE id = %s",
                [review.id],
            )
            writer.execute(
                "INSERT INTO history (review_id, seq, at, actor_id, action, from_state, "
                "to_state, data, reason, prev_digest, digest) VALUES "
                "(%s, %s, 'now', %s, 'waive', 'scheduled', 'waived', '{}', '', '', '')",
                [review.id, review.version + 1, review.reviewer_id],
            )
            during = service.coverage(DEMO_OFFICE, month)  # the writer is running
            writer.commit()
        finally:
            writer.close()
        after = service.coverage(DEMO_OFFICE, month)
        assert after == afresh(service, month, None)
        assert after.waived == during.waived + 1
        store.close()


def summed(*facts: rf.CoverageFacts) -> tuple[dict[object, tuple[int, int]], ...]:
    """Facts added up, by group: live counts and cancelled ones (groups that add to nothing
    left out)."""
    live: dict[object, tuple[int, int]] = {}
    gone: dict[object, tuple[int, int]] = {}
    for f in facts:
        for *group, n, fingerprint in f.counts:
            a, b = live.get(tuple(group), (0, 0))
            live[tuple(group)] = (a + n, b + fingerprint)
        for org_id, n, fingerprint in f.cancelled:
            a, b = gone.get(org_id, (0, 0))
            gone[org_id] = (a + n, b + fingerprint)
    return tuple({k: v for k, v in d.items() if v != (0, 0)} for d in (live, gone))


@pytest.mark.parametrize(
    "kind",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
     pytest.param("mysql", marks=pytest.mark.mysql)],
)  # fmt: skip
def test_a_stores_changes_added_to_its_facts_are_its_facts_now(
    kind: str, request: pytest.FixtureRequest
) -> None:
    """The store's side: the facts at a watermark and the changes since make the facts now,
    for the whole roster and a subtree; MySQL cannot say (None), and neither can anyone past
    the bound on changes."""
    url = "sqlite://" if kind == "sqlite" else request.getfixturevalue(f"{kind}_url")
    store = rf.open_store(url)
    assert isinstance(store, rf.SqlStore)
    try:
        service = scenario_on(store)
        run_quarter(service)
        month = rf.Period.parse("2024-01")
        service.schedule(DEMO_OFFICE, month)
        for org_ids in (None, frozenset(service.roster().subtree("hospital"))):
            before = store.coverage_facts(month, org_ids)
            waiting = store.reviews(
                rf.ReviewQuery(within=month, org_ids=org_ids, states=frozenset({S.SCHEDULED}))
            )
            service.start(waiting[0].reviewer_id, waiting[0].id)
            service.cancel(DEMO_OFFICE, waiting[1].id, reason="误排")
            service.waive(DEMO_OFFICE, waiting[2].id, reason="病休")
            if org_ids is not None:  # a change outside the subtree is none of its changes
                elsewhere = store.reviews(
                    rf.ReviewQuery(within=month, states=frozenset({S.SCHEDULED}))
                )
                outside = next(r for r in elsewhere if r.org_id not in org_ids)
                service.cancel(DEMO_OFFICE, outside.id, reason="误排")
            changes = store.coverage_changes(month, org_ids, before.watermark, 100)
            if kind == "mysql":
                assert changes is None
                continue
            assert changes is not None
            assert summed(before, changes) == summed(store.coverage_facts(month, org_ids))
            assert store.coverage_changes(month, org_ids, before.watermark, 2) is None
    finally:
        store.close()
