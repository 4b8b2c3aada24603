"""Several processes on one database at once, and a writer killed mid-transaction.

Each SQL store is raced by worker processes (tests/workers/advance.py) that schedule the same
quarter and advance the same reviews, every write with the version it read. Afterwards: no
duplicate review, no lost update, every history gapless and untouched, every conflict reported.
The crash test kills (SIGKILL) a worker in the middle of bulk writes and checks that every review
is wholly before or wholly after each bulk step.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

import reviewflow as rf
from reviewflow.demo import OFFICE
from reviewflow.testing import scenario_on

WORKER = Path(__file__).parent / "workers" / "advance.py"
PROCESSES = 4
ROUNDS = 60


@pytest.fixture
def url(empty_url: str) -> str:
    """A fresh database of each kind, with the demonstration roster in it."""
    store = rf.open_store(empty_url)
    scenario_on(store)
    store.close()
    return empty_url


def test_racing_workers_lose_nothing_and_duplicate_nothing(url: str, tmp_path: Path) -> None:
    outs = [tmp_path / f"worker-{n}.json" for n in range(PROCESSES)]
    workers = [
        subprocess.Popen([sys.executable, str(WORKER), url, str(n), str(ROUNDS), str(out)])
        for n, out in enumerate(outs)
    ]
    assert [w.wait(timeout=300) for w in workers] == [0] * PROCESSES
    seen = [json.loads(out.read_text(encoding="utf-8")) for out in outs]
    store = rf.open_store(url)
    service = rf.ReviewService(store)
    reviews = store.reviews(rf.ReviewQuery())
    # Scheduling raced: the reviews exist once each, and the workers created them between them.
    assert len({r.key for r in reviews}) == len(reviews)
    assert sum(s["created"] for s in seen) == len(reviews)
    # No lost update: each review moved once per success any worker saw, and kept every report.
    successes = sum((Counter(s["successes"]) for s in seen), Counter())
    reports = sum((Counter(s["reports"]) for s in seen), Counter())
    for review in reviews:
        assert review.version == 1 + successes[review.id], review.id
        assert len(review.reports) == reports[review.id], review.id
    assert sum(successes.values()) > 0
    # Every history gapless, chained and replaying to its review.
    assert service.verify(OFFICE) == ()
    # Every conflict was reported to its worker and logged.
    conflicts = sum(s["errors"].get("ConcurrencyConflict", 0) for s in seen)
    logged = [a for a in store.attempts() if a.error == "ConcurrencyConflict"]
    assert len(logged) == conflicts
    store.close()


def test_a_writer_killed_mid_bulk_step_leaves_no_torn_review(url: str, tmp_path: Path) -> None:
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), url, "0", "0", str(tmp_path / "out.json"), "--bulk"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "ready"
    time.sleep(1.5)  # let it run bulk transactions for a while
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    worker.stdout.close()
    assert worker.returncode == -signal.SIGKILL
    store = rf.open_store(url)
    service = rf.ReviewService(store)
    assert service.verify(OFFICE) == ()
    # Each bulk step added one participant to all of one reviewer's reviews in one transaction:
    # after the kill, a reviewer's reviews have all the same number, never some more than others.
    by_reviewer: dict[str, set[int]] = {}
    for review in store.reviews(rf.ReviewQuery()):
        if review.kind is rf.ReviewKind.MEMBER:
            by_reviewer.setdefault(review.reviewer_id, set()).add(len(review.participants))
    assert all(len(counts) == 1 for counts in by_reviewer.values()), by_reviewer
    assert max(max(c) for c in by_reviewer.values()) > 0
    store.close()


def test_coverage_kept_up_to_date_while_workers_race_is_coverage_afresh(
    url: str, tmp_path: Path
) -> None:
    """R-COVER: a service that keeps its coverage up to date from what changed (the history
    entries of the transactions its last snapshot did not see, on PostgreSQL) asks for
    coverage again and again while the racing workers schedule and step; once they are done,
    its coverage is a new service's, counted from scratch."""
    outs = [tmp_path / f"worker-{n}.json" for n in range(PROCESSES)]
    workers = [
        subprocess.Popen([sys.executable, str(WORKER), url, str(n), str(ROUNDS), str(out)])
        for n, out in enumerate(outs)
    ]
    store = rf.open_store(url)
    service = rf.ReviewService(store)
    calls = 0
    try:
        while any(w.poll() is None for w in workers):
            for period in ("2023-Q4", "2023-11"):
                service.coverage(OFFICE, period)
                service.coverage(OFFICE, period, root_id="hospital")
            calls += 1
        assert [w.wait(timeout=300) for w in workers] == [0] * PROCESSES
        for period in ("2023-Q4", "2023-11"):
            for root in (None, "hospital"):
                fresh = rf.ReviewService(store).coverage(OFFICE, period, root_id=root)
                assert service.coverage(OFFICE, period, root_id=root) == fresh, (period, root)
        assert calls > 1
    finally:
        store.close()
