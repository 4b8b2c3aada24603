"""A store inside the host's own transaction (issue #15): ``HostTransaction`` on the host's DB-API
connection, on SQLite, PostgreSQL and MariaDB.

The host writes a row of its own and takes a step in one transaction: a rollback undoes both
(the review, its history, the host's row), a commit keeps both and ``verify`` is clean, a step
the library refuses leaves the host's transaction usable, and two hosts on one review get
``ConcurrencyConflict``, never a lost update.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE, QUARTER, scenario_service
from reviewflow.store.sql import DIALECTS, HostTransaction, SqlStore

MOMENT = datetime.combine(date(2023, 12, 28), time(9, 0), ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def url(empty_url: str) -> str:
    """A database of each kind with the scenario's roster, 2023-Q4 scheduled, and a host table."""
    found = empty_url
    service = scenario_service(found)
    service.schedule(OFFICE, QUARTER)
    service.store.close()
    conn = host_connection(found)
    conn.cursor().execute("CREATE TABLE host_notes (id INTEGER PRIMARY KEY, note VARCHAR(200))")
    conn.commit()
    conn.close()
    return found


def host_connection(url: str) -> Any:
    """The host's own connection: not autocommitting, its transactions the host's."""
    conn: Any = DIALECTS[url.split(":", 1)[0]]().connect(url)
    if hasattr(conn, "autocommit") and not callable(conn.autocommit):
        conn.autocommit = False  # psycopg
    elif hasattr(conn, "autocommit"):
        conn.autocommit(False)  # PyMySQL
    else:
        conn.isolation_level = ""  # sqlite3: its own transactions, begun before a write
    return conn


@pytest.fixture
def host(url: str) -> Iterator[tuple[Any, rf.ReviewService]]:
    """The host's connection and a service whose store writes inside its transactions."""
    conn = host_connection(url)
    dialect = DIALECTS[url.split(":", 1)[0]]()
    store = SqlStore(url, dialect, source=HostTransaction(conn))
    yield conn, rf.ReviewService(store, clock=lambda: MOMENT)
    conn.rollback()
    conn.close()


def seen_from_outside(url: str) -> tuple[rf.ReviewService, Callable[[], list[Any]]]:
    """A service on a connection of its own (what another process sees), and the host rows."""
    service = rf.ReviewService(rf.open_store(url), clock=lambda: MOMENT)

    def notes() -> list[Any]:
        conn = host_connection(url)
        cur = conn.cursor()
        cur.execute("SELECT id, note FROM host_notes ORDER BY id")
        rows = [tuple(r) for r in cur.fetchall()]
        conn.rollback()
        conn.close()
        return rows

    return service, notes


def hospital_review(service: rf.ReviewService) -> rf.Review:
    return next(r for r in service.reviews(OFFICE, within=QUARTER) if r.subject_id == "hospital")


def add_note(conn: Any, url: str, note_id: int, note: str) -> None:
    mark = "?" if url.startswith("sqlite") else "%s"
    conn.cursor().execute(f"INSERT INTO host_notes VALUES ({mark}, {mark})", (note_id, note))


def test_a_rollback_of_the_host_undoes_the_step_its_history_and_the_host_row(
    url: str, host: tuple[Any, rf.ReviewService]
) -> None:
    conn, service = host
    review = hospital_review(service)
    add_note(conn, url, 1, "走访前的准备")
    started = service.start(review.reviewer_id, review.id)
    assert started.state is rf.ReviewState.FACT_FINDING
    conn.rollback()

    outside, notes = seen_from_outside(url)
    assert outside.review(OFFICE, review.id).state is rf.ReviewState.SCHEDULED
    assert len(outside.history(OFFICE, review.id)) == 1
    assert notes() == []
    outside.store.close()


def test_a_commit_of_the_host_keeps_both_and_the_records_verify(
    url: str, host: tuple[Any, rf.ReviewService]
) -> None:
    conn, service = host
    review = hospital_review(service)
    add_note(conn, url, 1, "走访前的准备")
    service.start(review.reviewer_id, review.id)
    conn.commit()

    outside, notes = seen_from_outside(url)
    assert outside.review(OFFICE, review.id).state is rf.ReviewState.FACT_FINDING
    assert [e.action for e in outside.history(OFFICE, review.id)] == ["schedule", "start"]
    assert notes() == [(1, "走访前的准备")]
    assert outside.verify(OFFICE) == ()
    outside.store.close()


def test_a_refused_step_leaves_the_host_transaction_usable(
    url: str, host: tuple[Any, rf.ReviewService]
) -> None:
    conn, service = host
    review = hospital_review(service)
    add_note(conn, url, 1, "先记下")
    with pytest.raises(rf.StepRefused):
        service.close(review.reviewer_id, review.id)  # not open while scheduled
    service.start(review.reviewer_id, review.id)
    add_note(conn, url, 2, "再记下")
    conn.commit()

    outside, notes = seen_from_outside(url)
    assert outside.review(OFFICE, review.id).state is rf.ReviewState.FACT_FINDING
    assert notes() == [(1, "先记下"), (2, "再记下")]
    assert [a.action for a in outside.store.attempts(review.id)] == ["close"]
    outside.store.close()


def test_the_store_never_commits_what_the_host_began(
    url: str, host: tuple[Any, rf.ReviewService]
) -> None:
    conn, service = host
    add_note(conn, url, 1, "未提交")
    review = hospital_review(service)
    service.start(review.reviewer_id, review.id)
    service.reviews(OFFICE, within=QUARTER)  # reads, too, end nothing of the host's
    outside, notes = seen_from_outside(url)
    assert notes() == []  # the host has not committed: nobody else sees its row
    assert outside.review(OFFICE, review.id).state is rf.ReviewState.SCHEDULED
    conn.rollback()
    assert notes() == []
    outside.store.close()


def test_listeners_hear_of_a_step_only_when_the_host_commits(url: str) -> None:
    conn = host_connection(url)
    pending: list[Callable[[], None]] = []
    store = SqlStore(url, DIALECTS[url.split(":", 1)[0]](), source=HostTransaction(conn))
    service = rf.ReviewService(store, clock=lambda: MOMENT, after_commit=pending.append)
    heard: list[rf.events.Event] = []
    service.subscribe(heard.append)
    review = hospital_review(service)
    service.start(review.reviewer_id, review.id)
    assert heard == []  # not yet: the host has not committed
    conn.commit()
    for run in pending:  # what the host's framework does once it has committed
        run()
    assert [type(e).__name__ for e in heard] == ["StepTaken"]
    conn.close()


def test_two_hosts_on_one_review_never_lose_an_update(url: str) -> None:
    """Host B reads the review while host A's step is not committed, then writes: its write
    waits for A's lock (the row's; SQLite's write lock) and, once A commits, is refused with
    ConcurrencyConflict."""
    dialect = DIALECTS[url.split(":", 1)[0]]()
    conns = [host_connection(url), host_connection(url)]
    a, b = (
        rf.ReviewService(SqlStore(url, dialect, source=HostTransaction(c)), clock=lambda: MOMENT)
        for c in conns
    )
    review = hospital_review(a)
    a.start(review.reviewer_id, review.id)  # A holds the row, not committed
    seen = b.review(OFFICE, review.id)
    assert seen.version == review.version  # B sees the committed version
    outcome: list[BaseException | rf.Review] = []

    def take_b() -> None:
        try:
            outcome.append(b.start(review.reviewer_id, review.id))
        except BaseException as error:  # reported below
            outcome.append(error)
        finally:
            conns[1].rollback()

    worker = threading.Thread(target=take_b)
    worker.start()
    worker.join(timeout=1.0)
    assert worker.is_alive()  # B waits on A's row lock
    conns[0].commit()
    worker.join(timeout=30)
    assert len(outcome) == 1
    assert isinstance(outcome[0], rf.ConcurrencyConflict), outcome
    outside, _ = seen_from_outside(url)
    assert len(outside.history(OFFICE, review.id)) == 2  # A's step, once
    outside.store.close()
    for conn in conns:
        conn.close()
